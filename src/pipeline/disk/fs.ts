/**
 * The few file operations the disk queue uses, behind an interface so tests can inject faults
 * (ENOSPC, EIO, short writes) where a real size-limited mount is not available.
 */
import fsp from 'node:fs/promises';

export interface DiskFile {
  /** Writes every buffer at `position`; may write fewer bytes than asked (the caller checks). */
  writev(buffers: Uint8Array[], position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface DiskFs {
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** `flags` as node:fs: "r", "r+", "w", "wx" (fails with EEXIST), "a+". */
  open(path: string, flags: string): Promise<DiskFile>;
  writeFile(path: string, data: Uint8Array | string, flags?: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Makes a directory's entries (files created, renamed, removed) durable. */
  syncDir(path: string): Promise<void>;
}

export const nodeFs: DiskFs = {
  async mkdir(path) {
    await fsp.mkdir(path, { recursive: true });
  },
  readdir: (path) => fsp.readdir(path),
  readFile: (path) => fsp.readFile(path),
  open: (path, flags) => fsp.open(path, flags),
  writeFile: (path, data, flags = 'w') => fsp.writeFile(path, data, { flag: flags }),
  unlink: (path) => fsp.unlink(path),
  rename: (from, to) => fsp.rename(from, to),
  async syncDir(path) {
    const fh = await fsp.open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

/** An error shaped like node's own (`code`, `syscall`), for injected faults. */
export function fsError(code: string, syscall: string, path = ''): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EIO: 'i/o error', EACCES: 'permission denied' };
  return Object.assign(new Error(`${code}: ${messages[code] ?? 'error'}, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, path });
}
