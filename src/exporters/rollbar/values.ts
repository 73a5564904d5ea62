/** Reading OTLP attribute values as the plain JSON an item holds. */
import type { AttrMap, AttrValue } from '../../otlp/attributes.ts';
import type { JsonValue } from './item.ts';

/** Attribute keys whose values are credentials or personal secrets: their values never leave the relay (as Rollbar's notifiers scrub by default). */
const SENSITIVE_KEY = /passw(?:or)?d|secret|token|authorization|cookie|api[-_.]?key|credential/i;
export const SCRUBBED = '[scrubbed]';

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Any attribute value as JSON: int64 beyond 2^53 and non-finite doubles as strings (never silently rounded or null), bytes as base64. */
export function toJson(v: AttrValue): JsonValue {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toJson);
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v)) out[k] = isSensitiveKey(k) ? SCRUBBED : toJson(x);
  return out;
}

/** Attributes as a JSON object, sensitive values scrubbed; `skip` leaves keys out (those an item field already shows). */
export function attributesJson(map: AttrMap, skip: (key: string) => boolean = () => false): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(map)) {
    if (v === undefined || skip(k)) continue;
    out[k] = isSensitiveKey(k) ? SCRUBBED : toJson(v);
  }
  return out;
}

/** The first of `keys` holding a non-empty string (numbers and booleans in their text form). */
export function stringOf(map: AttrMap, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = map[key];
    const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : undefined;
    if (s !== undefined && s !== '') return s;
  }
  return undefined;
}

/** The first of `keys` holding an integer (or an integer string, as some SDKs send status codes). */
export function intOf(map: AttrMap, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const v = map[key];
    if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
  }
  return undefined;
}

/** The first `max` characters (code points: a surrogate pair is never split). */
export function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (n++ >= max) break;
    out += ch;
  }
  return out;
}

/** Text cut to `max` characters with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  const cut = cutChars(text, max);
  return cut === text ? text : `${cutChars(text, max - 1)}…`;
}

export function firstLine(text: string): string {
  const end = text.search(/\r\n|\r|\n/);
  return end === -1 ? text : text.slice(0, end);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when the id has bytes and not all of them are zero (OTLP's "no id"). */
export function isValidId(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.some((b) => b !== 0);
}

/** Nanoseconds → whole unix seconds (Rollbar's `timestamp`); undefined for "not set". */
export function unixSeconds(nanos: bigint): number | undefined {
  return nanos > 0n ? Number(nanos / 1_000_000_000n) : undefined;
}
