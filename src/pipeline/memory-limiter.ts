/**
 * The memory limiter: the collector's memory_limiter for Node. Every check it estimates the relay's
 * memory as the container sees it (see estimateMemory); past the soft limit (limit − spike) it
 * forces a full GC, and if that leaves it still past, the receivers refuse new data with a retry
 * delay (503 / UNAVAILABLE) until it falls back under. Data already accepted is never dropped.
 * https://github.com/open-telemetry/opentelemetry-collector/tree/main/processor/memorylimiterprocessor
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { MemoryLimiterConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { Stats } from '../telemetry/stats.ts';
import { DEFAULT_CHECK_INTERVAL_MS, DEFAULT_SPIKE_SHARE } from '../config/service.ts';
import { formatSize } from '../config/units.ts';

/** A limit of its own when the container has one and the config sets none: the limiter refuses before the kernel's OOM killer ends the relay with its queues. */
export const CONTAINER_LIMIT_SHARE = 0.8;
/** A forced GC at most this often: each costs a full mark-compact (~5–30 ms for the relay's heap). */
export const MIN_FORCED_GC_INTERVAL_MS = 1000;

export interface MemoryLimiterDeps {
  /** The relay's memory now, in bytes; by default the process's own estimate (ProcessMemory). */
  read?: () => number;
  /** A full GC, synchronous; by default V8's own gc(), exposed for this alone. */
  gc?: () => void;
  now?: () => number;
  log?: Logger;
  stats?: Stats;
}

export interface MemoryReading {
  /** The memory estimate at the check, in bytes. */
  used: number;
  /** True while receivers refuse new data. */
  refusing: boolean;
}

/** What one check decides from a reading: pure, so it is tested by table. */
export function decide(cfg: MemoryLimiterConfig, used: number, msSinceGc: number): 'accept' | 'gc' | 'refuse' {
  const soft = cfg.limit - cfg.spike;
  if (used < soft) return 'accept';
  return msSinceGc >= MIN_FORCED_GC_INTERVAL_MS ? 'gc' : 'refuse';
}

/**
 * The limit to apply: the config's, else 80 % of the container's memory limit when there is one
 * (cgroup `memory.max`, as Node reads it), else none.
 */
export function effectiveLimiter(configured: MemoryLimiterConfig | undefined, enabled: boolean, constrained = process.constrainedMemory(), total = os.totalmem()): MemoryLimiterConfig | undefined {
  if (!enabled) return undefined;
  if (configured) return configured;
  // No cgroup limit reads as 0 or as a huge number (2^64 − 1 on cgroup v2's "max").
  if (!(constrained > 0 && constrained < total)) return undefined;
  const limit = Math.floor(constrained * CONTAINER_LIMIT_SHARE);
  return { limit, spike: Math.floor(limit * DEFAULT_SPIKE_SHARE), checkInterval: DEFAULT_CHECK_INTERVAL_MS, fromContainer: true };
}

export class MemoryLimiter {
  #cfg: MemoryLimiterConfig | undefined;
  readonly #read: () => number;
  readonly #gc: () => void;
  readonly #now: () => number;
  readonly #log: Logger | undefined;
  readonly #stats: Stats | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastGcAt = -Infinity;
  #used = 0;
  #refusing = false;
  #started = false;

  constructor(cfg: MemoryLimiterConfig | undefined, deps: MemoryLimiterDeps = {}) {
    this.#cfg = cfg;
    this.#read = deps.read ?? new ProcessMemory().read;
    this.#gc = deps.gc ?? (() => exposedGc()()); // taken at the first forced GC: a relay without a limit never sets the flag
    this.#now = deps.now ?? (() => performance.now());
    this.#log = deps.log;
    this.#stats = deps.stats;
    this.#stats?.gauge('otlp_relay_memory_used_bytes', {}, () => (this.#timer ? this.#used : this.#read())); // no timer, no checks: read at scrape time
    this.#stats?.gauge('otlp_relay_memory_limit_bytes', {}, () => this.#cfg?.limit ?? 0);
    this.#stats?.gauge('otlp_relay_memory_refusing', {}, () => (this.#refusing ? 1 : 0));
  }

  get config(): MemoryLimiterConfig | undefined {
    return this.#cfg;
  }

  /** Read on every request: a field, never a measurement. */
  get refusing(): boolean {
    return this.#refusing;
  }

  /** Checks once at once (so a limit that leaves no room shows at start), then on the interval. */
  start(): MemoryReading {
    this.#started = true;
    this.#schedule();
    return this.check();
  }

  /** Reload: new settings apply from the next check; none stops the limiter (and its refusing). */
  configure(cfg: MemoryLimiterConfig | undefined): void {
    this.#cfg = cfg;
    this.#unschedule();
    if (this.#started) this.#schedule();
    if (!cfg) this.#set(false);
  }

  shutdown(): void {
    this.#started = false;
    this.#unschedule();
  }

  /** One check (the timer's; tests call it directly). */
  check(): MemoryReading {
    const cfg = this.#cfg;
    if (!cfg) return { used: (this.#used = this.#read()), refusing: false };
    let used = this.#read();
    let action = decide(cfg, used, this.#now() - this.#lastGcAt);
    if (action === 'gc') {
      this.#gc();
      this.#stats?.inc('otlp_relay_memory_forced_gcs_total', {});
      this.#lastGcAt = this.#now();
      used = this.#read();
      action = used < cfg.limit - cfg.spike ? 'accept' : 'refuse';
    }
    this.#used = used;
    this.#set(action === 'refuse');
    return { used, refusing: this.#refusing };
  }

  #schedule(): void {
    if (!this.#cfg) return;
    this.#timer = setInterval(() => this.check(), this.#cfg.checkInterval);
    this.#timer.unref();
  }

  #unschedule(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #set(refusing: boolean): void {
    if (refusing === this.#refusing) return;
    this.#refusing = refusing;
    const cfg = this.#cfg;
    const where = cfg ? `${formatSize(this.#used)} in use, soft limit ${formatSize(cfg.limit - cfg.spike)} (memory_limiter.limit ${formatSize(cfg.limit)} − spike ${formatSize(cfg.spike)})` : 'the limiter is off';
    if (refusing) {
      this.#log?.warn({ used: this.#used }, `memory limit: refusing new data with a retry delay (503 / UNAVAILABLE) until memory falls: ${where}; data already accepted is kept`);
    } else {
      this.#log?.info({ used: this.#used }, `memory limit: accepting data again (${where})`);
    }
  }
}

/**
 * The relay's memory as its container counts it, in a form that falls after a GC: the runtime's
 * own floor (RSS minus what it holds, at its lowest so far: the node binary's pages, compiled code,
 * malloc's books) plus what it holds now. RSS itself cannot be the measure: glibc and V8 keep freed
 * pages mapped, so RSS stays at its high-water mark after a GC and a limiter on it would refuse for
 * ever (docs/PERFORMANCE.md, S4).
 */
export function estimateMemory(floorSoFar: number, rss: number, held: number): { floor: number; used: number } {
  // held: V8's heap in use (live objects and garbage not yet collected) plus Buffers, what a GC can give back.
  const floor = Math.max(0, Math.min(floorSoFar, rss - held));
  return { floor, used: floor + held };
}

export class ProcessMemory {
  #floor = Infinity;
  readonly read = (): number => {
    const m = process.memoryUsage();
    const e = estimateMemory(this.#floor, m.rss, m.heapUsed + m.external);
    this.#floor = e.floor;
    return e.used;
  };
}

let cachedGc: (() => void) | undefined;

/** V8's gc(), taken once without exposing it to any other code: the flag is set only while one new context is made. */
export function exposedGc(): () => void {
  if (cachedGc) return cachedGc;
  v8.setFlagsFromString('--expose-gc');
  let gc: () => void;
  try {
    gc = vm.runInNewContext('gc') as () => void;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  // Twice: the first GC finds dead Buffers, and only the second frees their memory (measured: one GC
  // left 130 MB of dead Buffers counted in `external` 100 ms later, two GCs freed them).
  cachedGc = () => {
    gc();
    gc();
  };
  return cachedGc;
}
