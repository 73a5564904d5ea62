/**
 * One writer per queue directory. Inside the process, a runner replacing another on the same
 * directory (a config reload) waits until the old one has closed it; across processes a LOCK file
 * names the owner's pid, and a lock left by a process that is gone (killed, crashed) is taken over.
 */
import path from 'node:path';
import type { DiskFs } from './fs.ts';

const held = new Map<string, Promise<void>>();

export const LOCK_FILE = 'LOCK';

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits for the directory to be free in this process, then takes it; resolves to the release function. */
export async function acquireDir(dir: string, fs: DiskFs): Promise<() => Promise<void>> {
  for (let prev = held.get(dir); prev !== undefined; prev = held.get(dir)) await prev;
  let release!: () => void;
  held.set(dir, new Promise<void>((resolve) => (release = resolve)));
  const free = () => {
    held.delete(dir);
    release();
  };
  const lock = path.join(dir, LOCK_FILE);
  try {
    await fs.mkdir(dir);
    try {
      await fs.writeFile(lock, `${process.pid}\n`, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(Buffer.from(await fs.readFile(lock)).toString('utf8').trim(), 10);
      // Our own pid is a stale lock too: in a container the relay is pid 1 on every start.
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`the queue directory ${dir} is in use by another process (pid ${owner}); every relay needs its own queue.dir`, { cause: err });
      }
      await fs.writeFile(lock, `${process.pid}\n`, 'w');
    }
  } catch (err) {
    free();
    throw err;
  }
  return async () => {
    try {
      await fs.unlink(lock);
    } catch {
      // already gone: nothing to release on disk
    } finally {
      free();
    }
  };
}
