import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fsError, nodeFs, type DiskFile, type DiskFs } from '../../src/pipeline/disk/fs.ts';

/**
 * The disk queue's file operations over the real file system, with faults on demand: a byte quota
 * (ENOSPC once files would grow past it, after writing what fits, as a full disk does), a failing
 * fdatasync, and counts of syncs and writes.
 */
export class FaultFs implements DiskFs {
  quota = Infinity;
  /** An errno code fdatasync fails with, while set. */
  failSync: string | undefined;
  datasyncs = 0;
  writevs = 0;
  readonly #sizes = new Map<string, number>();

  /** The files counted in `used`: a file leaves it only once its unlink has finished here, not when the directory stops listing it. */
  get paths(): string[] {
    return [...this.#sizes.keys()];
  }

  get used(): number {
    let n = 0;
    for (const v of this.#sizes.values()) n += v;
    return n;
  }

  async #size(p: string): Promise<number> {
    let n = this.#sizes.get(p);
    if (n === undefined) {
      n = await fsp.stat(p).then((s) => s.size, () => 0);
      this.#sizes.set(p, n);
    }
    return n;
  }

  mkdir = nodeFs.mkdir;
  readdir = nodeFs.readdir;
  readFile = nodeFs.readFile;
  syncDir = nodeFs.syncDir;

  async writeFile(p: string, data: Uint8Array | string, flags = 'w'): Promise<void> {
    const n = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    const before = flags.startsWith('w') ? 0 : await this.#size(p);
    if (this.used - (this.#sizes.get(p) ?? 0) + before + n > this.quota) throw fsError('ENOSPC', 'write', p);
    await nodeFs.writeFile(p, data, flags);
    this.#sizes.set(p, before + n);
  }

  async unlink(p: string): Promise<void> {
    await nodeFs.unlink(p);
    this.#sizes.delete(p);
  }

  async rename(from: string, to: string): Promise<void> {
    await nodeFs.rename(from, to);
    this.#sizes.set(to, this.#sizes.get(from) ?? (await this.#size(to)));
    this.#sizes.delete(from);
  }

  async open(p: string, flags: string): Promise<DiskFile> {
    const fh = await nodeFs.open(p, flags);
    if (flags.startsWith('w')) this.#sizes.set(p, 0);
    else await this.#size(p);
    return {
      writev: async (buffers, position) => {
        this.writevs++;
        const total = buffers.reduce((s, b) => s + b.byteLength, 0);
        const size = this.#sizes.get(p) ?? 0;
        const growth = Math.max(0, position + total - size);
        const room = this.quota - this.used;
        if (growth > room) {
          const fits = Math.max(0, total - (growth - room));
          if (fits > 0) {
            const all = Buffer.concat(buffers, total);
            await fh.writev([all.subarray(0, fits)], position);
            this.#sizes.set(p, Math.max(size, position + fits));
            return { bytesWritten: fits }; // a short write; the next call reports ENOSPC
          }
          throw fsError('ENOSPC', 'write', p);
        }
        const r = await fh.writev(buffers, position);
        this.#sizes.set(p, Math.max(size, position + r.bytesWritten));
        return r;
      },
      read: (buffer, offset, length, position) => fh.read(buffer, offset, length, position),
      datasync: async () => {
        this.datasyncs++;
        if (this.failSync) throw fsError(this.failSync, 'fdatasync', p);
        await fh.datasync();
      },
      truncate: async (length) => {
        await fh.truncate(length);
        this.#sizes.set(p, length);
      },
      close: () => fh.close(),
    };
  }
}

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the test process exits. */
export async function tempDir(prefix = 'otlp-relay-queue-'): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A copy of a queue directory as it is now: what a process killed at this instant leaves behind. */
export async function snapshot(dir: string): Promise<string> {
  const to = await tempDir('otlp-relay-crash-');
  await fsp.cp(dir, to, { recursive: true });
  return to;
}
