/**
 * The Rollbar exporter's I/O: translate a batch once, POST each item to the item API (a few at a time),
 * and classify what happened. Retries, backoff and timeouts stay in the generic runner.
 *
 * Retry safety: the runner retries a whole `send` with the same bytes object, so the client remembers,
 * per payload, the items it built and which have landed, been refused or shed; a retry sends only the
 * rest. Items carry deterministic uuids, so the one case that can repeat (an answer lost to a timeout)
 * is discarded by Rollbar as a duplicate. After a 429 no item is sent, by any batch, until the
 * rate-limit window Rollbar named is over: a wasted request would only earn another 429.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { Logger } from '../../log.ts';
import { OnceLogger } from '../../log.ts';
import { decodeSkipping } from '../../otlp/decode-skipping.ts';
import { ITEM_NAME, type Signal } from '../../otlp/signal.ts';
import { describeError } from '../../pipeline/exporter-runner.ts';
import { permanent, retryable, SUCCESS, type Outcome } from '../../pipeline/outcome.ts';
import type { ExportClient } from '../../pipeline/types.ts';
import type { Stats } from '../../telemetry/stats.ts';
import { classifyAnswer } from './classify.ts';
import type { TrimStage } from './fit.ts';
import { MAX_ITEM_BYTES, TOKEN_HEADER } from './limits.ts';
import { ItemsPerMinute } from './rate.ts';
import { translateLogs, translateTraces, type BuiltItem, type TranslateOptions, type Translation } from './translate.ts';

export interface RollbarClientOptions {
  /** The exporter's name, for counters and messages. */
  name: string;
  accessToken: string;
  /** The item URL. */
  endpoint: string;
  translate: TranslateOptions;
  /** 0: no cap. */
  itemsPerMinute: number;
  userAgent: string;
  log: Logger;
  stats: Stats;
  /** Items in flight per batch. */
  concurrency?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
  /** Tests: another undici dispatcher. */
  dispatcher?: Dispatcher;
}

/** Item POSTs in flight per batch: enough to hide latency, few enough not to burst into the rate limit. */
export const DEFAULT_CONCURRENCY = 4;
/** Answers are a small JSON object; anything longer is cut before it is read as a message. */
const MAX_ANSWER_CHARS = 4096;

type ItemState = 'pending' | 'landed' | 'refused' | 'shed';

/** A batch in delivery: its items and what became of each, kept across the runner's attempts. */
interface Delivery {
  items: BuiltItem[];
  state: ItemState[];
  records: number;
  /** Records whose item was too large to send even trimmed. */
  tooLargeRecords: Set<number>;
  firstRefusal?: string;
  busy: boolean;
}

const TRIM_TEXT: Record<TrimStage, string> = {
  custom: "items were over Rollbar's 128 KB limit: their custom attributes were left out (custom.otlp_relay_trimmed says so)",
  context: "items were over Rollbar's 128 KB limit: the code lines of their frames were left out",
  frames: "items were over Rollbar's 128 KB limit: middle frames were left out (a frame named [otlp-relay] says how many)",
  strings: "items were over Rollbar's 128 KB limit: long messages and values were cut (marked where cut)",
};

export class RollbarExportClient implements ExportClient {
  readonly #o: RollbarClientOptions;
  readonly #once: OnceLogger;
  readonly #now: () => number;
  readonly #cap: ItemsPerMinute;
  readonly #agent: Dispatcher;
  readonly #ownsAgent: boolean;
  readonly #deliveries = new WeakMap<Uint8Array, Delivery>();
  readonly #labels: { exporter: string };
  /** No item is sent before this time (ms): Rollbar's rate-limit window after a 429. */
  #blockedUntil = 0;
  #blockReason = '';

  constructor(o: RollbarClientOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#once = new OnceLogger(o.log.child({ exporter: o.name }));
    this.#cap = new ItemsPerMinute(o.itemsPerMinute, this.#now);
    this.#ownsAgent = o.dispatcher === undefined;
    this.#agent = o.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 8 });
    this.#labels = { exporter: o.name };
  }

  async send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal): Promise<Outcome> {
    if (signal === 'metrics') return permanent('Rollbar takes error spans and error logs, not metrics', items);
    let delivery = this.#deliveries.get(bytes);
    if (delivery === undefined || delivery.busy) {
      // A payload seen while another attempt of it is in flight is a separate copy: it gets its own state.
      let fresh: Delivery;
      try {
        fresh = this.#prepare(signal, bytes);
      } catch (err) {
        // The receiver validated these bytes, so this is a relay bug: retrying cannot fix it.
        return permanent(`could not read the queued ${ITEM_NAME[signal]}: ${describeError(err)}`, items);
      }
      if (delivery === undefined) this.#deliveries.set(bytes, fresh);
      delivery = fresh;
    }
    delivery.busy = true;
    try {
      const outcome = await this.#deliver(delivery, abort);
      if (outcome.kind !== 'retryable') this.#deliveries.delete(bytes);
      return outcome;
    } finally {
      delivery.busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.#ownsAgent) await this.#agent.close();
  }

  #prepare(signal: 'traces' | 'logs', bytes: Uint8Array): Delivery {
    const decoded = signal === 'traces' ? decodeSkipping('traces', bytes) : decodeSkipping('logs', bytes);
    const t = 'resourceSpans' in decoded.request ? translateTraces(decoded.request, this.#o.translate) : translateLogs(decoded.request, this.#o.translate);
    if (decoded.skipped > 0) this.#undecodable(signal, decoded.skipped, decoded.reason);
    this.#report(signal, t);
    return { items: t.items, state: t.items.map(() => 'pending'), records: t.records, tooLargeRecords: new Set(t.tooLarge.map((x) => x.record)), busy: false };
  }

  /** Records left out because they could not be decoded (decode-skipping.ts): counted, and said once. */
  #undecodable(signal: 'traces' | 'logs', n: number, reason: string | undefined): void {
    this.#o.stats.inc('otlp_relay_rollbar_records_undecodable_total', { ...this.#labels, signal }, n);
    this.#once.warn(
      `undecodable:${signal}`,
      { signal, records: n, reason },
      `${this.#o.name}: ${n} ${ITEM_NAME[signal]} could not be decoded (${reason ?? 'unknown'}; a string that is not valid UTF-8, as protobuf requires) and make no Rollbar item; the rest of their batch was sent (said once)`,
    );
  }

  /** Counts and explains (once each) what the translation skipped, trimmed or could not fit. */
  #report(signal: 'traces' | 'logs', t: Translation): void {
    const stats = this.#o.stats;
    const name = this.#o.name;
    if (t.skipped > 0) {
      stats.inc('otlp_relay_rollbar_records_skipped_total', { ...this.#labels, signal }, t.skipped);
      this.#once.warn(
        `skipped:${signal}`,
        { signal, skipped: t.skipped },
        `${name}: ${ITEM_NAME[signal]} that are not errors make no Rollbar item; they are counted in otlp_relay_rollbar_records_skipped_total (route with match: { error: true } to send only errors; said once)`,
      );
    }
    for (const [stage, n] of Object.entries(t.trimmed) as Array<[TrimStage, number]>) {
      stats.inc('otlp_relay_rollbar_items_trimmed_total', { ...this.#labels, stage }, n);
      this.#once.warn(`trimmed:${stage}`, { stage, items: n, example: t.examples[stage] }, `${name}: ${TRIM_TEXT[stage]} (e.g. ${t.examples[stage]}; said once)`);
    }
    if (t.tooLarge.length > 0) {
      stats.inc('otlp_relay_rollbar_items_total', { ...this.#labels, outcome: 'too_large' }, t.tooLarge.length);
      this.#once.warn(
        'too_large',
        { items: t.tooLarge.length, example: t.tooLarge[0]?.where },
        `${name}: ${t.tooLarge.length} items stay over Rollbar's ${MAX_ITEM_BYTES / 1024} KB limit even trimmed and were not sent (e.g. ${t.tooLarge[0]?.where}; counted in otlp_relay_rollbar_items_total{outcome="too_large"}; said once)`,
      );
    }
  }

  async #deliver(d: Delivery, abort: AbortSignal): Promise<Outcome> {
    const wait = this.#blockedUntil - this.#now();
    if (wait > 0 && d.state.includes('pending')) return retryable(this.#blockReason, wait);
    const queue = d.state.flatMap((s, i) => (s === 'pending' ? [i] : []));
    let stop: Outcome | undefined;
    let aborted: unknown;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length && stop === undefined && aborted === undefined) {
        const i = queue[next++]!;
        const item = d.items[i]!;
        if (!this.#cap.admit()) {
          d.state[i] = 'shed';
          this.#shed(item);
          continue;
        }
        let status: number;
        let headers: Record<string, string | string[] | undefined>;
        let body: string;
        try {
          const res = await request(this.#o.endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': this.#o.userAgent, [TOKEN_HEADER]: this.#o.accessToken },
            body: item.json,
            signal: abort,
            dispatcher: this.#agent,
          });
          status = res.statusCode;
          headers = res.headers;
          body = (await res.body.text()).slice(0, MAX_ANSWER_CHARS);
        } catch (err) {
          if (abort.aborted) aborted ??= err;
          else stop ??= retryable(`could not reach Rollbar: ${describeError(err)}`);
          continue; // the item stays pending: the next attempt sends it (its uuid makes a repeat harmless)
        }
        const answer = classifyAnswer(status, headers, body, this.#o.accessToken, this.#now());
        if (answer.kind === 'landed') {
          d.state[i] = 'landed';
          this.#o.stats.inc('otlp_relay_rollbar_items_total', { ...this.#labels, outcome: 'sent' });
        } else if (answer.kind === 'refused') {
          d.state[i] = 'refused';
          d.firstRefusal ??= answer.reason;
          this.#o.stats.inc('otlp_relay_rollbar_items_total', { ...this.#labels, outcome: 'refused' });
        } else {
          stop ??= answer.outcome;
          if (status === 429 && answer.outcome.kind === 'retryable') {
            this.#o.stats.inc('otlp_relay_rollbar_rate_limited_total', this.#labels);
            this.#blockedUntil = Math.max(this.#blockedUntil, this.#now() + (answer.outcome.afterMs ?? 0));
            this.#blockReason = answer.outcome.reason;
          }
        }
      }
    };
    const workers = Math.max(1, Math.min(this.#o.concurrency ?? DEFAULT_CONCURRENCY, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (aborted !== undefined) throw aborted; // the runner says why (timeout or shutdown); pending items wait for the next attempt
    if (stop?.kind === 'retryable') return stop;
    if (stop?.kind === 'permanent') {
      // The token or the endpoint is refused: every item left would be too.
      const left = d.state.filter((s) => s === 'pending').length;
      this.#o.stats.inc('otlp_relay_rollbar_items_total', { ...this.#labels, outcome: 'refused' }, left);
      d.state = d.state.map((s) => (s === 'pending' ? 'refused' : s));
      return permanent(stop.reason, this.#refusedRecords(d));
    }
    return this.#settled(d);
  }

  #shed(item: BuiltItem): void {
    this.#o.stats.inc('otlp_relay_rollbar_items_total', { ...this.#labels, outcome: 'shed' });
    this.#once.warn(
      'shed',
      { cap: this.#o.itemsPerMinute, example: item.where },
      `${this.#o.name}: more than items_per_minute (${this.#o.itemsPerMinute}) Rollbar items in a minute; the rest are shed, not sent (e.g. ${item.where}); counted in otlp_relay_rollbar_items_total{outcome="shed"} (said once)`,
    );
  }

  /** Records Rollbar refused: those with an item and none landed, not counting the shed (the relay's choice, counted apart). */
  #refusedRecords(d: Delivery): number {
    const landed = new Set<number>();
    const refused = new Set<number>();
    d.items.forEach((item, i) => {
      if (d.state[i] === 'landed') landed.add(item.record);
      else if (d.state[i] === 'refused') refused.add(item.record);
    });
    let n = 0;
    for (const r of refused) if (!landed.has(r)) n++;
    return n;
  }

  /** Every item landed, was refused or shed: success, partial, or (nothing landed, something refused) permanent. */
  #settled(d: Delivery): Outcome {
    const refused = this.#refusedRecords(d);
    if (refused === 0) return SUCCESS;
    const reason = d.firstRefusal ?? 'Rollbar refused items';
    if (!d.state.includes('landed') && !d.state.includes('shed')) return permanent(reason, refused);
    return { kind: 'success', rejected: refused, reason };
  }
}
