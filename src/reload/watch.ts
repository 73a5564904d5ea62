/**
 * `--watch`: calls back when the config file's content changes. It watches the file's directory, not
 * the file, because editors and Kubernetes ConfigMaps replace files by renaming (a watch on the old
 * inode would go quiet), and it compares content so touches and duplicate events do nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

const SETTLE_MS = 250; // editors write in several steps: act once they are done

function digest(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined; // mid-replace, or deleted: wait for the next event
  }
}

export function watchConfig(path: string, onChange: () => void): { close(): void } {
  let last = digest(path);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const now = digest(path);
      if (now === undefined || now === last) return;
      last = now;
      onChange();
    }, SETTLE_MS);
  });
  watcher.on('error', () => watcher.close());
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
