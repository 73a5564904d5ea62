import type { Logger } from '../../log.ts';
import { OnceLogger } from '../../log.ts';
import { dropInvalid, jsonToProtobuf } from '../../otlp/codec.ts';
import { OtlpDecodeError } from '../../otlp/errors.ts';
import { ITEM_NAME, type Signal } from '../../otlp/signal.ts';
import { scanRequest } from '../../otlp/wire.ts';
import type { ExporterRunner } from '../../pipeline/exporter-runner.ts';
import { heldBytes, type Payload } from '../../pipeline/types.ts';
import type { Router } from '../../router/router.ts';
import type { Stats } from '../../telemetry/stats.ts';

export type Format = 'protobuf' | 'json';

export type ExportResult =
  | { kind: 'ok'; partial?: { rejected: number; message: string } }
  | { kind: 'invalid'; message: string }
  /** `status` 503: a disk queue cannot write (ENOSPC, EIO), or the relay is over its memory limit; absent: a queue is full (429). */
  | { kind: 'unavailable'; message: string; retryAfterMs: number; status?: 503 };

/** How long a refused client is asked to wait: long enough for a batch to leave, short enough to keep latency low. */
export const FULL_RETRY_AFTER_MS = 1000;

type PartialResult = { rejected: number; message: string } | undefined;
type Plan = Array<{ dest: ExporterRunner; payload: Payload }>;
/** A request checked and routed, every target with room: what is left is to queue it. */
type Routed = { kind: 'routed'; signal: Signal; bytes: Uint8Array; items: number; plan: Plan; partial: PartialResult; labels: { receiver: string; signal: Signal } };

/**
 * One handler per signal, shared by every transport: strict decode, partial success for invalid
 * items, routing, and an all-or-nothing enqueue so a refused request leaves no copy anywhere.
 */
export class ExportHandler {
  #router: Router<ExporterRunner>;
  readonly #stats: Stats;
  readonly #once: OnceLogger;
  /** Sees every accepted request (the status page's sample of recent data); must stay cheap. */
  tap: { offer(signal: Signal, bytes: Uint8Array, items: number): void } | undefined;
  /** The memory limiter: while it refuses, every request is refused before its body is read or decoded. */
  memory: { readonly refusing: boolean } | undefined;

  constructor(router: Router<ExporterRunner>, log: Logger, stats: Stats) {
    this.#router = router;
    this.#stats = stats;
    this.#once = new OnceLogger(log);
  }

  /** Reload: later requests are routed by the new routes to the new runners. */
  setRouter(router: Router<ExporterRunner>): void {
    this.#router = router;
  }

  /**
   * Handles a request without waiting for disk queues to sync (the X-Ray daemon's datagrams, which
   * nobody acknowledges). Receivers that answer a client use accept().
   */
  handle(signal: Signal, body: Uint8Array, format: Format, receiver: string, skip?: ReadonlySet<string>): ExportResult {
    const r = this.#route(signal, body, format, receiver, skip, undefined);
    return r.kind === 'routed' ? this.#commit(r) : r;
  }

  /**
   * Handles a request and answers once it is safe to: at once when every target queues in memory
   * (exactly as handle()), or once every disk queue among the targets has written (and synced, per
   * its policy) its copy. If any copy cannot be written, no target keeps one and the client is told
   * to retry (503 + retry delay).
   */
  accept(signal: Signal, body: Uint8Array, format: Format, receiver: string, gzip?: Uint8Array): ExportResult | Promise<ExportResult> {
    const r = this.#route(signal, body, format, receiver, undefined, gzip);
    if (r.kind !== 'routed') return r;
    return r.plan.some((p) => p.dest.durable) ? this.#stageDurably(r) : this.#commit(r);
  }

  /**
   * A refusal decided before the body is read: a destination that takes every item of the signal
   * has no room for even the compressed body, so reading, inflating and checking it would only make
   * garbage (measured in docs/PERFORMANCE.md, S4). Undefined: read the body and accept() it.
   */
  refuseEarly(signal: Signal, receiver: string, bodyBytes: number): ExportResult | undefined {
    if (this.memory?.refusing) return this.#refuseMemory({ receiver, signal });
    for (const dest of this.#router.unconditional(signal)) {
      if (dest.hasRoom(bodyBytes)) continue;
      return this.#refuse(dest, { receiver, signal }, 0);
    }
    return undefined;
  }

  /**
   * `skip`: exporters that must not get this data (the X-Ray receiver's spans skip the exporters that send the segment itself).
   * `gzip`: the sender's gzip of `body`, kept for destinations that send it on unchanged.
   */
  #route(signal: Signal, body: Uint8Array, format: Format, receiver: string, skip: ReadonlySet<string> | undefined, gzip: Uint8Array | undefined): ExportResult | Routed {
    const labels = { receiver, signal };
    if (this.memory?.refusing) return this.#refuseMemory(labels);
    let bytes: Uint8Array;
    let scan;
    try {
      bytes = format === 'json' ? jsonToProtobuf(signal, Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) : body;
      scan = scanRequest(signal, bytes);
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) throw err;
      this.#stats.inc('otlp_relay_receiver_refused_requests_total', { ...labels, reason: 'invalid' });
      return { kind: 'invalid', message: err.message };
    }
    let partial: PartialResult;
    if (scan.invalid > 0) {
      const cleaned = dropInvalid(signal, bytes);
      partial = { rejected: cleaned.rejected, message: `${cleaned.rejected} ${ITEM_NAME[signal]} rejected: ${cleaned.reason ?? scan.firstInvalidReason ?? 'invalid'}` };
      this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'invalid' }, cleaned.rejected);
      bytes = cleaned.bytes;
      scan = scanRequest(signal, bytes);
    }
    if (scan.items === 0) return ok(partial);

    // The sender's gzip is of the body as sent: it is kept only while the bytes are exactly that body.
    const keepGzip = gzip !== undefined && bytes === body && this.#router.unconditional(signal).some((d) => d.reusesGzip);
    const planned = this.#router.plan(signal, bytes, scan, keepGzip ? gzip : undefined);
    const plan = skip === undefined || skip.size === 0 ? planned : planned.filter((p) => !skip.has(p.dest.name));
    if (keepGzip) for (const p of plan) if (p.payload.gzip && !p.dest.reusesGzip) p.payload = { signal, bytes: p.payload.bytes, items: p.payload.items };
    if (plan.length === 0) {
      this.#stats.inc('otlp_relay_router_unrouted_items_total', { signal }, scan.items);
      this.#once.warn(
        `unrouted:${signal}`,
        { signal },
        this.#router.hasRoutes(signal)
          ? `some ${ITEM_NAME[signal]} match no route: they are accepted and dropped (counted in otlp_relay_router_unrouted_items_total; said once)`
          : `no route takes ${signal}: they are accepted and dropped (counted in otlp_relay_router_unrouted_items_total; said once); add a route with signals: [${signal}] to keep them`,
      );
      this.tap?.offer(signal, bytes, scan.items);
      return ok(partial);
    }
    const full = plan.find((p) => !p.dest.hasRoom(heldBytes(p.payload)));
    if (full) return this.#refuse(full.dest, labels, scan.items);
    return { kind: 'routed', signal, bytes, items: scan.items, plan, partial, labels };
  }

  /** Counted per request, and per item when known (`items` 0: refused before the body was read). */
  #refuse(dest: ExporterRunner, labels: { receiver: string; signal: Signal }, items: number, problem = dest.diskProblem): ExportResult {
    if (problem !== undefined) {
      this.#stats.inc('otlp_relay_receiver_refused_requests_total', { ...labels, reason: 'disk_error' });
      if (items > 0) this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'disk_error' }, items);
      this.#once.warn(`disk:${dest.name}:${problem}`, { exporter: dest.name }, `the disk queue of exporter ${dest.name} cannot take data (${problem}): refusing new data with a retry delay (said once)`);
      return { kind: 'unavailable', message: `the relay's disk queue for exporter "${dest.name}" cannot write (${problem}); retry later`, retryAfterMs: FULL_RETRY_AFTER_MS, status: 503 };
    }
    this.#stats.inc('otlp_relay_receiver_refused_requests_total', { ...labels, reason: 'queue_full' });
    if (items > 0) this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'queue_full' }, items);
    this.#once.warn(`full:${dest.name}`, { exporter: dest.name }, `the queue of exporter ${dest.name} is full: refusing new data with a retry delay until it drains (said once)`);
    return { kind: 'unavailable', message: `the relay's queue for exporter "${dest.name}" is full; retry later`, retryAfterMs: FULL_RETRY_AFTER_MS };
  }

  /** Refused before the body is decoded, so its items are not counted: under memory pressure the relay does the least work it can. */
  #refuseMemory(labels: { receiver: string; signal: Signal }): ExportResult {
    this.#stats.inc('otlp_relay_receiver_refused_requests_total', { ...labels, reason: 'memory_limit' });
    return { kind: 'unavailable', message: "the relay is over its memory limit (service.memory_limiter); retry later", retryAfterMs: FULL_RETRY_AFTER_MS, status: 503 };
  }

  #commit(r: Routed): ExportResult {
    for (const p of r.plan) p.dest.enqueue(p.payload);
    this.#stats.inc('otlp_relay_receiver_accepted_items_total', r.labels, r.items);
    this.tap?.offer(r.signal, r.bytes, r.items);
    return ok(r.partial);
  }

  /** All or nothing across targets, with disk queues: every copy is written first, then all are committed together. */
  async #stageDurably(r: Routed): Promise<ExportResult> {
    const disk = r.plan.filter((p) => p.dest.durable);
    const staged = disk.map((p) => p.dest.stage(p.payload));
    const settled = await Promise.allSettled(staged.map((s) => s.durable));
    const failed = settled.findIndex((x) => x.status === 'rejected');
    // Memory targets are checked again: they may have filled while the disk synced.
    const full = failed === -1 ? r.plan.find((p) => !p.dest.durable && !p.dest.hasRoom(heldBytes(p.payload))) : undefined;
    if (failed !== -1 || full) {
      await Promise.all(staged.map((s) => s.abort())); // the copies written are acked before the client hears "retry"
      if (full) return this.#refuse(full.dest, r.labels, r.items);
      const reason = (settled[failed] as PromiseRejectedResult).reason as Error;
      return this.#refuse(disk[failed]!.dest, r.labels, r.items, disk[failed]!.dest.diskProblem ?? reason.message);
    }
    for (const s of staged) s.commit();
    for (const p of r.plan) if (!p.dest.durable) p.dest.enqueue(p.payload);
    this.#stats.inc('otlp_relay_receiver_accepted_items_total', r.labels, r.items);
    this.tap?.offer(r.signal, r.bytes, r.items);
    return ok(r.partial);
  }
}

function ok(partial: PartialResult): ExportResult {
  return partial ? { kind: 'ok', partial } : { kind: 'ok' };
}
