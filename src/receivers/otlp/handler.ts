import type { Logger } from '../../log.ts';
import { OnceLogger } from '../../log.ts';
import { dropInvalid, jsonToProtobuf } from '../../otlp/codec.ts';
import { OtlpDecodeError } from '../../otlp/errors.ts';
import { ITEM_NAME, type Signal } from '../../otlp/signal.ts';
import { scanRequest } from '../../otlp/wire.ts';
import type { ExporterRunner } from '../../pipeline/exporter-runner.ts';
import type { Router } from '../../router/router.ts';
import type { Stats } from '../../telemetry/stats.ts';

export type Format = 'protobuf' | 'json';

export type ExportResult =
  | { kind: 'ok'; partial?: { rejected: number; message: string } }
  | { kind: 'invalid'; message: string }
  | { kind: 'unavailable'; message: string; retryAfterMs: number };

/** How long a refused client is asked to wait: long enough for a batch to leave, short enough to keep latency low. */
export const FULL_RETRY_AFTER_MS = 1000;

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

  constructor(router: Router<ExporterRunner>, log: Logger, stats: Stats) {
    this.#router = router;
    this.#stats = stats;
    this.#once = new OnceLogger(log);
  }

  /** Reload: later requests are routed by the new routes to the new runners. */
  setRouter(router: Router<ExporterRunner>): void {
    this.#router = router;
  }

  handle(signal: Signal, body: Uint8Array, format: Format, receiver: string): ExportResult {
    const labels = { receiver, signal };
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
    let partial: { rejected: number; message: string } | undefined;
    if (scan.invalid > 0) {
      const cleaned = dropInvalid(signal, bytes);
      partial = { rejected: cleaned.rejected, message: `${cleaned.rejected} ${ITEM_NAME[signal]} rejected: ${cleaned.reason ?? scan.firstInvalidReason ?? 'invalid'}` };
      this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'invalid' }, cleaned.rejected);
      bytes = cleaned.bytes;
      scan = scanRequest(signal, bytes);
    }
    if (scan.items === 0) return partial ? { kind: 'ok', partial } : { kind: 'ok' };

    const plan = this.#router.plan(signal, bytes, scan);
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
      return partial ? { kind: 'ok', partial } : { kind: 'ok' };
    }
    const full = plan.find((p) => !p.dest.hasRoom(p.payload.bytes.byteLength));
    if (full) {
      this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'queue_full' }, scan.items);
      this.#once.warn(`full:${full.dest.name}`, { exporter: full.dest.name }, `the queue of exporter ${full.dest.name} is full: refusing new data with a retry delay until it drains (said once)`);
      return { kind: 'unavailable', message: `the relay's queue for exporter "${full.dest.name}" is full; retry later`, retryAfterMs: FULL_RETRY_AFTER_MS };
    }
    for (const p of plan) p.dest.enqueue(p.payload);
    this.#stats.inc('otlp_relay_receiver_accepted_items_total', labels, scan.items);
    this.tap?.offer(signal, bytes, scan.items);
    return partial ? { kind: 'ok', partial } : { kind: 'ok' };
  }
}
