import type { Signal } from '../otlp/signal.ts';

export type Scalar = string | number | boolean;

/** A route's `match`, resolved: every condition given must hold. */
export interface MatchSpec {
  service?: readonly string[];
  resource?: Readonly<Record<string, Scalar>>;
  attributes?: Readonly<Record<string, Scalar>>;
  error?: boolean;
}

/** A decoded OTLP KeyValue / AnyValue, in the shape protobufjs decodes (camelCase, oneof set). */
export interface KeyValueLike {
  key?: string;
  value?: AnyValueLike | null;
}
export interface AnyValueLike {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: unknown;
  doubleValue?: number | null;
}

/** True when the spec only needs resource attributes, so routing can work on raw byte slices. */
export function isResourceLevel(m: MatchSpec): boolean {
  return m.attributes === undefined && m.error === undefined;
}

/** Compares a config scalar with an attribute value. */
function scalarEquals(want: Scalar, got: unknown): boolean {
  if (got === undefined || got === null) return false;
  if (typeof want === 'boolean') return got === want;
  // int64 attributes arrive as exact decimal text, so numbers and strings compare as text.
  if (typeof got === 'string' || typeof got === 'number' || typeof got === 'bigint') return String(got) === String(want);
  return false;
}

/** Plain value of an AnyValue: strings, booleans, numbers; int64 keeps its exact decimal text. */
export function plainValue(v: AnyValueLike | null | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined && v.stringValue !== null) return v.stringValue;
  if (v.boolValue !== undefined && v.boolValue !== null) return v.boolValue;
  if (v.intValue !== undefined && v.intValue !== null) return String(v.intValue);
  if (v.doubleValue !== undefined && v.doubleValue !== null) return v.doubleValue;
  return undefined;
}

/** The value of `key`; a repeated key's first occurrence wins, as in attrMap (attributes.ts). */
export function findAttr(attrs: readonly KeyValueLike[] | null | undefined, key: string): unknown {
  if (!attrs) return undefined;
  for (const kv of attrs) if (kv.key === key) return plainValue(kv.value);
  return undefined;
}

export type AttrLookup = (key: string) => unknown;

export function resourceMatches(m: MatchSpec, resource: AttrLookup): boolean {
  if (m.service) {
    const s = resource('service.name');
    if (typeof s !== 'string' || !m.service.includes(s)) return false;
  }
  if (m.resource) for (const [k, v] of Object.entries(m.resource)) if (!scalarEquals(v, resource(k))) return false;
  return true;
}

// https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber: 17-20 are ERROR.
const SEVERITY_ERROR = 17;
const STATUS_CODE_ERROR = 2;

export interface SpanLike {
  attributes?: KeyValueLike[] | null;
  status?: { code?: number | null } | null;
  events?: Array<{ name?: string | null }> | null;
}
export interface LogRecordLike {
  attributes?: KeyValueLike[] | null;
  severityNumber?: number | null;
}

/** An error span: status ERROR or a recorded `exception` event. */
export function isErrorSpan(span: SpanLike): boolean {
  if ((span.status?.code ?? 0) === STATUS_CODE_ERROR) return true;
  return span.events?.some((e) => e.name === 'exception') ?? false;
}

/** An error log: severity ERROR or worse, or one that carries `exception.*` attributes. */
export function isErrorLog(rec: LogRecordLike): boolean {
  if ((rec.severityNumber ?? 0) >= SEVERITY_ERROR) return true;
  return rec.attributes?.some((kv) => kv.key?.startsWith('exception.') === true) ?? false;
}

/** Whether one item (span, log record or data point) satisfies the item-level conditions. */
export function itemMatches(signal: Signal, m: MatchSpec, item: SpanLike & LogRecordLike): boolean {
  if (m.error !== undefined) {
    const isError = signal === 'traces' ? isErrorSpan(item) : signal === 'logs' ? isErrorLog(item) : false;
    if (isError !== m.error) return false;
  }
  if (m.attributes) for (const [k, v] of Object.entries(m.attributes)) if (!scalarEquals(v, findAttr(item.attributes, k))) return false;
  return true;
}
