/**
 * Where a process's resident memory is: anonymous against file-backed, and for each mapped ELF file
 * (the `node` binary) the resident pages by section (.text, .rodata, …). `node bench/rss.ts PID`.
 * Linux only: /proc/PID/smaps_rollup, /proc/PID/maps and /proc/PID/pagemap (present bit, bit 63,
 * which an unprivileged owner may read: https://www.kernel.org/doc/html/latest/admin-guide/mm/pagemap.html).
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const PAGE = 4096;

interface Section {
  name: string;
  offset: number;
  size: number;
}

/** ELF64 little-endian section headers: name, file offset and size (https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.sheader.html). */
export function elfSections(file: string): Section[] {
  const fd = openSync(file, 'r');
  try {
    const read = (offset: number, length: number): Buffer => {
      const b = Buffer.alloc(length);
      readSync(fd, b, 0, length, offset);
      return b;
    };
    const h = read(0, 64);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return [];
    const shoff = Number(h.readBigUInt64LE(0x28));
    const shentsize = h.readUInt16LE(0x3a);
    const shnum = h.readUInt16LE(0x3c);
    const shstrndx = h.readUInt16LE(0x3e);
    const table = read(shoff, shentsize * shnum);
    const at = (i: number) => ({
      name: table.readUInt32LE(i * shentsize),
      type: table.readUInt32LE(i * shentsize + 4),
      offset: Number(table.readBigUInt64LE(i * shentsize + 24)),
      size: Number(table.readBigUInt64LE(i * shentsize + 32)),
    });
    const strtab = at(shstrndx);
    const names = read(strtab.offset, strtab.size);
    const out: Section[] = [];
    for (let i = 1; i < shnum; i++) {
      const s = at(i);
      if (s.type === 8 || s.size === 0) continue; // SHT_NOBITS (.bss) has no file bytes
      const end = names.indexOf(0, s.name);
      out.push({ name: names.toString('latin1', s.name, end), offset: s.offset, size: s.size });
    }
    return out.sort((a, b) => a.offset - b.offset);
  } finally {
    closeSync(fd);
  }
}

interface Mapping {
  start: number;
  end: number;
  offset: number;
  path: string;
}

function fileMappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const f = line.split(/\s+/);
    const path = f[5];
    if (!path?.startsWith('/')) continue;
    const [a, b] = f[0]!.split('-');
    out.push({ start: parseInt(a!, 16), end: parseInt(b!, 16), offset: parseInt(f[2]!, 16), path });
  }
  return out;
}

/** File offsets of the resident pages of each mapped file. */
function residentPages(pid: number): Map<string, number[]> {
  const byFile = new Map<string, number[]>();
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    for (const m of fileMappings(pid)) {
      const pages = (m.end - m.start) / PAGE;
      const entries = Buffer.alloc(pages * 8);
      readSync(fd, entries, 0, entries.length, (m.start / PAGE) * 8);
      const list = byFile.get(m.path) ?? [];
      for (let i = 0; i < pages; i++) if (entries.readBigUInt64LE(i * 8) >> 63n === 1n) list.push(m.offset + i * PAGE);
      byFile.set(m.path, list);
    }
  } finally {
    closeSync(fd);
  }
  return byFile;
}

const mb = (pages: number) => `${((pages * PAGE) / 1024 / 1024).toFixed(1).padStart(6)} MB`;

function main(): void {
  const pid = Number(process.argv[2]);
  if (!Number.isInteger(pid) || pid <= 0) {
    process.stderr.write('usage: node bench/rss.ts PID\n');
    process.exit(2);
  }
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  for (const key of ['Rss', 'Pss_Anon', 'Pss_File']) {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup);
    if (m) process.stdout.write(`${key.padEnd(9)} ${(Number(m[1]) / 1024).toFixed(1).padStart(6)} MB\n`);
  }
  const files = [...residentPages(pid)].filter(([, p]) => p.length > 0).sort((a, b) => b[1].length - a[1].length);
  for (const [file, pages] of files) {
    process.stdout.write(`\n${mb(pages.length)}  ${file}\n`);
    const sections = elfSections(file);
    if (sections.length === 0) continue;
    const count = new Map<string, number>();
    for (const off of pages) {
      const s = sections.find((x) => off >= x.offset - (x.offset % PAGE) && off < x.offset + x.size);
      count.set(s?.name ?? '(headers)', (count.get(s?.name ?? '(headers)') ?? 0) + 1);
    }
    for (const [name, n] of [...count].sort((a, b) => b[1] - a[1])) if (n * PAGE >= 64 * 1024) process.stdout.write(`  ${mb(n)}  ${name}\n`);
  }
}

if (import.meta.main) main();
