/**
 * A bounded sample of recently accepted spans and log records, for the status page. The receive path
 * only hands over a reference to bytes it already holds (O(1)); decoding happens later, off the
 * request, and only for requests the budget lets through. The budget is in items (spans, records),
 * not requests: one 500-span request costs ~500 times a 1-span one to decode and keep. While nobody
 * watches the page the budget is a trickle and the ring is small, so a busy relay pays almost nothing.
 */
import { attrValue, type AttrValue } from '../otlp/attributes.ts';
import { decodeRequest } from '../otlp/codec.ts';
import type { KeyValue, LogRecord, Resource, Span } from '../otlp/types.ts';
import type { Signal } from '../otlp/signal.ts';

/** Memory bounds while the page is watched: everything the ring holds is capped by these. */
export const LIMITS = {
  traces: 200,
  spansPerTrace: 500,
  spans: 10_000,
  logs: 1000,
  errors: 300,
  attributes: 64,
  events: 32,
  valueChars: 1024,
  bodyChars: 4096,
  stackChars: 8192,
  /** Requests waiting to be decoded; more are skipped. */
  pending: 64,
  /** Requests larger than this are not decoded for the page. */
  requestBytes: 4 * 1024 * 1024,
  /** Estimated heap kept for spans in all, and for one trace; counts alone would let big attributes take gigabytes. */
  traceBytes: 16 * 1024 * 1024,
  perTraceBytes: 2 * 1024 * 1024,
  /** Estimated heap kept for log records. */
  logBytes: 4 * 1024 * 1024,
} as const;

/** The bounds that change while nobody watches the page: a few MB of real heap, still enough to show something when it opens. */
export const IDLE_LIMITS = {
  traces: 50,
  spans: 1000,
  logs: 200,
  errors: 100,
  traceBytes: 2 * 1024 * 1024,
  perTraceBytes: 512 * 1024,
  logBytes: 512 * 1024,
} as const;

type RingLimits = { [K in keyof typeof IDLE_LIMITS]: number };

/*
 * Heap estimates, measured (process.memoryUsage().heapUsed after gc, --expose-gc): within about 15 %
 * of the real heap for the bench's spans (1,765 estimated for 1,633 real bytes) and log records (753
 * for 656), and for long and non-Latin-1 values; above it when values repeat (the decoder shares them).
 */
/** A span view without attributes or events: the object, its ids as hex strings, numbers, status, an empty attribute map. */
const SPAN_BYTES = 640;
/** An event without attributes. */
const EVENT_BYTES = 120;
/** A log view without attributes and body. */
const LOG_BYTES = 360;
/** Per kept attribute: its slot in a dictionary-mode object and the value string's header; characters are added. */
const ENTRY_BYTES = 40;

const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/** Heap bytes of a string's characters: V8 keeps a string with any character beyond Latin-1 at two bytes a character. */
function charBytes(s: string): number {
  return BEYOND_LATIN1.test(s) ? 2 * s.length : s.length;
}

function sizeOf(attrs: Attributes): number {
  let n = 0;
  for (const k in attrs) n += k.length + charBytes(attrs[k] ?? '') + ENTRY_BYTES;
  return n;
}

export interface SamplingSettings {
  /** Items (spans, log records) decoded per second, on average: a token bucket in items. */
  perSecond: number;
  /** The bucket's size in items. A request is taken while the bucket is above zero and costs all its items (it may go into debt). */
  burst: number;
}

/** While someone watches the page: at 500 spans a request, four requests a second (~3 % of a core: ~13 µs a span). */
export const DEFAULT_SAMPLING: SamplingSettings = { perSecond: 2000, burst: 2000 };

/** While nobody has looked at the page within WATCH_WINDOW_MS: one 500-span request every 10 s (~0.1 % of a core). */
export const IDLE_SAMPLING: SamplingSettings = { perSecond: 50, burst: 500 };

/**
 * A second budget for requests that look like they hold errors (a byte search, see mayHoldErrors) when
 * the main one is spent: errors are what the page is most often opened for. Only their error spans'
 * traces and their error records are kept.
 */
export const ERROR_SAMPLING: SamplingSettings = { perSecond: 50, burst: 500 };

export const WATCH_WINDOW_MS = 60_000;

/** A token bucket in items that may go into debt: a big request is decoded whole, then nothing until the debt is paid. */
class ItemBucket {
  #tokens: number;
  #at: number;

  constructor(tokens: number, now: number) {
    this.#tokens = tokens;
    this.#at = now;
  }

  /** Refills at `rate` since the last call; true if the bucket is above zero. */
  ready(now: number, rate: SamplingSettings): boolean {
    this.#tokens = Math.min(rate.burst, this.#tokens + (Math.max(0, now - this.#at) / 1000) * rate.perSecond);
    this.#at = now;
    return this.#tokens > 0;
  }

  spend(items: number): void {
    this.#tokens -= Math.max(1, items);
  }
}

// Byte patterns of an error in an encoded request, searched for only when the main budget is spent.
// "xcept" finds "exception" events and exception.* attributes: a search starting on "x" skips faster than one on "e" (measured).
const EXCEPTION = Buffer.from('xcept');
/** Status.code (field 3, varint) = ERROR (2). */
const CODE_ERROR = Buffer.from([0x18, 0x02]);

/**
 * A Span.status (field 15, tag 0x7a) that is exactly [message (field 2, under 124 bytes)] + code ERROR:
 * encoders write a message's fields in order. Checking the whole shape keeps chance matches in ids rare.
 */
function hasErrorStatus(b: Buffer): boolean {
  for (let q = b.indexOf(CODE_ERROR); q >= 0; q = b.indexOf(CODE_ERROR, q + 1)) {
    if (b[q - 2] === 0x7a && b[q - 1] === 2) return true; // no message
    for (let m = 1; m <= 123 && m + 4 <= q; m++) if (b[q - m - 2] === 0x12 && b[q - m - 1] === m && b[q - m - 4] === 0x7a && b[q - m - 3] === m + 4) return true;
  }
  return false;
}

/** A LogRecord.severity_number (field 2, tag 0x10) of 17–24 right after its time_unix_nano (field 1, fixed64, tag 0x09). */
function hasSevereRecord(b: Buffer): boolean {
  for (let i = b.indexOf(0x10, 9); i >= 0; i = b.indexOf(0x10, i + 1)) {
    const severity = b[i + 1] ?? 0;
    if (severity >= 17 && severity <= 24 && b[i - 9] === 0x09) return true;
  }
  return false;
}

/**
 * Whether a request may hold error spans or records, from its bytes alone, without decoding: 20–45 µs
 * for a bench request with no error (330 KB of spans, 150 KB of records), less when one is found early.
 * False positives only spend the error budget; the rare misses (a status message of 124 bytes or more
 * without an exception event, a record without time_unix_nano) wait for the main budget like any request.
 */
export function mayHoldErrors(signal: Signal, bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.includes(EXCEPTION)) return true;
  if (signal === 'traces') return hasErrorStatus(b);
  return signal === 'logs' && hasSevereRecord(b);
}

export type Attributes = Record<string, string>;

export interface SpanEventView {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

export interface SpanView {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  kind: string;
  scope: string;
  startMs: number;
  durationMs: number;
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message: string };
  error: boolean;
  attributes: Attributes;
  resource: Attributes;
  events: SpanEventView[];
}

export interface TraceSummary {
  traceId: string;
  rootName: string;
  services: string[];
  startMs: number;
  durationMs: number;
  spans: number;
  errors: number;
  /** Spans past the per-trace cap that were not kept. */
  truncated: number;
  receivedAt: number;
}

export interface LogView {
  timeMs: number;
  service: string;
  severityNumber: number;
  severityText: string;
  body: string;
  error: boolean;
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface ErrorView {
  kind: 'span' | 'log';
  timeMs: number;
  service: string;
  /** Exception type, else the span name or the severity. */
  title: string;
  message: string;
  stack: string;
  traceId: string;
  spanId: string;
}

export interface SamplingInfo {
  /** Requests decoded. */
  decoded: number;
  /** Of those, decoded from the error budget (their errors only). */
  decodedForErrors: number;
  /** Requests skipped by the budget. */
  skippedRate: number;
  skippedSize: number;
  /** Items per second while watched. */
  perSecond: number;
}

interface TraceEntry {
  traceId: string;
  spans: SpanView[];
  truncated: number;
  receivedAt: number;
  /** Estimated heap held by its spans (and the resources they point at). */
  bytes: number;
}

const KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['UNSET', 'OK', 'ERROR'] as const;
const SEVERITY_ERROR = 17; // https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber
const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** The record's own severity text, else the name of its severity number's range (17 → ERROR). */
export function severityName(text: string, n: number): string {
  if (text) return text;
  return n >= 1 && n <= 24 ? SEVERITY_NAMES[Math.floor((n - 1) / 4)]! : '';
}

const hex = (b: Uint8Array | null | undefined): string => (b && b.byteLength > 0 ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex') : '');
const ms = (ns: bigint): number => Number(ns / 1000n) / 1000;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // A copy, not a slice, which keeps its whole original alive; "..." not "…", which makes the whole string two bytes a character.
  return Buffer.from(`${text.slice(0, max)}... (${text.length - max} more characters)`, 'utf8').toString('utf8');
}

/** An attribute value as the page shows it: text, arrays and maps as JSON, bytes as base64. */
export function showValue(v: AttrValue, max: number = LIMITS.valueChars): string {
  const plain = (x: AttrValue): unknown => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Uint8Array) return `base64:${Buffer.from(x).toString('base64')}`;
    if (Array.isArray(x)) return x.map(plain);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, plain(y)]));
    return x;
  };
  if (typeof v === 'string') return cut(v, max);
  if (v === undefined) return '';
  const p = plain(v);
  return cut(typeof p === 'string' ? p : JSON.stringify(p), max);
}

function attributes(kvs: readonly KeyValue[] | null | undefined, max: number = LIMITS.attributes): Attributes {
  const out: Attributes = Object.create(null) as Attributes;
  if (!kvs) return out;
  let n = 0;
  for (const kv of kvs) {
    if (n++ >= max) {
      out['…'] = `${kvs.length - max} more attributes not kept`;
      break;
    }
    if (!(kv.key in out)) out[kv.key] = showValue(attrValue(kv.value)); // a repeated key: the first wins, as in attrMap
  }
  return out;
}

function serviceOf(resource: Resource | null): string {
  const kv = resource?.attributes.find((a) => a.key === 'service.name');
  const name = kv?.value?.stringValue?.trim();
  return name ? name : 'unknown_service';
}

/** The ring of recent data, with the item-budgeted sampler in front of it. */
export class RecentData {
  readonly #traces = new Map<string, TraceEntry>();
  #spanCount = 0;
  #traceBytes = 0;
  readonly #logs: LogView[] = [];
  readonly #logSizes: number[] = [];
  #logBytes = 0;
  readonly #errors: ErrorView[] = [];
  readonly #pending: Array<{ signal: Signal; bytes: Uint8Array; onlyErrors: boolean }> = [];
  readonly #sampling: SamplingSettings;
  /** IDLE_SAMPLING and ERROR_SAMPLING, never above the settings (0 turns the sampler off). */
  readonly #idle: SamplingSettings;
  readonly #forErrors: SamplingSettings;
  readonly #now: () => number;
  readonly #budget: ItemBucket;
  readonly #errorBudget: ItemBucket;
  #scheduled = false;
  #seq = 0;
  #watchedAt = -Infinity;
  /** Shrinks the ring to IDLE_LIMITS once the page stops being watched, even with no traffic to trigger it. */
  #shrinkTimer: NodeJS.Timeout | undefined;
  readonly #info = { decoded: 0, decodedForErrors: 0, skippedRate: 0, skippedSize: 0 };

  constructor(sampling: SamplingSettings = DEFAULT_SAMPLING, now: () => number = Date.now) {
    this.#sampling = sampling;
    const atMost = (s: SamplingSettings): SamplingSettings => ({ perSecond: Math.min(s.perSecond, sampling.perSecond), burst: Math.min(s.burst, sampling.burst) });
    this.#idle = atMost(IDLE_SAMPLING);
    this.#forErrors = atMost(ERROR_SAMPLING);
    this.#now = now;
    this.#budget = new ItemBucket(this.#idle.burst, now());
    this.#errorBudget = new ItemBucket(this.#forErrors.burst, now());
  }

  /** Changes whenever the ring does: the page refreshes when it moves. */
  get seq(): number {
    return this.#seq;
  }

  get sampling(): SamplingInfo {
    return { ...this.#info, perSecond: this.#sampling.perSecond };
  }

  /** The ring's estimated heap, in bytes (the figure its byte limits apply to). */
  get heldBytes(): { traces: number; logs: number } {
    return { traces: this.#traceBytes, logs: this.#logBytes };
  }

  /** The hot-path tap: keeps a reference to an accepted request if the item budget allows; decodes later. */
  offer(signal: Signal, bytes: Uint8Array, items: number): void {
    if (signal === 'metrics') return; // the page shows traces and logs only
    if (bytes.byteLength > LIMITS.requestBytes) {
      this.#info.skippedSize++;
      return;
    }
    if (this.#pending.length >= LIMITS.pending) {
      this.#info.skippedRate++;
      return;
    }
    const now = this.#now();
    let onlyErrors = false;
    // Unwatched, decode at a trickle: the page still has recent data when opened, and a busy relay pays almost nothing.
    if (this.#budget.ready(now, this.#isWatched(now) ? this.#sampling : this.#idle)) this.#budget.spend(items);
    else if (this.#errorBudget.ready(now, this.#forErrors) && mayHoldErrors(signal, bytes)) {
      this.#errorBudget.spend(items);
      onlyErrors = true;
    } else {
      this.#info.skippedRate++;
      return;
    }
    this.#pending.push({ signal, bytes, onlyErrors });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Decodes what is pending (tests call it to skip the wait). */
  flush(): void {
    this.#scheduled = false;
    for (const p of this.#pending.splice(0)) {
      try {
        this.record(p.signal, p.bytes, p.onlyErrors);
      } catch {
        // the receiver validated these bytes; a decode failure here must never reach the request path
      }
    }
  }

  /** Someone is looking at the page (an /api call): sample at the full rate, and keep more, for a while. */
  watched(): void {
    this.#watchedAt = this.#now();
    if (this.#shrinkTimer) this.#shrinkTimer.refresh();
    else this.#shrinkTimer = setTimeout(() => this.#shrink(), WATCH_WINDOW_MS + 1000).unref();
  }

  #isWatched(now: number): boolean {
    return now - this.#watchedAt < WATCH_WINDOW_MS;
  }

  #limits(): RingLimits {
    return this.#isWatched(this.#now()) ? LIMITS : IDLE_LIMITS;
  }

  #shrink(): void {
    if (this.#isWatched(this.#now())) return;
    this.#evict(IDLE_LIMITS);
    this.#trimLogs(IDLE_LIMITS);
    if (this.#errors.length > IDLE_LIMITS.errors) this.#errors.splice(0, this.#errors.length - IDLE_LIMITS.errors);
    this.#seq++;
  }

  /** Decodes one request into the ring, now, with no budget; `onlyErrors`: keeps only error records and the traces of error spans. */
  record(signal: Signal, bytes: Uint8Array, onlyErrors = false): void {
    if (signal === 'traces') this.#recordTraces(bytes, onlyErrors);
    else if (signal === 'logs') this.#recordLogs(bytes, onlyErrors);
    else return;
    this.#info.decoded++;
    if (onlyErrors) this.#info.decodedForErrors++;
    this.#seq++;
  }

  #recordTraces(bytes: Uint8Array, onlyErrors: boolean): void {
    const req = decodeRequest('traces', bytes);
    const receivedAt = this.#now();
    const limits = this.#limits();
    // Only errors: the traces (as far as this request holds them) of its error spans.
    let keep: Set<string> | undefined;
    if (onlyErrors) {
      keep = new Set();
      for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) if (isErrorSpan(span)) keep.add(hex(span.traceId));
    }
    for (const rs of req.resourceSpans) {
      const service = serviceOf(rs.resource);
      const resource = attributes(rs.resource?.attributes, 32);
      // The spans of one resource share its attributes object: charge it once per trace it lands in.
      const charged = new Set<TraceEntry>();
      const resourceBytes = sizeOf(resource);
      for (const ss of rs.scopeSpans) {
        const scope = ss.scope?.name ?? '';
        for (const span of ss.spans) {
          if (keep && !keep.has(hex(span.traceId))) continue;
          this.#addSpan(spanView(span, service, scope, resource), receivedAt, resourceBytes, charged, limits);
        }
      }
    }
    this.#evict(limits);
  }

  #addSpan(view: SpanView, receivedAt: number, resourceBytes: number, charged: Set<TraceEntry>, limits: RingLimits): void {
    let entry = this.#traces.get(view.traceId);
    if (entry) this.#traces.delete(view.traceId); // re-insert: Map order is recency
    else entry = { traceId: view.traceId, spans: [], truncated: 0, receivedAt, bytes: 0 };
    entry.receivedAt = receivedAt;
    this.#traces.set(view.traceId, entry);
    let size = SPAN_BYTES + charBytes(view.name) + charBytes(view.status.message) + sizeOf(view.attributes);
    for (const e of view.events) size += EVENT_BYTES + charBytes(e.name) + sizeOf(e.attributes);
    if (!charged.has(entry)) size += resourceBytes;
    if (entry.spans.length >= LIMITS.spansPerTrace || entry.bytes + size > limits.perTraceBytes) entry.truncated++;
    else {
      entry.spans.push(view);
      charged.add(entry);
      entry.bytes += size;
      this.#traceBytes += size;
      this.#spanCount++;
    }
    if (view.error) {
      const exception = view.events.find((e) => e.name === 'exception');
      this.#pushError({
        kind: 'span',
        timeMs: view.startMs,
        service: view.service,
        title: exception?.attributes['exception.type'] || view.name,
        message: exception?.attributes['exception.message'] || view.status.message || 'span status ERROR',
        stack: cut(exception?.attributes['exception.stacktrace'] ?? '', LIMITS.stackChars),
        traceId: view.traceId,
        spanId: view.spanId,
      });
    }
  }

  #evict(limits: RingLimits): void {
    for (const [id, entry] of this.#traces) {
      if (this.#traces.size <= limits.traces && this.#spanCount <= limits.spans && this.#traceBytes <= limits.traceBytes) break;
      this.#traces.delete(id);
      this.#spanCount -= entry.spans.length;
      this.#traceBytes -= entry.bytes;
    }
  }

  #pushError(e: ErrorView): void {
    this.#errors.push(e);
    const { errors } = this.#limits();
    while (this.#errors.length > errors) this.#errors.shift();
  }

  #recordLogs(bytes: Uint8Array, onlyErrors: boolean): void {
    const req = decodeRequest('logs', bytes);
    const limits = this.#limits();
    for (const rl of req.resourceLogs) {
      const service = serviceOf(rl.resource);
      for (const sl of rl.scopeLogs) {
        for (const rec of sl.logRecords) {
          const view = logView(rec, service);
          if (!onlyErrors || view.error) this.#addLog(view, limits);
        }
      }
    }
  }

  #trimLogs(limits: RingLimits): void {
    while (this.#logs.length > 1 && (this.#logs.length > limits.logs || this.#logBytes > limits.logBytes)) {
      this.#logs.shift();
      this.#logBytes -= this.#logSizes.shift() ?? 0;
    }
  }

  #addLog(view: LogView, limits: RingLimits): void {
    const size = LOG_BYTES + charBytes(view.body) + sizeOf(view.attributes);
    this.#logs.push(view);
    this.#logSizes.push(size);
    this.#logBytes += size;
    this.#trimLogs(limits);
    if (!view.error) return;
    this.#pushError({
      kind: 'log',
      timeMs: view.timeMs,
      service: view.service,
      title: view.attributes['exception.type'] || view.severityText || `severity ${view.severityNumber}`,
      message: view.attributes['exception.message'] || view.body,
      stack: cut(view.attributes['exception.stacktrace'] ?? '', LIMITS.stackChars),
      traceId: view.traceId,
      spanId: view.spanId,
    });
  }

  /** Every service seen in what the ring holds, sorted. */
  services(): string[] {
    const set = new Set<string>();
    for (const t of this.#traces.values()) for (const s of t.spans) set.add(s.service);
    for (const l of this.#logs) set.add(l.service);
    return [...set].sort();
  }

  /** Most recent first; `service` keeps traces with a span of that service. */
  traces(service?: string, limit = 100): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const t of [...this.#traces.values()].reverse()) {
      if (service && !t.spans.some((s) => s.service === service)) continue;
      out.push(summarize(t));
      if (out.length >= limit) break;
    }
    return out;
  }

  trace(traceId: string): { summary: TraceSummary; spans: SpanView[] } | undefined {
    const t = this.#traces.get(traceId);
    if (!t) return undefined;
    return { summary: summarize(t), spans: [...t.spans].sort((a, b) => a.startMs - b.startMs) };
  }

  /** Most recent first. */
  logs(service?: string, limit = 200): LogView[] {
    return latest(this.#logs, service, limit);
  }

  /** Most recent first. */
  errors(service?: string, limit = 100): ErrorView[] {
    return latest(this.#errors, service, limit);
  }
}

function latest<T extends { service: string }>(ring: readonly T[], service: string | undefined, limit: number): T[] {
  const out: T[] = [];
  for (let i = ring.length - 1; i >= 0 && out.length < limit; i--) {
    const item = ring[i]!;
    if (!service || item.service === service) out.push(item);
  }
  return out;
}

function summarize(t: TraceEntry): TraceSummary {
  let start = Infinity;
  let end = -Infinity;
  let errors = 0;
  const services = new Set<string>();
  const ids = new Set(t.spans.map((s) => s.spanId));
  let root: SpanView | undefined;
  for (const s of t.spans) {
    start = Math.min(start, s.startMs);
    end = Math.max(end, s.startMs + s.durationMs);
    if (s.error) errors++;
    services.add(s.service);
    // The root, or the earliest span whose parent is not here (a trace still arriving).
    const isTop = s.parentSpanId === '' || !ids.has(s.parentSpanId);
    if (isTop && (!root || (root.parentSpanId !== '' && s.parentSpanId === '') || (s.parentSpanId === root.parentSpanId && s.startMs < root.startMs))) root = s;
  }
  return {
    traceId: t.traceId,
    rootName: root?.name ?? '',
    services: [...services],
    startMs: Number.isFinite(start) ? start : 0,
    durationMs: Number.isFinite(end - start) ? end - start : 0,
    spans: t.spans.length,
    errors,
    truncated: t.truncated,
    receivedAt: t.receivedAt,
  };
}

function isErrorSpan(span: Span): boolean {
  return span.status?.code === 2 || span.events.some((e) => e.name === 'exception');
}

function spanView(span: Span, service: string, scope: string, resource: Attributes): SpanView {
  const startMs = ms(span.startTimeUnixNano);
  const code = STATUS[span.status?.code ?? 0] ?? 'UNSET';
  const events = span.events.slice(0, LIMITS.events).map((e) => ({ name: e.name, timeMs: ms(e.timeUnixNano), attributes: attributes(e.attributes) }));
  return {
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    parentSpanId: hex(span.parentSpanId),
    name: cut(span.name, 256),
    service,
    kind: KIND[span.kind] ?? String(span.kind),
    scope,
    startMs,
    durationMs: Math.max(0, ms(span.endTimeUnixNano) - startMs),
    status: { code, message: cut(span.status?.message ?? '', LIMITS.valueChars) },
    error: isErrorSpan(span),
    attributes: attributes(span.attributes),
    resource,
    events,
  };
}

function logView(rec: LogRecord, service: string): LogView {
  const attrs = attributes(rec.attributes);
  const timeNs = rec.timeUnixNano > 0n ? rec.timeUnixNano : rec.observedTimeUnixNano;
  return {
    timeMs: ms(timeNs),
    service,
    severityNumber: rec.severityNumber,
    severityText: severityName(rec.severityText, rec.severityNumber),
    body: showValue(attrValue(rec.body), LIMITS.bodyChars),
    error: rec.severityNumber >= SEVERITY_ERROR || Object.keys(attrs).some((k) => k.startsWith('exception.')),
    traceId: hex(rec.traceId),
    spanId: hex(rec.spanId),
    attributes: attrs,
  };
}
