/**
 * OTLP log records → CloudWatch Logs events. Pure: no I/O, no clock (the caller passes receive time).
 *
 * Default: one JSON object per record, so Logs Insights finds every field and can correlate with
 * X-Ray through `trace_id`:
 *   {"body": …, "severity_text": "ERROR", "severity_number": 17, "attributes": {…}, "resource": {…},
 *    "scope": {"name": …, "version": …}, "trace_id": "<32 hex>", "span_id": "<16 hex>", …}
 * Empty fields are left out. Structured bodies stay JSON; int64 beyond 2^53 and non-finite doubles
 * become strings (never silently rounded or null); bytes become base64.
 * `raw: true` sends the body alone (structured bodies as JSON text); a record with an empty body then
 * has nothing to send and is dropped and counted, as CloudWatch Logs refuses empty messages.
 */
import { attrMap, attrValue, type AttrMap, type AttrValue } from '../../otlp/attributes.ts';
import type { ExportLogsServiceRequest, LogRecord } from '../../otlp/types.ts';
import { cutUtf8, MARKER_BYTES, TRUNCATION_MARKER, utf8Bytes, type LogEvent } from './batcher.ts';
import { EVENT_OVERHEAD_BYTES } from './limits.ts';
import type { NameTemplate } from './names.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface EventOptions {
  raw: boolean;
  group: NameTemplate;
  stream: NameTemplate;
  /** This relay's id, for `{relay.instance}`. */
  instance: string;
  /** Receive time in ms: the timestamp of records that carry none. */
  receivedAt: number;
  /** Largest event (message bytes + 26): a JSON event over it has its string body cut first, keeping the JSON valid. */
  maxEventBytes: number;
}

export interface ConvertedEvents {
  events: LogEvent[];
  /** Records with nothing to send (raw mode, empty body). */
  empty: number;
}

const NS_PER_MS = 1_000_000n;

/** The record's time, else its observed time, else receive time; in ms (CloudWatch's precision). */
export function eventTimestamp(record: Pick<LogRecord, 'timeUnixNano' | 'observedTimeUnixNano'>, receivedAt: number): number {
  if (record.timeUnixNano > 0n) return Number(record.timeUnixNano / NS_PER_MS);
  if (record.observedTimeUnixNano > 0n) return Number(record.observedTimeUnixNano / NS_PER_MS);
  return receivedAt;
}

/** Any attribute value as JSON. */
export function toJson(v: AttrValue): JsonValue {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toJson);
  return mapToJson(v);
}

/** A null-prototype object, so a `__proto__` attribute key stays plain data. */
function mapToJson(map: AttrMap): { [key: string]: JsonValue } {
  const out = Object.create(null) as { [key: string]: JsonValue };
  for (const [k, x] of Object.entries(map)) out[k] = toJson(x);
  return out;
}

function hex(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || bytes.every((b) => b === 0)) return undefined;
  return Buffer.from(bytes).toString('hex');
}

/** The body as raw text: strings as they are, other values as JSON. */
function rawText(body: AttrValue): string {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  return JSON.stringify(toJson(body));
}

interface RecordContext {
  resource: { [key: string]: JsonValue };
  scope: { [key: string]: JsonValue } | undefined;
}

/** The JSON document for one record; fields in a fixed order, empty ones left out. */
export function recordDocument(record: LogRecord, ctx: RecordContext): { [key: string]: JsonValue } {
  const doc: { [key: string]: JsonValue } = {};
  const body = attrValue(record.body);
  if (body !== undefined) doc['body'] = toJson(body);
  if (record.severityText !== '') doc['severity_text'] = record.severityText;
  if (record.severityNumber !== 0) doc['severity_number'] = record.severityNumber;
  if (record.eventName !== '') doc['event_name'] = record.eventName;
  if (record.attributes.length > 0) doc['attributes'] = mapToJson(attrMap(record.attributes));
  if (Object.keys(ctx.resource).length > 0) doc['resource'] = ctx.resource;
  if (ctx.scope !== undefined) doc['scope'] = ctx.scope;
  const traceId = hex(record.traceId);
  const spanId = hex(record.spanId);
  if (traceId !== undefined) doc['trace_id'] = traceId;
  if (spanId !== undefined) doc['span_id'] = spanId;
  if (record.flags !== 0) doc['flags'] = record.flags;
  if (record.droppedAttributesCount !== 0) doc['dropped_attributes_count'] = record.droppedAttributesCount;
  return doc;
}

/**
 * The JSON message, with a too-long string body cut (marker appended) so the event fits and stays
 * valid JSON. Cutting n UTF-8 bytes of the body shortens the JSON by at least n (escaping only adds).
 */
function jsonMessage(doc: { [key: string]: JsonValue }, maxEventBytes: number): { message: string; truncated: boolean } {
  const message = JSON.stringify(doc);
  const over = utf8Bytes(message) + EVENT_OVERHEAD_BYTES - maxEventBytes;
  const body = doc['body'];
  if (over <= 0 || typeof body !== 'string') return { message, truncated: false };
  const keep = utf8Bytes(body) - over - MARKER_BYTES;
  if (keep <= 0) return { message, truncated: false }; // the rest of the document is too big: the batcher cuts the text
  const cut = JSON.stringify({ ...doc, body: cutUtf8(body, keep) + TRUNCATION_MARKER });
  return { message: cut, truncated: true };
}

function scopeDocument(scope: { name: string; version: string; attributes: LogRecord['attributes'] } | null): { [key: string]: JsonValue } | undefined {
  if (scope === null || (scope.name === '' && scope.version === '' && scope.attributes.length === 0)) return undefined;
  const out: { [key: string]: JsonValue } = {};
  if (scope.name !== '') out['name'] = scope.name;
  if (scope.version !== '') out['version'] = scope.version;
  if (scope.attributes.length > 0) out['attributes'] = mapToJson(attrMap(scope.attributes));
  return out;
}

/** Every log record of a decoded request as an event for its (group, stream). */
export function toEvents(request: ExportLogsServiceRequest, opts: EventOptions): ConvertedEvents {
  const out: ConvertedEvents = { events: [], empty: 0 };
  for (const rl of request.resourceLogs) {
    const attrs = attrMap(rl.resource?.attributes);
    const group = opts.group.render(attrs, opts.instance);
    const stream = opts.stream.render(attrs, opts.instance);
    const resource = mapToJson(attrs);
    for (const sl of rl.scopeLogs) {
      const scope = opts.raw ? undefined : scopeDocument(sl.scope);
      for (const record of sl.logRecords) {
        const timestamp = eventTimestamp(record, opts.receivedAt);
        if (opts.raw) {
          const message = rawText(attrValue(record.body)).toWellFormed();
          if (message === '') out.empty++;
          else out.events.push({ group, stream, timestamp, message });
          continue;
        }
        const { message, truncated } = jsonMessage(recordDocument(record, { resource, scope }), opts.maxEventBytes);
        out.events.push(truncated ? { group, stream, timestamp, message, truncated } : { group, stream, timestamp, message });
      }
    }
  }
  return out;
}
