/**
 * CloudWatch Logs I/O: PutLogEvents per planned batch, creating groups and streams on demand.
 *
 * Retry safety: one `send` may need many PutLogEvents calls (one per (group, stream) batch), but the
 * runner retries a send as a whole. So the client remembers, per payload (the runner passes the same
 * bytes object to every attempt of one delivery), the plan it made on the first attempt and which
 * batches have landed or been refused for good; a retry sends only the rest. The plan is fixed at the
 * first attempt (receive-time timestamps, the window filter), so a retry never re-packs events into
 * different batches. A call cut off by the timeout is the one case that may land twice (at least once).
 */
import {
  CloudWatchLogsClient as SdkClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClientConfig,
  type RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Logger } from '../../log.ts';
import { OnceLogger, registerSecrets } from '../../log.ts';
import { decodeSkipping } from '../../otlp/decode-skipping.ts';
import type { Signal } from '../../otlp/signal.ts';
import { permanent, retryable, SUCCESS, type Outcome } from '../../pipeline/outcome.ts';
import type { ExportClient } from '../../pipeline/types.ts';
import type { Stats } from '../../telemetry/stats.ts';
import { fastJsonBody, onlyKeys, type JsonBody } from '../sdk-body.ts';
import { planBatches, type BatchPlan, type EventBatch } from './batcher.ts';
import { classifyError, errorName, errorText, refusesEverything } from './classify.ts';
import { toEvents } from './events.ts';
import { MAX_EVENT_AGE_MS } from './limits.ts';
import type { NameTemplate } from './names.ts';

export interface CloudwatchLogsClientOptions {
  /** Exporter name, for counters and messages. */
  name: string;
  group: NameTemplate;
  stream: NameTemplate;
  /** This relay's id, for `{relay.instance}`. */
  instance: string;
  raw: boolean;
  maxEventBytes: number;
  retentionDays?: number;
  tags: Record<string, string>;
  /** Absent: the AWS chain. */
  region?: string;
  /** Absent: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS / AWS_ENDPOINT_URL / the regional endpoint (the SDK's resolution). */
  endpoint?: string;
  /** Absent: the standard AWS credentials chain (tests pass fixed fake keys). */
  credentials?: CloudWatchLogsClientConfig['credentials'];
  userAgent: string;
  log: Logger;
  stats?: Stats;
  /** The clock (tests move it). */
  now?: () => number;
}

/** A delivery in progress: its plan and how far it got, kept across the runner's retries. */
interface Delivery {
  plan: BatchPlan;
  /** Per batch: settled (landed, or refused for good); never sent again. */
  settled: boolean[];
  /** Records not delivered: filtered before sending, refused by the service. */
  rejected: number;
  /** Why records were not delivered, without counts (the runner says each distinct reason once). */
  reasons: Set<string>;
  landed: number;
  busy: boolean;
}

/** `refused` with `all`: the credentials or region are refused, so every batch of the payload would be. */
type BatchResult = { kind: 'landed'; rejected: number } | { kind: 'refused'; reason: string; all: boolean } | { kind: 'retry'; reason: string };

/** Known-to-exist caches are bounded: forget everything rather than grow without end (templated names churn). */
const MAX_CACHED_NAMES = 10_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Events PutLogEvents accepted the call for but did not store; the end indexes are exclusive, the start inclusive. */
export function countRejected(info: RejectedLogEventsInfo | undefined, events: number): { tooOld: number; expired: number; tooNew: number; total: number } {
  if (!info) return { tooOld: 0, expired: 0, tooNew: 0, total: 0 };
  const tooOld = Math.min(events, Math.max(0, info.tooOldLogEventEndIndex ?? 0));
  const expired = Math.min(events, Math.max(0, info.expiredLogEventEndIndex ?? 0));
  const tooNew = info.tooNewLogEventStartIndex === undefined ? 0 : Math.max(0, events - info.tooNewLogEventStartIndex);
  return { tooOld, expired, tooNew, total: Math.min(events, Math.max(tooOld, expired) + tooNew) };
}

/** PutLogEvents bodies written by JSON.stringify (sdk-body.ts): the SDK's JSON writer was ~2-3 % of the relay's CPU. */
export function fastLogEventsBody(client: SdkClient): void {
  fastJsonBody(client, 'PutLogEvents', PUT_LOG_EVENTS);
}

const PUT_LOG_EVENTS_KEYS = ['logGroupName', 'logStreamName', 'logEvents', 'sequenceToken'] as const;

const PUT_LOG_EVENTS: JsonBody = {
  bulk: 'logEvents',
  write(input) {
    const { logGroupName, logStreamName, logEvents, sequenceToken } = input;
    if (typeof logGroupName !== 'string' || typeof logStreamName !== 'string' || !Array.isArray(logEvents)) return undefined;
    if ((sequenceToken !== undefined && typeof sequenceToken !== 'string') || !onlyKeys(input, PUT_LOG_EVENTS_KEYS)) return undefined;
    for (const e of logEvents as unknown[]) if (!isInputLogEvent(e)) return undefined;
    // Members in the API model's order, as the SDK writes them.
    return JSON.stringify(sequenceToken === undefined ? { logGroupName, logStreamName, logEvents } : { logGroupName, logStreamName, logEvents, sequenceToken });
  },
};

/** `{ timestamp, message }` and nothing else, with a finite timestamp (the SDK writes NaN as "NaN", JSON.stringify as null). */
function isInputLogEvent(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { timestamp, message } = e as { timestamp?: unknown; message?: unknown };
  if (typeof message !== 'string' || typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return false;
  for (const k in e) if (k !== 'timestamp' && k !== 'message') return false;
  return true;
}

export class CloudwatchLogsClient implements ExportClient {
  readonly #o: CloudwatchLogsClientOptions;
  readonly #sdk: SdkClient;
  readonly #once: OnceLogger;
  readonly #now: () => number;
  readonly #deliveries = new WeakMap<Uint8Array, Delivery>();
  /** Streams known to exist (`group\nstream`): a put landed there or the relay created them. */
  readonly #ready = new Set<string>();
  /** Groups the relay created whose retention policy is not set yet. */
  readonly #retentionPending = new Set<string>();
  /** Creations under way, so concurrent batches for one new stream create it once. */
  readonly #creating = new Map<string, Promise<BatchResult | undefined>>();

  constructor(o: CloudwatchLogsClientOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#once = new OnceLogger(o.log.child({ exporter: o.name }));
    // Keys from the environment are secrets like those in the config: never in a log line or an error.
    registerSecrets([process.env['AWS_SECRET_ACCESS_KEY'], process.env['AWS_SESSION_TOKEN'], process.env['AWS_ACCESS_KEY_ID']].filter((v): v is string => v !== undefined));
    const config: CloudWatchLogsClientConfig = {
      // The runner retries with backoff and keeps per-batch progress: SDK retries would multiply its attempts.
      maxAttempts: 1,
      customUserAgent: o.userAgent,
    };
    if (o.region !== undefined) config.region = o.region;
    if (o.endpoint !== undefined) config.endpoint = o.endpoint;
    if (o.credentials !== undefined) config.credentials = o.credentials;
    this.#sdk = new SdkClient(config);
    fastLogEventsBody(this.#sdk);
  }

  /** Streams known to exist, for tests and the status page. */
  get readyStreams(): ReadonlySet<string> {
    return this.#ready;
  }

  async send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal): Promise<Outcome> {
    if (signal !== 'logs') return permanent(`the cloudwatch_logs exporter takes logs, not ${signal}`);
    let delivery = this.#deliveries.get(bytes);
    if (delivery === undefined || delivery.busy) {
      // A payload seen while another attempt of it is in flight is a separate copy: it gets its own plan.
      let fresh: Delivery;
      try {
        fresh = this.#plan(bytes);
      } catch (err) {
        // The receiver validated these bytes, so this is a relay bug: retrying cannot fix it.
        return permanent(`could not read the queued logs: ${errorText(err)}`, items);
      }
      if (delivery === undefined) this.#deliveries.set(bytes, fresh);
      delivery = fresh;
    }
    delivery.busy = true;
    try {
      for (let i = 0; i < delivery.plan.batches.length; i++) {
        if (delivery.settled[i]) continue;
        const batch = delivery.plan.batches[i]!;
        const result = await this.#deliverBatch(batch, abort);
        if (result.kind === 'retry') return retryable(result.reason); // landed batches stay settled: the retry sends only the rest
        delivery.settled[i] = true;
        if (result.kind === 'landed') {
          delivery.landed++;
          if (result.rejected > 0) {
            delivery.rejected += result.rejected;
            delivery.reasons.add('CloudWatch Logs refused events outside its accepted time window (rejectedLogEventsInfo; not retried)');
          }
        } else {
          // A refusal of the credentials or region holds for every batch: refuse the rest without calling.
          const refused = result.all ? delivery.plan.batches.map((_, j) => j).filter((j) => j === i || !delivery!.settled[j]) : [i];
          for (const j of refused) {
            const n = delivery.plan.batches[j]!.events.length;
            delivery.settled[j] = true;
            delivery.rejected += n;
            this.#stats('otlp_relay_cloudwatch_logs_rejected_events_total', 'refused', n);
          }
          delivery.reasons.add(result.reason);
        }
      }
    } finally {
      delivery.busy = false;
    }
    this.#deliveries.delete(bytes);
    return this.#outcome(delivery);
  }

  async close(): Promise<void> {
    this.#sdk.destroy();
  }

  #stats(name: string, reason: string, by: number): void {
    this.#o.stats?.inc(name, { exporter: this.#o.name, reason }, by);
  }

  /** Decodes, converts and packs once per delivery; what is dropped before sending is counted here, once. */
  #plan(bytes: Uint8Array): Delivery {
    const now = this.#now();
    const decoded = decodeSkipping('logs', bytes);
    const converted = toEvents(decoded.request, {
      raw: this.#o.raw,
      group: this.#o.group,
      stream: this.#o.stream,
      instance: this.#o.instance,
      receivedAt: now,
      maxEventBytes: this.#o.maxEventBytes,
    });
    const maxAgeMs = this.#o.retentionDays === undefined ? MAX_EVENT_AGE_MS : Math.min(MAX_EVENT_AGE_MS, this.#o.retentionDays * DAY_MS);
    const plan = planBatches(converted.events, { now, maxEventBytes: this.#o.maxEventBytes, maxAgeMs });
    const delivery: Delivery = { plan, settled: plan.batches.map(() => false), rejected: 0, reasons: new Set(), landed: 0, busy: false };
    if (decoded.skipped > 0) {
      delivery.rejected += decoded.skipped;
      delivery.reasons.add(`log records that could not be decoded were dropped before sending (${decoded.reason ?? 'unknown'}: a string that is not valid UTF-8, as protobuf requires)`);
      this.#stats('otlp_relay_cloudwatch_logs_filtered_events_total', 'undecodable', decoded.skipped);
    }
    if (plan.tooOld > 0) {
      delivery.rejected += plan.tooOld;
      delivery.reasons.add(`log records older than ${Math.round(maxAgeMs / DAY_MS)} days were dropped before sending (CloudWatch Logs refuses them)`);
      this.#stats('otlp_relay_cloudwatch_logs_filtered_events_total', 'too_old', plan.tooOld);
    }
    if (plan.tooNew > 0) {
      delivery.rejected += plan.tooNew;
      delivery.reasons.add('log records more than 2 hours in the future were dropped before sending (CloudWatch Logs refuses them)');
      this.#stats('otlp_relay_cloudwatch_logs_filtered_events_total', 'too_new', plan.tooNew);
    }
    if (converted.empty > 0) {
      delivery.rejected += converted.empty;
      delivery.reasons.add('log records with an empty body were dropped (raw mode sends the body alone; CloudWatch Logs refuses empty messages)');
      this.#stats('otlp_relay_cloudwatch_logs_filtered_events_total', 'empty', converted.empty);
    }
    if (plan.truncated > 0) {
      this.#o.stats?.inc('otlp_relay_cloudwatch_logs_truncated_events_total', { exporter: this.#o.name }, plan.truncated);
      this.#once.warn('truncated', { truncated: plan.truncated }, `${this.#o.name}: log records larger than max_event_bytes (${this.#o.maxEventBytes} bytes) were cut, with a marker at the end (counted in otlp_relay_cloudwatch_logs_truncated_events_total; said once)`);
    }
    return delivery;
  }

  #outcome(d: Delivery): Outcome {
    if (d.rejected === 0) return SUCCESS;
    const reason = [...d.reasons].sort().join('; ');
    // Nothing landed and something was refused by the service: the delivery failed as a whole.
    if (d.landed === 0 && d.plan.batches.length > 0) return permanent(reason, d.rejected);
    return { kind: 'success', rejected: d.rejected, reason };
  }

  /** One batch: PutLogEvents; on ResourceNotFound, create what is missing and put once more. */
  async #deliverBatch(b: EventBatch, abort: AbortSignal): Promise<BatchResult> {
    const key = `${b.group}\n${b.stream}`;
    if (this.#retentionPending.has(b.group)) await this.#setRetention(b.group, abort);
    let first: unknown;
    try {
      return this.#landed(key, b, await this.#put(b, abort));
    } catch (err) {
      if (abort.aborted) throw err; // the runner says which deadline passed
      first = err;
    }
    if (errorName(first) !== 'ResourceNotFoundException') return this.#result(first, `put log events in ${b.group} / ${b.stream}`);
    this.#ready.delete(key);
    const created = await this.#ensureStream(b.group, b.stream, abort);
    if (created !== undefined) return created;
    try {
      return this.#landed(key, b, await this.#put(b, abort));
    } catch (err) {
      if (abort.aborted) throw err;
      return this.#result(err, `put log events in ${b.group} / ${b.stream} (just created)`);
    }
  }

  #put(b: EventBatch, abort: AbortSignal) {
    return this.#sdk.send(new PutLogEventsCommand({ logGroupName: b.group, logStreamName: b.stream, logEvents: b.events }), { abortSignal: abort });
  }

  #landed(key: string, b: EventBatch, out: { rejectedLogEventsInfo?: RejectedLogEventsInfo | undefined }): BatchResult {
    this.#remember(this.#ready, key);
    const r = countRejected(out.rejectedLogEventsInfo, b.events.length);
    if (r.tooOld > 0) this.#stats('otlp_relay_cloudwatch_logs_rejected_events_total', 'too_old', r.tooOld);
    if (r.expired > 0) this.#stats('otlp_relay_cloudwatch_logs_rejected_events_total', 'expired', r.expired);
    if (r.tooNew > 0) this.#stats('otlp_relay_cloudwatch_logs_rejected_events_total', 'too_new', r.tooNew);
    return { kind: 'landed', rejected: r.total };
  }

  #result(err: unknown, action: string): BatchResult {
    // Sequence tokens are gone, but an old endpoint may still say the data is already there.
    if (errorName(err) === 'DataAlreadyAcceptedException') return { kind: 'landed', rejected: 0 };
    const outcome = classifyError(err, action);
    if (outcome.kind === 'permanent') return { kind: 'refused', reason: outcome.reason, all: refusesEverything(err) };
    return { kind: 'retry', reason: outcome.kind === 'retryable' ? outcome.reason : 'unexpected' };
  }

  #remember(set: Set<string>, key: string): void {
    if (set.size >= MAX_CACHED_NAMES) set.clear();
    set.add(key);
  }

  /** Creates the stream (and its group if that is missing too); undefined when it exists now. Concurrent callers share one attempt. */
  #ensureStream(group: string, stream: string, abort: AbortSignal): Promise<BatchResult | undefined> {
    const key = `${group}\n${stream}`;
    let pending = this.#creating.get(key);
    if (!pending) {
      pending = this.#createStream(group, stream, abort).finally(() => this.#creating.delete(key));
      this.#creating.set(key, pending);
    }
    return pending;
  }

  async #createStream(group: string, stream: string, abort: AbortSignal): Promise<BatchResult | undefined> {
    const create = () => this.#sdk.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }), { abortSignal: abort });
    try {
      await create();
    } catch (err) {
      if (abort.aborted) throw err;
      const name = errorName(err);
      if (name === 'ResourceNotFoundException') {
        const groupFailed = await this.#createGroup(group, abort);
        if (groupFailed !== undefined) return groupFailed;
        try {
          await create();
        } catch (again) {
          if (abort.aborted) throw again;
          if (errorName(again) !== 'ResourceAlreadyExistsException') return this.#result(again, `create log stream ${stream} in ${group}`);
        }
      } else if (name !== 'ResourceAlreadyExistsException') {
        return this.#result(err, `create log stream ${stream} in ${group}`);
      }
    }
    // Marked ready only here, after the stream was created or found to exist: a failed creation never is.
    this.#remember(this.#ready, `${group}\n${stream}`);
    return undefined;
  }

  async #createGroup(group: string, abort: AbortSignal): Promise<BatchResult | undefined> {
    const tags = Object.keys(this.#o.tags).length > 0 ? { tags: this.#o.tags } : {};
    try {
      await this.#sdk.send(new CreateLogGroupCommand({ logGroupName: group, ...tags }), { abortSignal: abort });
    } catch (err) {
      if (abort.aborted) throw err;
      // Someone else created it: its retention is theirs to set.
      if (errorName(err) === 'ResourceAlreadyExistsException') return undefined;
      return this.#result(err, `create log group ${group}`);
    }
    this.#o.log.info({ exporter: this.#o.name, group }, `${this.#o.name}: created log group ${group}`);
    if (this.#o.retentionDays !== undefined) {
      this.#remember(this.#retentionPending, group);
      await this.#setRetention(group, abort);
    }
    return undefined;
  }

  /** Best effort: logs still flow if it fails; it is tried again before the group's next batch. */
  async #setRetention(group: string, abort: AbortSignal): Promise<void> {
    const days = this.#o.retentionDays;
    if (days === undefined) return;
    try {
      await this.#sdk.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: days }), { abortSignal: abort });
      this.#retentionPending.delete(group);
    } catch (err) {
      if (abort.aborted) throw err;
      this.#once.warn(`retention:${group}`, { group }, `${this.#o.name}: could not set the retention of ${group} to ${days} days (${errorText(err)}); retrying before its next batch (said once per group)`);
    }
  }
}
