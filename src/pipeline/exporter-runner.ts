import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';
import { OnceLogger, scrub } from '../log.ts';
import type { Signal } from '../otlp/signal.ts';
import { ITEM_NAME } from '../otlp/signal.ts';
import type { Stats } from '../telemetry/stats.ts';
import { nextDelay, type RetrySettings } from './backoff.ts';
import type { Outcome } from './outcome.ts';
import { ByteQueue, type Batch, type BatchSettings } from './queue.ts';
import type { ExportClient, Payload } from './types.ts';

export interface RunnerSettings {
  name: string;
  type: string;
  queue: { maxBytes: number; consumers: number };
  batch: BatchSettings;
  retry: RetrySettings;
  timeoutMs: number;
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
 * Runs one exporter: its bounded queue, batching, consumers, timeouts and retries, composed once here
 * so each exporter's client only classifies its own errors (principle 3).
 */
export class ExporterRunner {
  readonly name: string;
  readonly type: string;
  readonly #client: ExportClient;
  readonly #s: RunnerSettings;
  readonly #queue: ByteQueue;
  readonly #log: Logger;
  readonly #once: OnceLogger;
  readonly #stats: Stats;
  readonly #workers: Promise<void>[] = [];
  readonly #halt = new AbortController(); // aborts in-flight sends and retry waits at the drain deadline
  readonly #handover = new AbortController(); // a reload replaces this runner: stop retrying, give batches back
  #leftover: Batch[] = [];
  #wake: (() => void) | undefined;
  #wakeTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #started = false;
  #retrying = 0;
  #lastError: { text: string; at: string } | undefined;
  #lastOutcome: Outcome['kind'] = 'success';
  #refusedBytes = 0;

  constructor(settings: RunnerSettings, client: ExportClient, log: Logger, stats: Stats) {
    this.name = settings.name;
    this.type = settings.type;
    this.#s = settings;
    this.#client = client;
    this.#queue = new ByteQueue(settings.queue.maxBytes, settings.batch);
    this.#log = log.child({ exporter: settings.name });
    this.#once = new OnceLogger(this.#log);
    this.#stats = stats;
    this.exposeGauges();
  }

  /** Points the queue gauges at this runner (again, after a refused reload built a replacement). */
  exposeGauges(): void {
    this.#stats.gauge('otlp_relay_exporter_queue_bytes', { exporter: this.name }, () => this.#queue.usedBytes);
    this.#stats.gauge('otlp_relay_exporter_queue_capacity_bytes', { exporter: this.name }, () => this.#queue.maxBytes);
  }

  hasRoom(bytes: number): boolean {
    const room = !this.#closing && this.#queue.hasRoom(bytes);
    this.#refusedBytes = room ? 0 : bytes; // status() says `refusing` while a request this size would still be refused
    return room;
  }

  /** Queues a payload; the caller has checked `hasRoom` for every target first. */
  enqueue(p: Payload): void {
    this.#queue.push(p, Date.now());
    this.#stats.inc('otlp_relay_exporter_enqueued_items_total', { exporter: this.name, signal: p.signal }, p.items);
    if (this.#queue.hasFullBatch() || this.#closing) this.#notify();
    else this.#armTimer();
  }

  get usedBytes(): number {
    return this.#queue.usedBytes;
  }

  /**
   * Reload: stops this runner and returns what it has not delivered, for its replacement to send with
   * the new settings (a fixed key or endpoint must not be bypassed by draining with the old one).
   * Sends in flight finish (or are aborted at `deadlineMs`) and are given back unless they succeeded
   * or were refused for good; nothing is dropped.
   */
  async handOver(deadlineMs: number): Promise<Payload[]> {
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
    const batches = [...this.#leftover, ...this.#queue.drain()];
    this.#leftover = [];
    await this.#client.close?.();
    return batches.map((b) => ({ signal: b.signal, bytes: b.parts.length === 1 ? b.parts[0]! : Buffer.concat(b.parts, b.bytes), items: b.items }));
  }

  /** Reload: queues the payloads of the runner this one replaces, whatever the room (they were accepted). */
  adopt(payloads: readonly Payload[]): void {
    if (payloads.length === 0) return;
    for (const p of payloads) this.#queue.push(p, Date.now());
    if (this.#queue.hasFullBatch()) this.#notify();
    else this.#armTimer();
  }

  status(): ExporterStatus {
    let state: ExporterState = 'ok';
    if (this.#retrying > 0) state = 'retrying';
    else if (this.#lastOutcome === 'permanent') state = 'failing';
    if (this.#queue.usedBytes >= this.#queue.maxBytes || (this.#refusedBytes > 0 && !this.#queue.hasRoom(this.#refusedBytes))) state = 'refusing';
    const out: ExporterStatus = { name: this.name, type: this.type, state, queueBytes: this.#queue.usedBytes, queueCapacity: this.#queue.maxBytes };
    if (this.#lastError) out.lastError = this.#lastError;
    return out;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (let i = 0; i < Math.max(1, this.#s.queue.consumers); i++) this.#workers.push(this.#work());
  }

  /** Stops taking data, delivers what is queued within `deadlineMs`, then drops (and counts) the rest. */
  async shutdown(deadlineMs: number): Promise<void> {
    if (this.#closing) {
      await Promise.all(this.#workers);
      return;
    }
    this.#closing = true;
    this.#notify();
    const timer = setTimeout(() => this.#halt.abort(), Math.max(0, deadlineMs));
    try {
      await Promise.all(this.#workers);
    } finally {
      clearTimeout(timer);
      if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    }
    for (const b of this.#queue.drain()) this.#drop(b, 'shutdown', 'the shutdown deadline passed before it could be delivered');
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
    for (;;) {
      if (this.#halt.signal.aborted || this.#handover.signal.aborted) return;
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

  async #deliver(batch: Batch): Promise<void> {
    const bytes = batch.parts.length === 1 ? batch.parts[0]! : Buffer.concat(batch.parts, batch.bytes);
    const labels = { exporter: this.name, signal: batch.signal };
    const started = Date.now();
    let retryingCounted = false;
    this.#stats.observe('otlp_relay_exporter_batch_items', labels, batch.items);
    this.#stats.observe('otlp_relay_exporter_batch_bytes', labels, batch.bytes);
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0 && this.#handover.signal.aborted) {
          this.#leftover.push(batch);
          return;
        }
        if (this.#halt.signal.aborted) {
          this.#drop(batch, 'shutdown', 'the shutdown deadline passed before it could be delivered');
          return;
        }
        const sentAt = performance.now();
        const outcome = await this.#attempt(batch.signal, bytes, batch.items);
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
          if (this.#lastError) this.#once.reset(`permanent:${this.#lastError.text}`);
          return;
        }
        this.#lastError = { text: scrub(outcome.reason), at: new Date().toISOString() };
        if (outcome.kind === 'permanent') {
          this.#stats.inc('otlp_relay_exporter_failed_items_total', { ...labels, reason: 'permanent' }, outcome.rejected ?? batch.items);
          this.#once.warn(
            `permanent:${outcome.reason}`,
            { signal: batch.signal, items: batch.items },
            `${this.name} refused ${batch.items} ${ITEM_NAME[batch.signal]}: ${outcome.reason} (not retried; said once per reason)`,
          );
          return;
        }
        if (this.#handover.signal.aborted) {
          this.#leftover.push(batch); // the replacement retries it with the new settings
          return;
        }
        const delay = nextDelay(attempt, this.#s.retry, outcome.afterMs);
        const elapsed = Date.now() - started;
        const budget = this.#s.retry.maxElapsedMs;
        if (!this.#s.retry.enabled || (budget > 0 && elapsed + delay > budget)) {
          this.#drop(batch, 'retry_exhausted', `still failing after ${Math.round(elapsed / 1000)}s: ${outcome.reason}`);
          return;
        }
        if (!retryingCounted) {
          retryingCounted = true;
          this.#retrying++;
        }
        this.#stats.inc('otlp_relay_exporter_retries_total', labels);
        this.#once.warn(`retry:${outcome.reason}`, { signal: batch.signal, delayMs: delay }, `${this.name}: ${outcome.reason}; retrying with backoff`);
        try {
          await sleep(delay, undefined, { signal: AbortSignal.any([this.#halt.signal, this.#handover.signal]) });
        } catch {
          // aborted by the drain deadline (the loop drops and counts the batch) or a handover (it gives the batch back)
        }
      }
    } finally {
      if (retryingCounted) this.#retrying--;
      this.#queue.release(batch.bytes);
      this.#notify(); // room freed, or a worker may wait on a batch that is now due
    }
  }

  async #attempt(signal: Signal, bytes: Uint8Array, items: number): Promise<Outcome> {
    const timeout = AbortSignal.timeout(this.#s.timeoutMs);
    const signalAll = AbortSignal.any([timeout, this.#halt.signal]);
    try {
      return await this.#client.send(signal, bytes, items, signalAll);
    } catch (err) {
      if (timeout.aborted) return { kind: 'retryable', reason: `no answer within ${this.#s.timeoutMs} ms` };
      if (this.#halt.signal.aborted) return { kind: 'retryable', reason: 'aborted at the shutdown deadline' };
      return { kind: 'retryable', reason: describeError(err) };
    }
  }

  #drop(batch: Batch, reason: 'shutdown' | 'retry_exhausted', text: string): void {
    this.#stats.inc('otlp_relay_exporter_dropped_items_total', { exporter: this.name, signal: batch.signal, reason }, batch.items);
    this.#lastError = { text: scrub(text), at: new Date().toISOString() };
    this.#log.warn({ signal: batch.signal, items: batch.items, reason }, `${this.name} dropped ${batch.items} ${ITEM_NAME[batch.signal]}: ${text}`);
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
