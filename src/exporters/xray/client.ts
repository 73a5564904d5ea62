/**
 * The X-Ray exporter's I/O: translate a batch once, send its documents with PutTraceSegments at most
 * 50 per call, and classify what happened. Retries, backoff and timeouts stay in the generic runner.
 */
import type { XRayClient } from '@aws-sdk/client-xray';
import type { Logger } from '../../log.ts';
import { OnceLogger } from '../../log.ts';
import type { Signal } from '../../otlp/signal.ts';
import { permanent, retryable, SUCCESS, type Outcome } from '../../pipeline/outcome.ts';
import type { ExportClient } from '../../pipeline/types.ts';
import type { Stats } from '../../telemetry/stats.ts';
import { fastJsonBody, onlyKeys, type JsonBody } from '../sdk-body.ts';
import { AnnotationBudget } from './annotations.ts';
import { classifyError, isRetryableSegmentError } from './classify.ts';
import { unframeDocuments } from './documents.ts';
import { MAX_DOCUMENTS_PER_CALL } from './limits.ts';
import { translateEncoded, type AdjustReason, type DropReason, type TranslatedDocument, type TranslateOptions, type Translation } from './translate.ts';

export interface UnprocessedSegment {
  id?: string;
  errorCode?: string;
  message?: string;
}

/** The one call the exporter makes: the SDK in production, a stand-in in unit tests. */
export interface PutTraceSegmentsApi {
  putTraceSegments(documents: string[], abort: AbortSignal): Promise<{ unprocessed: UnprocessedSegment[] }>;
  close?(): void;
}

export interface SdkApiOptions {
  /** Absent: the AWS chain (AWS_REGION, the shared config file). */
  region?: string;
  /** Absent: AWS_ENDPOINT_URL_XRAY, AWS_ENDPOINT_URL, or the regional endpoint. */
  endpoint?: string;
  userAgent: string;
}

/** PutTraceSegments through @aws-sdk/client-xray: credentials from the standard chain, SigV4 signing, no SDK retries (the runner retries). */
export function sdkApi(o: SdkApiOptions): PutTraceSegmentsApi {
  let client: XRayClient | undefined;
  // The SDK (~6 MB of RSS) loads at the first call, so a relay that never sends to X-Ray never pays for it.
  let sdk: Promise<typeof import('@aws-sdk/client-xray')> | undefined;
  const load = async () => {
    const m = await (sdk ??= import('@aws-sdk/client-xray'));
    if (client === undefined) {
      client = new m.XRayClient({
        ...(o.region === undefined ? {} : { region: o.region }),
        ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
        maxAttempts: 1,
        customUserAgent: o.userAgent,
        requestHandler: { connectionTimeout: 5_000 },
      });
      fastDocumentsBody(client);
    }
    return { client, PutTraceSegmentsCommand: m.PutTraceSegmentsCommand };
  };
  return {
    async putTraceSegments(documents, abort) {
      const { client, PutTraceSegmentsCommand } = await load();
      const out = await client.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: documents }), { abortSignal: abort });
      return { unprocessed: (out.UnprocessedTraceSegments ?? []).map((u) => ({ id: u.Id, errorCode: u.ErrorCode, message: u.Message })) };
    },
    close() {
      client?.destroy();
    },
  };
}

/**
 * PutTraceSegments bodies written by JSON.stringify instead of the SDK's JavaScript JSON writer, which
 * escaped every character of every document one at a time: ~0.4 ms per 50-document call, a fifth of
 * the relay's CPU in the full fan-out (docs/PERFORMANCE.md). The body is the same JSON object,
 * `{"TraceSegmentDocuments":[...]}` (sdk-body.ts).
 */
export function fastDocumentsBody(client: XRayClient): void {
  fastJsonBody(client, 'PutTraceSegments', PUT_TRACE_SEGMENTS);
}

const PUT_TRACE_SEGMENTS: JsonBody = {
  bulk: 'TraceSegmentDocuments',
  write(input) {
    const docs = input['TraceSegmentDocuments'];
    if (!Array.isArray(docs) || !onlyKeys(input, ['TraceSegmentDocuments'])) return undefined;
    for (const d of docs) if (typeof d !== 'string') return undefined;
    return JSON.stringify({ TraceSegmentDocuments: docs });
  },
};

export interface XrayClientOptions {
  /** The exporter's name, for counters and messages. */
  name: string;
  translate: Omit<TranslateOptions, 'nowSeconds'>;
  api: PutTraceSegmentsApi;
  log: Logger;
  stats: Stats;
  /** Unix seconds; tests pin it. */
  nowSeconds?: () => number;
  /** PutTraceSegments calls in flight per batch. */
  concurrency?: number;
  /** What the batches hold: OTLP spans to translate (default), or framed segment documents to send as they are (documents.ts). */
  input?: 'otlp' | 'documents';
}

/** A batch's documents not yet accepted, kept between the runner's attempts so a retry resends only those. */
interface PendingBatch {
  remaining: TranslatedDocument[];
  delivered: number;
  refused: number;
  /** Spans the translation refused (strict ids, oversized documents). */
  dropped: number;
  firstRefusal?: string;
}

const DROP_TEXT: Record<DropReason, string> = {
  implausible_trace_id:
    'spans refused by strict_trace_ids: their trace id does not start with a recent epoch second; X-Ray accepts such (W3C random) ids since 2023, so set strict_trace_ids: false unless this account still rejects them',
  invalid_span_id: 'spans refused: their span id is not 8 non-zero bytes',
  document_too_large: 'spans refused: their segment document stays over 64 KB even with metadata, annotations, stack frames and long strings trimmed',
  undecodable: 'spans refused: they could not be decoded (a string that is not valid UTF-8, as protobuf requires); the other spans of their batch were sent',
};

const ADJUST_TEXT: Record<AdjustReason, string> = {
  annotation_limit: 'annotations beyond X-Ray\'s 50 per trace were sent as metadata instead',
  annotation_key_collision: 'two attributes map to the same annotation key; the second was sent as metadata',
  annotation_key_renamed: 'annotation keys were renamed to X-Ray\'s characters (letters, digits, "_" and ".")',
  annotation_value_truncated: 'string annotation values were cut to X-Ray\'s 1,000 characters',
  metadata_trimmed: 'metadata was trimmed to fit the 64 KB document limit (see metadata.otlp_relay)',
  annotations_trimmed: 'annotations were trimmed to fit the 64 KB document limit (see metadata.otlp_relay)',
  stack_trimmed: 'stack frames were trimmed to fit the 64 KB document limit (exceptions[].truncated says how many)',
  strings_trimmed: 'long exception messages, SQL or URLs were cut to fit the 64 KB document limit',
  implausible_link_trace_id: 'span links whose trace id is implausible under strict_trace_ids were left out',
};

export class XrayExportClient implements ExportClient {
  readonly #o: XrayClientOptions;
  readonly #budget = new AnnotationBudget();
  readonly #once: OnceLogger;
  // Keyed by the batch's bytes: the runner passes the same array on every attempt of one batch.
  readonly #pending = new WeakMap<Uint8Array, PendingBatch>();
  readonly #labels: { exporter: string };

  constructor(o: XrayClientOptions) {
    this.#o = o;
    this.#once = new OnceLogger(o.log.child({ exporter: o.name }));
    this.#labels = { exporter: o.name };
  }

  async send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal): Promise<Outcome> {
    if (signal !== 'traces') return permanent(`X-Ray takes traces only, not ${signal}`, items);
    let batch = this.#pending.get(bytes);
    if (!batch && this.#o.input === 'documents') {
      try {
        batch = { remaining: unframeDocuments(bytes), delivered: 0, refused: 0, dropped: 0 };
      } catch (err) {
        return permanent(`could not read the queued segment documents: ${(err as Error).message}`, items);
      }
      this.#pending.set(bytes, batch);
    }
    if (!batch) {
      let translation: Translation;
      try {
        const nowSeconds = this.#o.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
        translation = translateEncoded(bytes, { ...this.#o.translate, nowSeconds }, this.#budget);
      } catch (err) {
        return permanent(`could not translate the batch: ${(err as Error).message}`, items);
      }
      batch = this.#report(translation);
      this.#pending.set(bytes, batch);
    }
    // Throws when aborted: the runner says why, and the remaining documents wait for the next attempt.
    const outcome = await this.#deliver(batch, items, abort);
    if (outcome.kind !== 'retryable') this.#pending.delete(bytes);
    return outcome;
  }

  close(): Promise<void> {
    this.#o.api.close?.();
    return Promise.resolve();
  }

  /** Counts and explains (once per reason, at warn level) what the translation refused or changed. */
  #report(t: Translation): PendingBatch {
    let dropped = 0;
    let firstRefusal: string | undefined;
    for (const [reason, n] of Object.entries(t.dropped) as Array<[DropReason, number]>) {
      dropped += n;
      firstRefusal ??= `${n} ${DROP_TEXT[reason]}`;
      this.#o.stats.inc('otlp_relay_xray_spans_refused_total', { ...this.#labels, reason }, n);
      this.#once.warn(`dropped:${reason}`, { reason, spans: n, example: t.examples[reason] }, `${this.#o.name}: ${n} ${DROP_TEXT[reason]} (e.g. ${t.examples[reason]}; said once)`);
    }
    for (const [reason, n] of Object.entries(t.adjusted) as Array<[AdjustReason, number]>) {
      this.#o.stats.inc('otlp_relay_xray_documents_adjusted_total', { ...this.#labels, reason }, n);
      if (reason === 'annotation_key_renamed') continue; // said per key below
      this.#once.warn(`adjusted:${reason}`, { reason, documents: n, example: t.examples[reason] }, `${this.#o.name}: ${ADJUST_TEXT[reason]} (e.g. ${t.examples[reason]}; said once)`);
    }
    for (const [from, to] of t.renamedKeys) {
      this.#once.warn(`renamed:${from}`, { attribute: from, annotation: to }, `${this.#o.name}: attribute "${from}" is indexed as annotation "${to}": ${ADJUST_TEXT.annotation_key_renamed} (said once per key)`);
    }
    const batch: PendingBatch = { remaining: t.documents, delivered: 0, refused: 0, dropped };
    if (firstRefusal !== undefined) batch.firstRefusal = firstRefusal;
    return batch;
  }

  #unprocessed(u: UnprocessedSegment, doc: TranslatedDocument | undefined, retry: boolean): void {
    const code = u.errorCode ?? 'unknown';
    this.#o.stats.inc('otlp_relay_xray_unprocessed_segments_total', { ...this.#labels, error_code: code });
    const where = doc ? ` (e.g. segment ${doc.id} of trace ${doc.traceId})` : u.id ? ` (e.g. segment ${u.id})` : '';
    this.#once.warn(
      `unprocessed:${code}`,
      { errorCode: code, message: u.message, segment: u.id, retried: retry },
      `${this.#o.name}: X-Ray did not process a segment: ${code}${u.message ? `: ${u.message}` : ''}${where}; ${retry ? 'retrying it with backoff' : 'not retried'} (said once per error code)`,
    );
  }

  async #deliver(batch: PendingBatch, items: number, abort: AbortSignal): Promise<Outcome> {
    const chunks: TranslatedDocument[][] = [];
    for (let i = 0; i < batch.remaining.length; i += MAX_DOCUMENTS_PER_CALL) chunks.push(batch.remaining.slice(i, i + MAX_DOCUMENTS_PER_CALL));
    const keep: TranslatedDocument[] = [];
    let retryReason: string | undefined;
    let stop: Outcome | undefined; // a request-level failure: send no more chunks this attempt
    let aborted: unknown;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        if (stop !== undefined || aborted !== undefined) {
          if (stop?.kind === 'permanent') batch.refused += chunk.length;
          else keep.push(...chunk);
          continue;
        }
        try {
          const { unprocessed } = await this.#o.api.putTraceSegments(
            chunk.map((d) => d.json),
            abort,
          );
          const byId = new Map(chunk.map((d) => [d.id, d]));
          const handled = new Set<string>();
          for (const u of unprocessed) {
            const doc = u.id === undefined ? undefined : byId.get(u.id);
            const retry = doc !== undefined && !handled.has(doc.id) && isRetryableSegmentError(u.errorCode);
            this.#unprocessed(u, doc, retry);
            if (doc && handled.has(doc.id)) continue;
            if (doc) handled.add(doc.id);
            if (retry && doc) {
              keep.push(doc);
              retryReason ??= `X-Ray asked to retry segments (${u.errorCode})`;
            } else {
              batch.refused++;
              batch.firstRefusal ??= `X-Ray refused segments: ${u.errorCode ?? 'unknown'}${u.message ? `: ${u.message}` : ''}`;
            }
          }
          batch.delivered += Math.max(0, chunk.length - unprocessed.length);
        } catch (err) {
          if (abort.aborted) {
            aborted ??= err;
            keep.push(...chunk);
            continue;
          }
          const o = classifyError(err, items);
          stop ??= o;
          if (o.kind === 'permanent') {
            batch.refused += chunk.length;
            batch.firstRefusal ??= o.reason;
          } else {
            keep.push(...chunk);
          }
        }
      }
    };
    const workers = Math.max(1, Math.min(this.#o.concurrency ?? 4, chunks.length));
    await Promise.all(Array.from({ length: workers }, worker));
    batch.remaining = keep;
    if (aborted !== undefined) throw aborted;
    if (keep.length > 0) return retryable(stop?.kind === 'retryable' ? stop.reason : (retryReason ?? 'X-Ray asked to retry segments'));
    if (batch.delivered > 0) return SUCCESS;
    if (stop?.kind === 'permanent') return stop;
    if (batch.refused > 0 || batch.dropped > 0) return permanent(batch.firstRefusal ?? 'X-Ray refused every segment', items);
    return SUCCESS; // an empty batch
  }
}
