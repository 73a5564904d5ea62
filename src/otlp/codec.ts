/** Full codecs for the slow paths; decoded 64-bit integers are bigint so nanosecond timestamps stay exact. */
import type { IConversionOptions, Message } from 'protobufjs';
import { decodeLogs, decodeTraces } from './decode.ts';
import { OtlpDecodeError } from './errors.ts';
import { jsonPlan, jsonToMessageInput, printMessage } from './json.ts';
import { REJECTED_FIELD, RESOURCE_FIELD, requestType, responseType, retryInfoType, statusType } from './schema.ts';
import { type Signal } from './signal.ts';
import type { ExportRequest, ExportRequestInput } from './types.ts';

export type { ExportRequest, ExportRequestInput } from './types.ts';
import { logRecordProblem, spanProblem } from './validity.ts';
import { scanRequest } from './wire.ts';

export type WireFormat = 'protobuf' | 'json';

/** protobufjs toObject options that produce the documented decoded shape (types.ts). */
const DECODED_SHAPE: IConversionOptions = { longs: BigInt, defaults: true, arrays: true };

function decodeMessage(signal: Signal, bytes: Uint8Array): Message {
  // The wire walker is strict (wire types, varints, depth) where protobufjs is lenient; it is also much cheaper.
  scanRequest(signal, bytes);
  try {
    return requestType(signal).decode(bytes);
  } catch (e) {
    throw new OtlpDecodeError(`invalid protobuf: ${(e as Error).message}`);
  }
}

/** Full decode into the types.ts shape (ids may share memory with `bytes`); throws OtlpDecodeError. */
export function decodeRequest<S extends Signal>(signal: S, bytes: Uint8Array): ExportRequest<S> {
  if (signal === 'metrics') {
    const message = decodeMessage(signal, bytes);
    return requestType(signal).toObject(message, DECODED_SHAPE) as unknown as ExportRequest<S>;
  }
  // Traces and logs: the hand-written decoder (decode.ts), same shape as protobufjs at a fraction of the cost.
  scanRequest(signal, bytes);
  try {
    return (signal === 'traces' ? decodeTraces(bytes) : decodeLogs(bytes)) as ExportRequest<S>;
  } catch (e) {
    throw new OtlpDecodeError(`invalid protobuf: ${(e as Error).message}`);
  }
}

/** Encodes a request from the decoded shape; any field may be omitted, 64-bit integers may be bigint/number/string. */
export function encodeRequest<S extends Signal>(signal: S, message: ExportRequestInput<S> | ExportRequest<S>): Uint8Array {
  const t = requestType(signal);
  // fromObject converts bigint to Long; the encoder alone would silently write 0 for a bigint.
  return t.encode(t.fromObject(message as Record<string, unknown>)).finish();
}

// ---- dropping invalid items ----

interface RawSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
}
interface RawLogRecord {
  traceId: Uint8Array;
  spanId: Uint8Array;
}
interface RawDataPoints {
  dataPoints: unknown[];
}
interface RawMetric {
  name: string;
  gauge?: RawDataPoints | null;
  sum?: RawDataPoints | null;
  histogram?: RawDataPoints | null;
  exponentialHistogram?: RawDataPoints | null;
  summary?: RawDataPoints | null;
}
interface RawScope {
  [items: string]: unknown;
}
interface RawResource {
  [scopes: string]: unknown;
}

function metricPoints(m: RawMetric): number {
  const data = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  return data?.dataPoints.length ?? 0;
}

const LAYOUT = {
  traces: { scopes: 'scopeSpans', items: 'spans' },
  logs: { scopes: 'scopeLogs', items: 'logRecords' },
  metrics: { scopes: 'scopeMetrics', items: 'metrics' },
} as const satisfies Record<Signal, { scopes: string; items: string }>;

/** Drops invalid items (scanRequest's rules) and the scopes/resources left empty; for the rare scan with invalid > 0. */
export function dropInvalid(signal: Signal, bytes: Uint8Array): { bytes: Uint8Array; rejected: number; reason?: string } {
  const t = requestType(signal);
  const message = decodeMessage(signal, bytes) as unknown as Record<string, RawResource[]>;
  const resourceKey = RESOURCE_FIELD[signal];
  const { scopes: scopeKey, items: itemKey } = LAYOUT[signal];
  let rejected = 0;
  let reason: string | undefined;
  const resources = message[resourceKey] ?? [];
  const keptResources: RawResource[] = [];
  resources.forEach((resource, ri) => {
    const scopes = (resource[scopeKey] ?? []) as RawScope[];
    const keptScopes: RawScope[] = [];
    scopes.forEach((scope, si) => {
      const list = (scope[itemKey] ?? []) as unknown[];
      const kept: unknown[] = [];
      list.forEach((item, ii) => {
        let problem: string | undefined;
        let count = 1;
        if (signal === 'traces') {
          const s = item as RawSpan;
          problem = spanProblem(s.traceId, s.spanId, s.parentSpanId);
        } else if (signal === 'logs') {
          const l = item as RawLogRecord;
          problem = logRecordProblem(l.traceId, l.spanId);
        } else {
          const m = item as RawMetric;
          count = metricPoints(m);
          if (m.name === '' && count > 0) problem = `metric has an empty name (${count} data points)`;
        }
        if (problem === undefined) {
          kept.push(item);
          return;
        }
        rejected += count;
        reason ??= `${resourceKey}[${ri}].${scopeKey}[${si}].${itemKey}[${ii}]: ${problem}`;
      });
      if (kept.length === list.length) {
        keptScopes.push(scope);
      } else if (kept.length > 0) {
        scope[itemKey] = kept;
        keptScopes.push(scope);
      }
    });
    if (keptScopes.length === scopes.length) {
      keptResources.push(resource);
    } else if (keptScopes.length > 0) {
      resource[scopeKey] = keptScopes;
      keptResources.push(resource);
    }
  });
  message[resourceKey] = keptResources;
  const out = t.encode(message).finish();
  return reason === undefined ? { bytes: out, rejected } : { bytes: out, rejected, reason };
}

// ---- OTLP/JSON ----

/** Parses an OTLP/JSON request and encodes it as protobuf. Throws OtlpDecodeError naming the JSON path. */
export function jsonToProtobuf(signal: Signal, text: string): Uint8Array {
  const t = requestType(signal);
  const input = jsonToMessageInput(t, text);
  return t.encode(t.fromObject(input)).finish();
}

/** A decoded request (decodeRequest shape) as an OTLP/JSON object: hex ids, integer enums, int64 as strings. */
export function requestToJson<S extends Signal>(signal: S, message: ExportRequest<S>): Record<string, unknown> {
  return printMessage(jsonPlan(requestType(signal)), message as unknown as Record<string, unknown>);
}

/** A protobuf request as an OTLP/JSON object (for the file exporter and debugging). */
export function protobufToJson(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  return requestToJson(signal, decodeRequest(signal, bytes));
}

// ---- responses ----

export interface PartialSuccess {
  rejected: number;
  message: string;
}

/** Export<Signal>ServiceResponse: empty on full success, partial_success when items were rejected. */
export function encodeResponse(signal: Signal, partial: PartialSuccess | undefined, format: 'protobuf'): Uint8Array;
export function encodeResponse(signal: Signal, partial: PartialSuccess | undefined, format: 'json'): string;
export function encodeResponse(signal: Signal, partial: PartialSuccess | undefined, format: WireFormat): Uint8Array | string;
export function encodeResponse(signal: Signal, partial: PartialSuccess | undefined, format: WireFormat): Uint8Array | string {
  const rejectedKey = REJECTED_FIELD[signal];
  if (format === 'json') {
    if (partial === undefined) return '{}';
    const body: Record<string, string> = {};
    // proto3 JSON: int64 as a decimal string, default values omitted.
    if (partial.rejected !== 0) body[rejectedKey] = String(partial.rejected);
    if (partial.message !== '') body.errorMessage = partial.message;
    return JSON.stringify({ partialSuccess: body });
  }
  if (partial === undefined) return new Uint8Array(0);
  const t = responseType(signal);
  const message = t.fromObject({ partialSuccess: { [rejectedKey]: partial.rejected, errorMessage: partial.message } });
  return t.encode(message).finish();
}

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

function splitDelay(ms: number): { seconds: number; nanos: number } {
  const whole = Math.max(0, Math.round(Number.isFinite(ms) ? ms : 0));
  return { seconds: Math.floor(whole / 1000), nanos: (whole % 1000) * 1_000_000 };
}

/** google.rpc.Status for HTTP failure bodies and grpc-status-details-bin; a RetryInfo detail tells exporters when to retry. */
export function encodeStatus(code: number, message: string, format: 'protobuf', retryDelayMs?: number): Uint8Array;
export function encodeStatus(code: number, message: string, format: 'json', retryDelayMs?: number): string;
export function encodeStatus(code: number, message: string, format: WireFormat, retryDelayMs?: number): Uint8Array | string;
export function encodeStatus(code: number, message: string, format: WireFormat, retryDelayMs?: number): Uint8Array | string {
  const delay = retryDelayMs === undefined ? undefined : splitDelay(retryDelayMs);
  if (format === 'json') {
    const body: Record<string, unknown> = { code, message };
    if (delay !== undefined) {
      // proto3 JSON Duration: seconds with 0, 3, 6 or 9 fractional digits and an "s" suffix.
      const frac = delay.nanos === 0 ? '' : `.${String(delay.nanos / 1_000_000).padStart(3, '0')}`;
      body.details = [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${delay.seconds}${frac}s` }];
    }
    return JSON.stringify(body);
  }
  // google.protobuf.Any comes from protobufjs's bundled definition, whose field keeps its snake_case name.
  const details: { type_url: string; value: Uint8Array }[] = [];
  if (delay !== undefined) {
    const ri = retryInfoType();
    details.push({ type_url: RETRY_INFO_TYPE_URL, value: ri.encode(ri.fromObject({ retryDelay: delay })).finish() });
  }
  const st = statusType();
  return st.encode(st.fromObject({ code, message, details })).finish();
}
