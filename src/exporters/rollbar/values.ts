/** Reading OTLP attribute values as the plain JSON an item holds. */
import type { AttrMap, AttrValue } from '../../otlp/attributes.ts';
import type { JsonValue } from './item.ts';

/** Attribute keys whose values are credentials or personal secrets: their values never leave the relay (as Rollbar's notifiers scrub by default). */
const SENSITIVE_KEY = /passw(?:or)?d|secret|token|authorization|cookie|api[-_.]?key|credential/i;
export const SCRUBBED = '[scrubbed]';

/** Answers for keys seen before: attribute keys repeat on every span, and a lookup costs less than the pattern. */
const sensitiveKeys = new Map<string, boolean>();
const REMEMBERED_KEYS = 4096;

export function isSensitiveKey(key: string): boolean {
  let sensitive = sensitiveKeys.get(key);
  if (sensitive === undefined) {
    sensitive = SENSITIVE_KEY.test(key);
    if (sensitiveKeys.size >= REMEMBERED_KEYS) sensitiveKeys.clear(); // bounded: keys that churn start over
    sensitiveKeys.set(key, sensitive);
  }
  return sensitive;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Any attribute value as JSON: int64 beyond 2^53 and non-finite doubles as strings (never silently rounded or null), bytes as base64. */
export function toJson(v: AttrValue): JsonValue {
  if (v === undefined) return null;
  if (typeof v === 'string') return v; // the common case first
  if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toJson);
  const out: Record<string, JsonValue> = {};
  // Object.keys, not Object.entries: several times faster on attrMap's null-prototype objects.
  for (const k of Object.keys(v)) out[k] = isSensitiveKey(k) ? SCRUBBED : toJson(v[k]);
  return out;
}

/** Attributes as a JSON object, sensitive values scrubbed; `skip` leaves keys out (those an item field already shows). */
export function attributesJson(map: AttrMap, skip: (key: string) => boolean = () => false): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(map)) {
    const v = map[k];
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
    if (typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE) return Number(v);
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

export function hex(bytes: Uint8Array): string {
  if (bytes.length === 8) return hex8(bytes, 0); // span ids
  if (bytes.length === 16) return hex8(bytes, 0) + hex8(bytes, 8); // trace ids
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when the id has bytes and not all of them are zero (OTLP's "no id"). */
export function isValidId(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return true;
  return false;
}

/** Nanoseconds → whole unix seconds (Rollbar's `timestamp`); undefined for "not set". */
export function unixSeconds(nanos: bigint): number | undefined {
  return nanos > 0n ? Number(nanos / 1_000_000_000n) : undefined;
}
