/** Reading OTLP attribute values as the plain types segment documents hold. */
import type { AttrMap, AttrValue } from '../../otlp/attributes.ts';
import type { AnnotationValue, JsonValue } from './document.ts';

/** Span attributes with the keys a block consumed, so those leave `metadata`. */
export class SpanAttrs {
  readonly map: AttrMap;
  readonly used = new Set<string>();
  constructor(map: AttrMap) {
    this.map = map;
  }

  has(key: string): boolean {
    return this.map[key] !== undefined;
  }

  /** The first of `keys` holding a non-empty string (numbers and booleans in their text form). */
  string(...keys: string[]): { key: string; value: string } | undefined {
    for (const key of keys) {
      const v = this.map[key];
      const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : undefined;
      if (s !== undefined && s !== '') return { key, value: s };
    }
    return undefined;
  }

  /** The first of `keys` holding an integer (or an integer string, as some SDKs send ports and status codes). */
  int(...keys: string[]): { key: string; value: number } | undefined {
    for (const key of keys) {
      const n = toInteger(this.map[key]);
      if (n !== undefined) return { key, value: n };
    }
    return undefined;
  }

  /** Marks keys used and returns the value, for one-line reads. */
  takeString(...keys: string[]): string | undefined {
    const hit = this.string(...keys);
    if (hit) this.used.add(hit.key);
    return hit?.value;
  }

  takeInt(...keys: string[]): number | undefined {
    const hit = this.int(...keys);
    if (hit) this.used.add(hit.key);
    return hit?.value;
  }
}

export function toInteger(v: AttrValue): number | undefined {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

export function stringOf(map: AttrMap, key: string): string | undefined {
  const v = map[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
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
  for (const [k, x] of Object.entries(v)) out[k] = toJson(x);
  return out;
}

/** A primitive attribute as an annotation value, or undefined (arrays, maps, bytes and empty values are not annotations). */
export function toAnnotationValue(v: AttrValue): AnnotationValue | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
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

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Nanoseconds → float epoch seconds with microsecond precision (X-Ray's `start_time` / `end_time`). */
export function epochSeconds(nanos: bigint): number {
  return Number(nanos / 1000n) / 1e6;
}
