/** Reading another process's CPU time and memory from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticks: number | undefined;

/** Clock ticks per second (USER_HZ), for /proc/<pid>/stat. */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

function statCpu(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: split after its closing parenthesis.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(rest[11]) + Number(rest[12])) / clockTicks();
}

/** User + system CPU seconds of a process (all its threads: zlib and libuv pool work included). */
export function cpuSeconds(pid: number): number {
  return statCpu(`/proc/${pid}/stat`);
}

/** CPU seconds by thread kind: the main thread (JavaScript, I/O callbacks), the libuv pool (zlib), V8's workers (GC, compiler). */
export interface CpuSplit {
  total: number;
  main: number;
  pool: number;
  v8: number;
}

export function cpuSplit(pid: number): CpuSplit {
  const out: CpuSplit = { total: cpuSeconds(pid), main: 0, pool: 0, v8: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let cpu: number;
      let name: string;
      try {
        cpu = statCpu(`/proc/${pid}/task/${tid}/stat`);
        name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        continue; // the thread ended
      }
      if (tid === String(pid)) out.main += cpu;
      else if (name.startsWith('libuv')) out.pool += cpu;
      else if (name.startsWith('V8')) out.v8 += cpu;
    }
  } catch {
    out.main = out.total; // no per-thread stats
  }
  return out;
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size (VmHWM), bytes. */
  peak: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Tracks the largest RSS seen by sampling, for a peak over a window (VmHWM covers the whole life). */
export class RssSampler {
  readonly #pid: number;
  #timer: NodeJS.Timeout | undefined;
  max = 0;

  constructor(pid: number, everyMs = 100) {
    this.#pid = pid;
    this.#timer = setInterval(() => this.sample(), everyMs);
    this.#timer.unref();
  }

  sample(): void {
    try {
      this.max = Math.max(this.max, memory(this.#pid).rss);
    } catch {
      // the process has exited
    }
  }

  stop(): number {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    return this.max;
  }
}

export function machine(): { cpus: number; model: string; memoryBytes: number } {
  let model = 'unknown';
  let cpus = 0;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? model;
    cpus = info.split('\n').filter((l) => l.startsWith('processor')).length;
  } catch {
    // not Linux
  }
  let memoryBytes = 0;
  try {
    const m = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    memoryBytes = m ? Number(m[1]) * 1024 : 0;
  } catch {
    // not Linux
  }
  return { cpus, model, memoryBytes };
}
