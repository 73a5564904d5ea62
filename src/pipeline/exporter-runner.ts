import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';
import { OnceLogger, scrub } from '../log.ts';
import type { Signal } from '../otlp/signal.ts';
import { ITEM_NAME } from '../otlp/signal.ts';
import { scanRequest } from '../otlp/wire.ts';
import type { Stats } from '../telemetry/stats.ts';
import { nextDelay, type RetrySettings } from './backoff.ts';
import { DiskQueue, isDiskBatch, type FsyncPolicy, type RecoveryReport, type Staged } from './disk/disk-queue.ts';
import type { DiskFs } from './disk/fs.ts';
import type { Outcome } from './outcome.ts';
import { ByteQueue, type Batch, type BatchSettings } from './queue.ts';
import { heldBytes, type BatchParts, type ExportClient, type Payload } from './types.ts';

export interface QueueSettings {
  maxBytes: number;
  consumers: number;
  /** When full: absent or block refuses new data with a retry delay; drop_oldest drops the oldest queued data (counted). */
  overflow?: 'block' | 'drop_oldest';
  /** Absent: the queue is in memory. */
  disk?: { dir: string; fsync: FsyncPolicy; fsyncIntervalMs: number };
}

export interface RunnerSettings {
  name: string;
  type: string;
  queue: QueueSettings;
  batch: BatchSettings;
  retry: RetrySettings;
  timeoutMs: number;
}

/** Test seams of the disk queue. */
export interface RunnerOptions {
  /** The file operations (fault injection: ENOSPC, EIO). */
  fs?: DiskFs;
  segmentBytes?: number;
  hotBytes?: number;
}

export type DropReason = 'shutdown' | 'retry_exhausted' | 'drop_oldest' | 'disk_error' | 'corrupt';

/** What the runner needs of its queue; the memory ByteQueue and the DiskQueue both provide it. */
interface RunnerQueue {
  readonly maxBytes: number;
  readonly usedBytes: number;
  hasFullBatch(): boolean;
  nextDeadline(): number | undefined;
  take(now: number, flush: boolean): Batch | undefined;
}

/** An exporter's own directory inside `queue.dir` (names may hold "/" and ":"). */
export function queueDirOf(dir: string, exporter: string): string {
  return path.resolve(dir, encodeURIComponent(exporter));
}

const DURABLE: Promise<void> = Promise.resolve();
/** How long a consumer waits after a batch could not be read from disk (an I/O error, not a checksum). */
const READ_RETRY_MS = 1000;
/**
 * Extra sends one batch may spend isolating content the destination refused: bisecting finds one bad
 * request among 65,536 within it, while a refusal that is about the whole batch costs at most this many more.
 */
export const CONTENT_ISOLATION_SENDS = 32;

/** What is left of a top-level batch's CONTENT_ISOLATION_SENDS, shared by all its pieces. */
interface SplitBudget {
  left: number;
}

export type ExporterState = 'ok' | 'retrying' | 'refusing' | 'failing';

/** What the status page and `check` show about one exporter. */
export interface ExporterStatus {
  name: string;
  type: string;
  state: ExporterState;
  lastError?: { text: string; at: string };
  queueBytes: number;
  queueCapacity: number;
}

/**
 * Runs one exporter: its bounded queue (in memory, or a write-ahead log on disk), batching, consumers,
 * timeouts and retries, composed once here so each exporter's client only classifies its own errors
 * (principle 3).
 */
export class ExporterRunner {
  readonly name: string;
  readonly type: string;
  readonly #client: ExportClient;
  readonly #s: RunnerSettings;
  readonly #mem: ByteQueue | undefined;
  readonly #disk: DiskQueue | undefined;
  readonly #queue: RunnerQueue;
  readonly #log: Logger;
  readonly #once: OnceLogger;
  readonly #stats: Stats;
  readonly #workers: Promise<void>[] = [];
  readonly #halt = new AbortController(); // aborts in-flight sends and retry waits at the drain deadline
  readonly #handover = new AbortController(); // a reload replaces this runner: stop retrying, give batches back
  readonly #stopping = new AbortController(); // disk: a shutdown stops retry waits at once (the data stays on disk)
  readonly #ready: Promise<void>;
  #settleReady: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #leftover: Batch[] = [];
  #wake: (() => void) | undefined;
  #wakeTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  #started = false;
  #stopDraining = false; // disk: a send failed during shutdown, so the rest stays on disk untried
  #retrying = 0;
  #lastError: { text: string; at: string } | undefined;
  #lastOutcome: Outcome['kind'] = 'success';
  #refusedBytes = 0;

  constructor(settings: RunnerSettings, client: ExportClient, log: Logger, stats: Stats, opts: RunnerOptions = {}) {
    this.name = settings.name;
    this.type = settings.type;
    this.#s = settings;
    this.#client = client;
    this.#log = log.child({ exporter: settings.name });
    this.#once = new OnceLogger(this.#log);
    this.#stats = stats;
    const disk = settings.queue.disk;
    if (disk) {
      this.#disk = new DiskQueue(
        {
          dir: queueDirOf(disk.dir, settings.name),
          maxBytes: settings.queue.maxBytes,
          fsync: disk.fsync,
          fsyncIntervalMs: disk.fsyncIntervalMs,
          batch: settings.batch,
          ...(opts.segmentBytes === undefined ? {} : { segmentBytes: opts.segmentBytes }),
          ...(opts.hotBytes === undefined ? {} : { hotBytes: opts.hotBytes }),
          ...(opts.fs === undefined ? {} : { fs: opts.fs }),
        },
        this.#log,
        stats,
        { exporter: settings.name },
      );
      this.#disk.onReady = () => this.#onQueued();
      this.#queue = this.#disk;
      this.#ready = new Promise<void>((resolve, reject) => (this.#settleReady = { resolve, reject }));
      this.#ready.catch(() => undefined); // the failure is logged where it happens; start-up awaits ready() itself
    } else {
      this.#mem = new ByteQueue(settings.queue.maxBytes, settings.batch);
      this.#queue = this.#mem;
      this.#ready = Promise.resolve();
    }
    this.exposeGauges();
  }

  /** Points the queue gauges at this runner (again, after a refused reload built a replacement). */
  exposeGauges(): void {
    this.#stats.gauge('otlp_relay_exporter_queue_bytes', { exporter: this.name }, () => this.#queue.usedBytes);
    this.#stats.gauge('otlp_relay_exporter_queue_capacity_bytes', { exporter: this.name }, () => this.#queue.maxBytes);
  }

  /** Whether payloads should keep their sender's gzip (Payload.gzip): a memory queue whose client sends it on unchanged. */
  get reusesGzip(): boolean {
    return this.#disk === undefined && this.#client.reusesGzip === true;
  }

  /** Whether this runner's queue is on disk: the receiver then answers only once the data is durable. */
  get durable(): boolean {
    return this.#disk !== undefined;
  }

  /** Why the disk queue cannot take data now (ENOSPC, EIO, could not open), else undefined: the receiver answers 503. */
  get diskProblem(): string | undefined {
    return this.#disk?.problem;
  }

  /** Resolves once the queue can be used (a disk queue has recovered its directory); rejects if it cannot open. */
  ready(): Promise<void> {
    return this.#ready;
  }

  hasRoom(bytes: number): boolean {
    const room = !this.#closing && this.#room(bytes);
    this.#refusedBytes = room ? 0 : bytes; // status() says `refusing` while a request this size would still be refused
    return room;
  }

  #room(bytes: number): boolean {
    const dropOldest = this.#s.queue.overflow === 'drop_oldest';
    if (this.#disk) return this.#disk.hasRoom(bytes, dropOldest);
    const q = this.#mem!;
    return q.hasRoom(bytes) || (dropOldest && q.usedBytes - q.queuedBytes + bytes <= q.maxBytes);
  }

  /** overflow: drop_oldest: drops the oldest queued data (never data in flight) until `bytes` fit, counted. */
  #makeRoom(bytes: number): void {
    if (this.#s.queue.overflow !== 'drop_oldest') return;
    const dropped: Array<{ signal: Signal; items: number }> = [];
    if (this.#disk) dropped.push(...this.#disk.makeRoom(bytes));
    else {
      for (let p: Payload | undefined; !this.#mem!.hasRoom(bytes) && (p = this.#mem!.dropOldest()) !== undefined; ) dropped.push(p);
    }
    for (const d of dropped) this.#dropItems(d.signal, d.items, 'drop_oldest', 'the queue was full and overflow is drop_oldest', true);
  }

  /** Queues a payload; the caller has checked `hasRoom` for every target first. A disk queue writes it in the background. */
  enqueue(p: Payload): void {
    if (this.#disk) {
      const s = this.stage(p);
      s.commit();
      s.durable.catch((err: unknown) => this.#dropItems(p.signal, p.items, 'disk_error', `the disk queue could not write it: ${(err as Error).message}`));
      return;
    }
    const q = p.gzip && !this.reusesGzip ? withoutGzip(p) : p;
    this.#makeRoom(heldBytes(q));
    this.#mem!.push(q, Date.now());
    this.#stats.inc('otlp_relay_exporter_enqueued_items_total', { exporter: this.name, signal: p.signal }, p.items);
    this.#onQueued();
  }

  /**
   * Two-phase enqueue for the receivers: a disk queue starts writing at once; `durable` settles when the
   * record is on disk (synced per policy); `commit` makes it deliverable, `abort` forgets it (another
   * target refused the request). A memory queue is durable at once and queues on commit.
   */
  stage(p: Payload): Staged {
    if (!this.#disk) return { durable: DURABLE, commit: () => this.enqueue(p), abort: () => DURABLE };
    this.#makeRoom(p.bytes.byteLength);
    const s = this.#disk.stage(p.gzip ? withoutGzip(p) : p);
    return {
      durable: s.durable,
      commit: () => {
        s.commit();
        this.#stats.inc('otlp_relay_exporter_enqueued_items_total', { exporter: this.name, signal: p.signal }, p.items);
      },
      abort: () => s.abort(),
    };
  }

  #onQueued(): void {
    if (this.#queue.hasFullBatch() || this.#closing) this.#notify();
    else this.#armTimer();
  }

  get usedBytes(): number {
    return this.#queue.usedBytes;
  }

  /**
   * Reload: stops this runner and moves what it has not delivered to `successor` (or, without one,
   * returns it), to be sent with the new settings (a fixed key or endpoint must not be bypassed by
   * draining with the old one). Sends in flight finish (or are aborted at `deadlineMs`) and are handed
   * over unless they succeeded or were refused for good; nothing is dropped. A disk queue whose
   * successor uses the same directory (or that has no successor) just closes: whoever opens the
   * directory next replays it.
   */
  async handOver(deadlineMs: number, successor?: ExporterRunner): Promise<Payload[]> {
    if (this.#closing) return [];
    this.#closing = true;
    this.#handover.abort();
    this.#notify();
    const timer = setTimeout(() => this.#halt.abort(), Math.max(0, deadlineMs));
    try {
      await Promise.all(this.#workers);
    } finally {
      clearTimeout(timer);
      if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    }
    if (this.#disk) {
      const disk = this.#disk;
      this.#closed = (async () => {
        if (this.#started) await this.#ready.catch(() => undefined);
        if (successor && successor.#disk?.dir !== disk.dir) {
          await successor.takeOver(await disk.undelivered());
          await disk.destroy();
        } else {
          await disk.close();
        }
      })();
      await this.#closed;
      await this.#client.close?.();
      return [];
    }
    const batches = [...this.#leftover, ...this.#mem!.drain()];
    this.#leftover = [];
    await this.#client.close?.();
    const payloads = batches.map((b) => ({ signal: b.signal, bytes: b.parts.length === 1 ? b.parts[0]! : Buffer.concat(b.parts, b.bytes), items: b.items }));
    if (!successor) return payloads;
    await successor.takeOver(payloads);
    return [];
  }

  /** Reload: queues the payloads of the runner this one replaces, whatever the room (they were accepted). */
  adopt(payloads: readonly Payload[]): void {
    if (payloads.length === 0) return;
    if (this.#disk) {
      void this.takeOver(payloads);
      return;
    }
    for (const p of payloads) this.#mem!.push(p, Date.now());
    if (this.#mem!.hasFullBatch()) this.#notify();
    else this.#armTimer();
  }

  /** adopt(), resolving once a disk queue has written everything (the old runner deletes its copy only then). */
  async takeOver(payloads: readonly Payload[]): Promise<void> {
    if (!this.#disk) {
      this.adopt(payloads);
      return;
    }
    const staged = payloads.map((p) => {
      const s = this.#disk!.stage(p);
      s.commit();
      return s;
    });
    const results = await Promise.allSettled(staged.map((s) => s.durable));
    results.forEach((r, i) => {
      const p = payloads[i]!;
      if (r.status === 'rejected') this.#dropItems(p.signal, p.items, 'disk_error', `the disk queue could not write it: ${(r.reason as Error).message}`);
    });
  }

  status(): ExporterStatus {
    let state: ExporterState = 'ok';
    if (this.#retrying > 0) state = 'retrying';
    else if (this.#lastOutcome === 'permanent') state = 'failing';
    const full = this.#queue.usedBytes >= this.#queue.maxBytes && this.#s.queue.overflow !== 'drop_oldest';
    if (full || (this.#refusedBytes > 0 && !this.#room(this.#refusedBytes)) || this.diskProblem !== undefined) state = 'refusing';
    const out: ExporterStatus = { name: this.name, type: this.type, state, queueBytes: this.#queue.usedBytes, queueCapacity: this.#queue.maxBytes };
    if (this.#lastError) out.lastError = this.#lastError;
    else if (this.diskProblem !== undefined) out.lastError = { text: this.diskProblem, at: new Date().toISOString() };
    return out;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#disk) {
      this.#disk.open().then(
        (report) => {
          this.#reportRecovery(report);
          this.#settleReady?.resolve();
          this.#onQueued();
        },
        (err: unknown) => {
          this.#lastError = { text: scrub(`the disk queue could not open: ${(err as Error).message}`), at: new Date().toISOString() };
          this.#log.error({ err, dir: this.#disk?.dir }, `${this.name}: the disk queue in ${this.#disk?.dir} could not open: ${(err as Error).message}; this exporter refuses data (503) until the relay restarts`);
          this.#settleReady?.reject(err as Error);
        },
      );
    }
    for (let i = 0; i < Math.max(1, this.#s.queue.consumers); i++) this.#workers.push(this.#work());
  }

  #reportRecovery(r: RecoveryReport): void {
    const dir = this.#disk!.dir;
    if (r.records > 0) {
      const what = (['traces', 'logs', 'metrics'] as const).filter((s) => r.items[s] > 0).map((s) => `${r.items[s]} ${ITEM_NAME[s]}`).join(', ');
      this.#log.info({ dir, records: r.records, bytes: r.bytes, segments: r.segments }, `${this.name}: replaying ${what} not delivered before the last stop, from ${dir}`);
    }
    if (r.damage.length > 0 || r.damagedAcks > 0 || r.duplicates > 0) {
      const bytes = r.damage.reduce((s, d) => s + d.bytes, 0);
      const torn = r.damage.filter((d) => d.kind === 'torn_tail').length;
      this.#log.warn(
        { dir, damage: r.damage, damagedAcks: r.damagedAcks, duplicates: r.duplicates },
        `${this.name}: the disk queue in ${dir} had ${r.damage.length} damaged stretch(es) (${torn} torn at a file's end, ${bytes} bytes in all) and ${r.damagedAcks} damaged ack(s); they were skipped and every intact record was recovered (counted in otlp_relay_disk_queue_damaged_total)`,
      );
    }
  }

  /**
   * Stops taking data and delivers what is queued within `deadlineMs`. A memory queue then drops (and
   * counts) the rest; a disk queue keeps it for the next start and stops at the first failed send
   * (waiting out retries would only delay the exit).
   */
  async shutdown(deadlineMs: number): Promise<void> {
    if (this.#closing) {
      await Promise.all(this.#workers);
      await this.#closed;
      return;
    }
    this.#closing = true;
    if (this.#disk) this.#stopping.abort();
    this.#notify();
    const timer = setTimeout(() => this.#halt.abort(), Math.max(0, deadlineMs));
    try {
      await Promise.all(this.#workers);
    } finally {
      clearTimeout(timer);
      if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    }
    if (this.#disk) {
      const disk = this.#disk;
      this.#closed = (async () => {
        if (this.#started) await this.#ready.catch(() => undefined);
        const kept = disk.undeliveredItems;
        if (kept > 0) this.#log.info({ dir: disk.dir, items: kept }, `${this.name}: ${kept} items not delivered yet stay in ${disk.dir}; they are sent after the next start`);
        await disk.close();
      })();
      await this.#closed;
    } else {
      for (const b of this.#mem!.drain()) this.#drop(b, 'shutdown', 'the shutdown deadline passed before it could be delivered');
    }
    await this.#client.close?.();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #armTimer(): void {
    if (this.#wakeTimer) return;
    const deadline = this.#queue.nextDeadline();
    if (deadline === undefined) return;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#notify();
      this.#armTimer();
    }, Math.max(0, deadline - Date.now()));
  }

  async #work(): Promise<void> {
    if (this.#disk) await this.#ready.catch(() => undefined);
    for (;;) {
      if (this.#halt.signal.aborted || this.#handover.signal.aborted || this.#stopDraining) return;
      const batch = this.#queue.take(Date.now(), this.#closing);
      if (batch) {
        await this.#deliver(batch);
        continue;
      }
      if (this.#closing) return;
      this.#armTimer();
      await new Promise<void>((resolve) => {
        const prev = this.#wake;
        this.#wake = () => {
          prev?.();
          resolve();
        };
      });
    }
  }

  async #deliver(taken: Batch): Promise<void> {
    let batch = taken;
    let kept = false;
    try {
      if (this.#disk && isDiskBatch(taken)) {
        let loaded;
        try {
          loaded = await this.#disk.load(taken);
        } catch (err) {
          // An I/O error, not a checksum: the records go back to the queue and are tried again.
          this.#disk.putBack(taken);
          this.#once.warn(`read:${describeError(err)}`, { err }, `${this.name}: a batch could not be read from the disk queue (${describeError(err)}); trying again`);
          await sleep(READ_RETRY_MS, undefined, { signal: AbortSignal.any([this.#halt.signal, this.#handover.signal, this.#stopping.signal]) }).catch(() => undefined);
          return;
        }
        for (const c of loaded.corrupt) this.#dropItems(c.signal, c.items, 'corrupt', 'its record on disk no longer matches its checksum');
        batch = loaded.batch;
        if (batch.parts.length === 0) return;
      }
      const labels = { exporter: this.name, signal: batch.signal };
      this.#stats.observe('otlp_relay_exporter_batch_items', labels, batch.items);
      this.#stats.observe('otlp_relay_exporter_batch_bytes', labels, batch.bytes);
      kept = (await this.#send(batch, Date.now())) === 'kept';
    } finally {
      if (this.#disk) this.#disk.finish(taken, kept);
      else this.#mem!.release(taken.held ?? taken.bytes);
      this.#notify(); // room freed, or a worker may wait on a batch that is now due
    }
  }

  /**
   * Sends one batch until it is done (delivered, refused for good, split, dropped) or kept (hand-over, disk
   * shutdown). `isolation`: absent for a batch as taken from the queue; shared by the pieces it was split into.
   */
  async #send(batch: Batch, started: number, isolation?: SplitBudget): Promise<'done' | 'kept'> {
    const labels = { exporter: this.name, signal: batch.signal };
    const parts = batch.gzip && this.#client.reusesGzip ? { parts: batch.parts, gzip: batch.gzip } : undefined;
    // Every part still has its sender's gzip: the client sends those, so copying megabytes into one buffer is waste.
    const bytes = parts?.gzip.every((g) => g !== undefined) ? NOT_JOINED : batch.parts.length === 1 ? batch.parts[0]! : Buffer.concat(batch.parts, batch.bytes);
    let retryingCounted = false;
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0 && this.#handover.signal.aborted) return this.#keep(batch);
        if (attempt > 0 && this.#disk && this.#closing) {
          this.#stopDraining = true;
          return 'kept';
        }
        if (this.#halt.signal.aborted) {
          if (this.#disk) return 'kept';
          this.#drop(batch, 'shutdown', 'the shutdown deadline passed before it could be delivered');
          return 'done';
        }
        const sentAt = performance.now();
        const outcome = await this.#attempt(batch.signal, bytes, batch.items, parts);
        this.#stats.observe('otlp_relay_exporter_send_duration_seconds', { ...labels, outcome: outcome.kind }, (performance.now() - sentAt) / 1000);
        this.#lastOutcome = outcome.kind;
        this.#stats.inc('otlp_relay_exporter_requests_total', { ...labels, outcome: outcome.kind });
        if (outcome.kind === 'success') {
          const rejected = Math.min(outcome.rejected ?? 0, batch.items);
          this.#stats.inc('otlp_relay_exporter_sent_items_total', labels, batch.items - rejected);
          if (rejected > 0) {
            const reason = outcome.reason ?? 'no reason given';
            this.#stats.inc('otlp_relay_exporter_failed_items_total', { ...labels, reason: 'partial' }, rejected);
            this.#lastError = { text: scrub(`${rejected} ${ITEM_NAME[batch.signal]} refused: ${reason}`), at: new Date().toISOString() };
            this.#once.warn(`partial:${reason}`, { signal: batch.signal, rejected }, `${this.name} accepted the batch but refused ${rejected} ${ITEM_NAME[batch.signal]}: ${reason} (said once per reason)`);
          }
          this.#stats.inc('otlp_relay_exporter_batches_total', labels);
          // A piece delivered next to a refused one is no recovery: the refusal stays said once.
          if (this.#lastError && isolation === undefined) {
            this.#once.reset(`permanent:${this.#lastError.text}`);
            this.#once.reset(`isolation-spent:${this.#lastError.text}`);
          }
          return 'done';
        }
        this.#lastError = { text: scrub(outcome.reason), at: new Date().toISOString() };
        if (outcome.kind === 'permanent') {
          const left = isolation?.left ?? CONTENT_ISOLATION_SENDS;
          const spent = outcome.split === 'content' && left < 2; // a split costs two sends
          const pieces = outcome.split === 'size' || (outcome.split === 'content' && !spent) ? splitBatch(batch) : undefined;
          if (pieces) {
            // 413: send the halves (each may split again) rather than refuse everything for the size of the whole.
            // Content: bisect so only the part the destination cannot take is refused, the rest delivered.
            const shared = isolation ?? { left: CONTENT_ISOLATION_SENDS };
            if (outcome.split === 'content') shared.left -= pieces.length;
            this.#stats.inc('otlp_relay_exporter_splits_total', labels);
            let kept = false;
            for (const piece of pieces) if ((await this.#send(piece, started, shared)) === 'kept') kept = true;
            return kept ? 'kept' : 'done';
          }
          this.#stats.inc('otlp_relay_exporter_failed_items_total', { ...labels, reason: 'permanent' }, outcome.rejected ?? batch.items);
          this.#once.warn(
            `${spent ? 'isolation-spent' : 'permanent'}:${outcome.reason}`, // giving up on isolating is news even when the reason was said
            { signal: batch.signal, items: batch.items },
            `${this.name} refused ${batch.items} ${ITEM_NAME[batch.signal]}: ${outcome.reason} (${refusalNote(outcome.split, isolation !== undefined, spent)}not retried; said once per reason)`,
          );
          return 'done';
        }
        if (this.#handover.signal.aborted) return this.#keep(batch); // the replacement retries it with the new settings
        if (this.#disk && this.#closing) {
          this.#stopDraining = true; // the destination fails: what is left stays on disk for the next start
          return 'kept';
        }
        const delay = nextDelay(attempt, this.#s.retry, outcome.afterMs);
        const elapsed = Date.now() - started;
        const budget = this.#s.retry.maxElapsedMs;
        if (!this.#s.retry.enabled || (budget > 0 && elapsed + delay > budget)) {
          this.#drop(batch, 'retry_exhausted', `still failing after ${Math.round(elapsed / 1000)}s: ${outcome.reason}`);
          return 'done';
        }
        if (!retryingCounted) {
          retryingCounted = true;
          this.#retrying++;
        }
        this.#stats.inc('otlp_relay_exporter_retries_total', labels);
        this.#once.warn(`retry:${outcome.reason}`, { signal: batch.signal, delayMs: delay }, `${this.name}: ${outcome.reason}; retrying with backoff`);
        try {
          await sleep(delay, undefined, { signal: AbortSignal.any([this.#halt.signal, this.#handover.signal, this.#stopping.signal]) });
        } catch {
          // aborted by the drain deadline (the loop drops and counts the batch, or keeps it on disk) or a handover (it gives the batch back)
        }
      }
    } finally {
      if (retryingCounted) this.#retrying--;
    }
  }

  /** A batch the runner stops working on without finishing it: a memory queue hands it over; a disk queue keeps it on disk. */
  #keep(batch: Batch): 'kept' {
    if (!this.#disk) this.#leftover.push(batch);
    return 'kept';
  }

  async #attempt(signal: Signal, bytes: Uint8Array, items: number, parts: BatchParts | undefined): Promise<Outcome> {
    const timeout = AbortSignal.timeout(this.#s.timeoutMs);
    const signalAll = AbortSignal.any([timeout, this.#halt.signal]);
    try {
      return await this.#client.send(signal, bytes, items, signalAll, parts);
    } catch (err) {
      if (timeout.aborted) return { kind: 'retryable', reason: `no answer within ${this.#s.timeoutMs} ms` };
      if (this.#halt.signal.aborted) return { kind: 'retryable', reason: 'aborted at the shutdown deadline' };
      return { kind: 'retryable', reason: describeError(err) };
    }
  }

  #drop(batch: Batch, reason: DropReason, text: string): void {
    this.#dropItems(batch.signal, batch.items, reason, text);
  }

  /** `quiet`: said once per reason rather than per batch (drop_oldest drops many small entries at a time). */
  #dropItems(signal: Signal, items: number, reason: DropReason, text: string, quiet = false): void {
    this.#stats.inc('otlp_relay_exporter_dropped_items_total', { exporter: this.name, signal, reason }, items);
    this.#lastError = { text: scrub(text), at: new Date().toISOString() };
    if (quiet) this.#once.warn(`drop:${reason}`, { signal, reason }, `${this.name} dropped ${ITEM_NAME[signal]}: ${text} (counted in otlp_relay_exporter_dropped_items_total{reason="${reason}"}; said once)`);
    else this.#log.warn({ signal, items, reason }, `${this.name} dropped ${items} ${ITEM_NAME[signal]}: ${text}`);
  }
}

/** What the refusal warning adds about the rest of the batch: `piece`, it came from a split; `spent`, the isolation budget ran out. */
function refusalNote(split: 'size' | 'content' | undefined, piece: boolean, spent: boolean): string {
  if (spent) return `isolating the refused part stopped after ${CONTENT_ISOLATION_SENDS} extra sends, so these may include items it would take; `;
  if (split === 'content' && piece) return 'the rest of the batch was re-sent without them; ';
  return '';
}

/** The `bytes` a client gets when `parts` carries the whole batch as its senders' gzip (ExportClient.send). */
const NOT_JOINED = new Uint8Array(0);

function withoutGzip(p: Payload): Payload {
  return { signal: p.signal, bytes: p.bytes, items: p.items };
}

/**
 * Splits a refused batch: by payloads when it holds several (keeping their senders' gzip), else by resource
 * entries (any subset of a request's top-level entries is a valid request). Undefined when it is one entry.
 */
export function splitBatch(b: Batch): Batch[] | undefined {
  const piece = (parts: Uint8Array[], gzip?: Array<Uint8Array | undefined>): Batch => ({
    signal: b.signal,
    parts,
    bytes: parts.reduce((s, p) => s + p.byteLength, 0),
    items: parts.reduce((s, p) => s + itemsIn(b.signal, p), 0),
    ...(gzip?.some((g) => g !== undefined) ? { gzip } : {}),
  });
  if (b.parts.length > 1) {
    const mid = Math.ceil(b.parts.length / 2);
    return [piece(b.parts.slice(0, mid), b.gzip?.slice(0, mid)), piece(b.parts.slice(mid), b.gzip?.slice(mid))];
  }
  const only = b.parts[0];
  if (only === undefined) return undefined;
  let resources;
  try {
    resources = scanRequest(b.signal, only).resources;
  } catch {
    return undefined;
  }
  if (resources.length < 2) return undefined;
  const mid = Math.ceil(resources.length / 2);
  const join = (rs: typeof resources) => Buffer.concat(rs.map((r) => only.subarray(r.start, r.end)));
  return [piece([join(resources.slice(0, mid))]), piece([join(resources.slice(mid))])];
}

function itemsIn(signal: Signal, bytes: Uint8Array): number {
  try {
    return scanRequest(signal, bytes).items;
  } catch {
    return 0;
  }
}

/** A network error's useful words: undici hides the cause (ECONNREFUSED …) one level down. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const code = (err as Error & { code?: string }).code;
    const inner = cause instanceof Error ? `: ${cause.message}` : '';
    return `${code ? `${code} ` : ''}${err.message}${inner}`;
  }
  return String(err);
}
