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

/**
 * Attributes as JSON in one pass (what mapToJson(attrMap(…)) gives: the first value of a repeated key),
 * in an ordinary object, which JSON.stringify writes faster than a null-prototype one.
 */
function attributesJson(keyValues: LogRecord['attributes']): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const kv of keyValues) {
    // A repeated key: the first value wins, as in attrMap (hasOwn: an ordinary object inherits `toString` & co.).
    if (Object.hasOwn(out, kv.key)) continue;
    const value = toJson(attrValue(kv.value));
    // Assignment would set the prototype: define it as plain data, as the null-prototype object held it.
    if (kv.key === '__proto__') Object.defineProperty(out, kv.key, { value, enumerable: true, writable: true, configurable: true });
    else out[kv.key] = value;
  }
  return out;
}

/** Hex digit character codes. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** 8 bytes from `at` as 16 hex digits, in one string creation (a Buffer per id costs several times more). */
function hex8(b: Uint8Array, at: number): string {
  const b0 = b[at]!, b1 = b[at + 1]!, b2 = b[at + 2]!, b3 = b[at + 3]!, b4 = b[at + 4]!, b5 = b[at + 5]!, b6 = b[at + 6]!, b7 = b[at + 7]!;
  return String.fromCharCode(
    HEX[b0 >> 4]!, HEX[b0 & 15]!, HEX[b1 >> 4]!, HEX[b1 & 15]!, HEX[b2 >> 4]!, HEX[b2 & 15]!, HEX[b3 >> 4]!, HEX[b3 & 15]!,
    HEX[b4 >> 4]!, HEX[b4 & 15]!, HEX[b5 >> 4]!, HEX[b5 & 15]!, HEX[b6 >> 4]!, HEX[b6 & 15]!, HEX[b7 >> 4]!, HEX[b7 & 15]!,
  );
}

/** An id as hex; undefined for no bytes or all zero bytes (no id). */
function hex(bytes: Uint8Array): string | undefined {
  let zero = true;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) zero = false;
  if (zero) return undefined;
  if (bytes.length === 8) return hex8(bytes, 0); // span ids
  if (bytes.length === 16) return hex8(bytes, 0) + hex8(bytes, 8); // trace ids
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The body as raw text: strings as they are, other values as JSON. */
function rawText(body: AttrValue): string {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  return JSON.stringify(toJson(body));
}

/** What every record of one resource and scope shares, as JSON text written once. */
interface RecordContext {
  /** `"resource":{…}`, or '' for a resource without attributes. */
  resource: string;
  /** `"scope":{…}`, or ''. */
  scope: string;
}

/**
 * The JSON document for one record, as JSON.stringify would write it: fields in a fixed order, empty
 * ones left out. `body` is the body as JSON (undefined: none); the shared parts are spliced in as text.
 */
function recordJson(record: LogRecord, body: JsonValue | undefined, ctx: RecordContext): string {
  const fields: string[] = [];
  if (body !== undefined) fields.push(`"body":${JSON.stringify(body)}`);
  if (record.severityText !== '') fields.push(`"severity_text":${JSON.stringify(record.severityText)}`);
  if (record.severityNumber !== 0) fields.push(`"severity_number":${record.severityNumber}`);
  if (record.eventName !== '') fields.push(`"event_name":${JSON.stringify(record.eventName)}`);
  if (record.attributes.length > 0) fields.push(`"attributes":${JSON.stringify(attributesJson(record.attributes))}`);
  if (ctx.resource !== '') fields.push(ctx.resource);
  if (ctx.scope !== '') fields.push(ctx.scope);
  const traceId = hex(record.traceId);
  if (traceId !== undefined) fields.push(`"trace_id":"${traceId}"`);
  const spanId = hex(record.spanId);
  if (spanId !== undefined) fields.push(`"span_id":"${spanId}"`);
  if (record.flags !== 0) fields.push(`"flags":${record.flags}`);
  if (record.droppedAttributesCount !== 0) fields.push(`"dropped_attributes_count":${record.droppedAttributesCount}`);
  return `{${fields.join(',')}}`;
}

/**
 * The JSON message, with a too-long string body cut (marker appended) so the event fits and stays
 * valid JSON. Cutting n UTF-8 bytes of the body shortens the JSON by at least n (escaping only adds).
 */
function jsonMessage(record: LogRecord, ctx: RecordContext, maxEventBytes: number): { message: string; truncated: boolean } {
  const raw = attrValue(record.body);
  const body = raw === undefined ? undefined : toJson(raw);
  const message = recordJson(record, body, ctx);
  // A UTF-16 unit is at most 3 UTF-8 bytes: most messages are far under the limit and skip the count.
  if (message.length * 3 + EVENT_OVERHEAD_BYTES <= maxEventBytes) return { message, truncated: false };
  const over = utf8Bytes(message) + EVENT_OVERHEAD_BYTES - maxEventBytes;
  if (over <= 0 || typeof body !== 'string') return { message, truncated: false };
  const keep = utf8Bytes(body) - over - MARKER_BYTES;
  if (keep <= 0) return { message, truncated: false }; // the rest of the document is too big: the batcher cuts the text
  return { message: recordJson(record, cutUtf8(body, keep) + TRUNCATION_MARKER, ctx), truncated: true };
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
    const resource = opts.raw || Object.keys(attrs).length === 0 ? '' : `"resource":${JSON.stringify(mapToJson(attrs))}`;
    for (const sl of rl.scopeLogs) {
      const scope = opts.raw ? undefined : scopeDocument(sl.scope);
      const ctx: RecordContext = { resource, scope: scope === undefined ? '' : `"scope":${JSON.stringify(scope)}` };
      for (const record of sl.logRecords) {
        const timestamp = eventTimestamp(record, opts.receivedAt);
        if (opts.raw) {
          const message = rawText(attrValue(record.body)).toWellFormed();
          if (message === '') out.empty++;
          else out.events.push({ group, stream, timestamp, message });
          continue;
        }
        const { message, truncated } = jsonMessage(record, ctx, opts.maxEventBytes);
        out.events.push(truncated ? { group, stream, timestamp, message, truncated } : { group, stream, timestamp, message });
      }
    }
  }
  return out;
}
