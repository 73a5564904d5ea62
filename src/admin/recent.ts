/**
 * A bounded sample of recently accepted spans and log records, for the status page. The receive path
 * only hands over a reference to bytes it already holds (O(1)); decoding happens later, off the
 * request, and only for requests the rate cap lets through, so a busy relay pays a fixed cost.
 */
import { attrValue, type AttrValue } from '../otlp/attributes.ts';
import { decodeRequest } from '../otlp/codec.ts';
import type { KeyValue, LogRecord, Resource, Span } from '../otlp/types.ts';
import type { Signal } from '../otlp/signal.ts';

/** Memory bounds: everything the ring holds is capped by these. */
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

/** Rough heap cost of a kept value: its characters plus a per-entry overhead for the object and strings. */
const ENTRY_OVERHEAD = 48;

function sizeOf(attrs: Attributes): number {
  let n = 0;
  for (const k in attrs) n += k.length + (attrs[k]?.length ?? 0) + ENTRY_OVERHEAD;
  return n;
}

export interface SamplingSettings {
  /** Requests decoded per second, on average (a token bucket). */
  perSecond: number;
  /** The bucket's size: a burst of this many is decoded at once. */
  burst: number;
}

export const DEFAULT_SAMPLING: SamplingSettings = { perSecond: 20, burst: 40 };

/** Requests decoded per second while nobody has looked at the page within WATCH_WINDOW_MS. */
export const IDLE_PER_SECOND = 1;
export const WATCH_WINDOW_MS = 60_000;

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
  decoded: number;
  skippedRate: number;
  skippedSize: number;
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
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
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
    out[kv.key] = showValue(attrValue(kv.value));
  }
  return out;
}

function serviceOf(resource: Resource | null): string {
  const kv = resource?.attributes.find((a) => a.key === 'service.name');
  const name = kv?.value?.stringValue?.trim();
  return name ? name : 'unknown_service';
}

/** The ring of recent data, with the rate-capped sampler in front of it. */
export class RecentData {
  readonly #traces = new Map<string, TraceEntry>();
  #spanCount = 0;
  #traceBytes = 0;
  readonly #logs: LogView[] = [];
  readonly #logSizes: number[] = [];
  #logBytes = 0;
  readonly #errors: ErrorView[] = [];
  readonly #pending: Array<{ signal: Signal; bytes: Uint8Array }> = [];
  readonly #sampling: SamplingSettings;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  #scheduled = false;
  #seq = 0;
  #watchedAt = -Infinity;
  readonly #info = { decoded: 0, skippedRate: 0, skippedSize: 0 };

  constructor(sampling: SamplingSettings = DEFAULT_SAMPLING, now: () => number = Date.now) {
    this.#sampling = sampling;
    this.#now = now;
    this.#tokens = sampling.burst;
    this.#refilledAt = now();
  }

  /** Changes whenever the ring does: the page refreshes when it moves. */
  get seq(): number {
    return this.#seq;
  }

  get sampling(): SamplingInfo {
    return { ...this.#info, perSecond: this.#sampling.perSecond };
  }

  /** The hot-path tap: keeps a reference to an accepted request if the rate cap allows; decodes later. */
  offer(signal: Signal, bytes: Uint8Array, _items: number): void {
    if (signal === 'metrics') return; // the page shows traces and logs only
    if (bytes.byteLength > LIMITS.requestBytes) {
      this.#info.skippedSize++;
      return;
    }
    if (!this.#take() || this.#pending.length >= LIMITS.pending) {
      this.#info.skippedRate++;
      return;
    }
    this.#pending.push({ signal, bytes });
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
        this.record(p.signal, p.bytes);
      } catch {
        // the receiver validated these bytes; a decode failure here must never reach the request path
      }
    }
  }

  /** Someone is looking at the page (an /api call): sample at the full rate for a while. */
  watched(): void {
    this.#watchedAt = this.#now();
  }

  #take(): boolean {
    const now = this.#now();
    const { burst } = this.#sampling;
    // Unwatched, decode at a trickle: the page still has recent data when opened, and a busy relay pays almost nothing.
    const perSecond = now - this.#watchedAt < WATCH_WINDOW_MS ? this.#sampling.perSecond : Math.min(IDLE_PER_SECOND, this.#sampling.perSecond);
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) / 1000) * perSecond);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Decodes one request into the ring, now, with no rate cap. */
  record(signal: Signal, bytes: Uint8Array): void {
    if (signal === 'traces') this.#recordTraces(bytes);
    else if (signal === 'logs') this.#recordLogs(bytes);
    else return;
    this.#info.decoded++;
    this.#seq++;
  }

  #recordTraces(bytes: Uint8Array): void {
    const req = decodeRequest('traces', bytes);
    const receivedAt = this.#now();
    for (const rs of req.resourceSpans) {
      const service = serviceOf(rs.resource);
      const resource = attributes(rs.resource?.attributes, 32);
      // The spans of one resource share its attributes object: charge it once per trace it lands in.
      const charged = new Set<TraceEntry>();
      const resourceBytes = sizeOf(resource);
      for (const ss of rs.scopeSpans) {
        const scope = ss.scope?.name ?? '';
        for (const span of ss.spans) this.#addSpan(spanView(span, service, scope, resource), receivedAt, resourceBytes, charged);
      }
    }
    this.#evict();
  }

  #addSpan(view: SpanView, receivedAt: number, resourceBytes: number, charged: Set<TraceEntry>): void {
    let entry = this.#traces.get(view.traceId);
    if (entry) this.#traces.delete(view.traceId); // re-insert: Map order is recency
    else entry = { traceId: view.traceId, spans: [], truncated: 0, receivedAt, bytes: 0 };
    entry.receivedAt = receivedAt;
    this.#traces.set(view.traceId, entry);
    let size = 200 + view.name.length + view.status.message.length + sizeOf(view.attributes);
    for (const e of view.events) size += ENTRY_OVERHEAD + e.name.length + sizeOf(e.attributes);
    if (!charged.has(entry)) size += resourceBytes;
    if (entry.spans.length >= LIMITS.spansPerTrace || entry.bytes + size > LIMITS.perTraceBytes) entry.truncated++;
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

  #evict(): void {
    for (const [id, entry] of this.#traces) {
      if (this.#traces.size <= LIMITS.traces && this.#spanCount <= LIMITS.spans && this.#traceBytes <= LIMITS.traceBytes) break;
      this.#traces.delete(id);
      this.#spanCount -= entry.spans.length;
      this.#traceBytes -= entry.bytes;
    }
  }

  #pushError(e: ErrorView): void {
    this.#errors.push(e);
    if (this.#errors.length > LIMITS.errors) this.#errors.shift();
  }

  #recordLogs(bytes: Uint8Array): void {
    const req = decodeRequest('logs', bytes);
    for (const rl of req.resourceLogs) {
      const service = serviceOf(rl.resource);
      for (const sl of rl.scopeLogs) for (const rec of sl.logRecords) this.#addLog(logView(rec, service));
    }
  }

  #addLog(view: LogView): void {
    const size = 150 + view.body.length + sizeOf(view.attributes);
    this.#logs.push(view);
    this.#logSizes.push(size);
    this.#logBytes += size;
    while (this.#logs.length > 1 && (this.#logs.length > LIMITS.logs || this.#logBytes > LIMITS.logBytes)) {
      this.#logs.shift();
      this.#logBytes -= this.#logSizes.shift() ?? 0;
    }
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
    error: code === 'ERROR' || span.events.some((e) => e.name === 'exception'),
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
