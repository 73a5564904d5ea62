/** Reading OTLP attribute values as the plain types segment documents hold. */
import { attrMap, attrValue, type AttrMap, type AttrValue } from '../../otlp/attributes.ts';
import type { KeyValue } from '../../otlp/types.ts';
import type { AnnotationValue, JsonValue } from './document.ts';

/** Every span attribute the blocks, names and flags read by name (SpanAttrs reads no other). */
const KNOWN_KEYS = [
  // http (blocks.ts)
  'http.request.method', 'http.method', 'http.response.status_code', 'http.status_code', 'url.full', 'http.url', 'url.scheme', 'http.scheme',
  'http.host', 'server.address', 'http.server_name', 'net.host.name', 'net.peer.name', 'net.peer.ip', 'network.peer.address', 'server.port',
  'net.host.port', 'net.peer.port', 'http.target', 'url.path', 'url.query', 'user_agent.original', 'http.user_agent', 'http.client_ip',
  'client.address', 'http.response.body.size', 'http.response_content_length', 'http.status_text',
  // sql
  'db.system.name', 'db.system', 'db.connection_string', 'db.namespace', 'db.name', 'db.user', 'db.query.text', 'db.statement',
  // aws
  'rpc.system', 'rpc.method', 'rpc.service', 'aws.operation', 'aws.remote.operation', 'aws.region', 'cloud.region', 'aws.request_id',
  'aws.requestId', 'aws.request.id', 'aws.account_id', 'aws.sqs.queue.url', 'aws.queue_url', 'aws.queue.url', 'messaging.url',
  'aws.dynamodb.table_names', 'aws.table_name', 'aws.table.name',
  // names, user
  'aws.local.service', 'aws.remote.service', 'peer.service', 'aws.service', 'messaging.destination.name', 'enduser.id',
] as const;

export type KnownKey = (typeof KNOWN_KEYS)[number];

/**
 * A known key's slot, as callers name it: `a.string(K['http.method'])`. Reads by slot are array
 * loads rather than a hash lookup per read (a span is read by some 70 keys).
 */
export const K = Object.freeze(Object.fromEntries(KNOWN_KEYS.map((k, i) => [k, i]))) as { readonly [key in KnownKey]: number };
const SLOT: ReadonlyMap<string, number> = new Map(KNOWN_KEYS.map((k, i) => [k, i]));

/**
 * Which entry holds each known key, for the SpanAttrs built last: shared rather than allocated per
 * span. A slot counts only when stamped with its owner's generation; an older SpanAttrs still in use
 * re-stamps the table for itself (SpanAttrs.#claim).
 */
const ENTRY_OF = new Int32Array(KNOWN_KEYS.length);
const STAMP = new Float64Array(KNOWN_KEYS.length);
let generation = 0;

/** Up to this many attributes, a repeated key is found by a plain loop; past it, by a map. */
const SCAN_LIMIT = 16;

function scan(keys: readonly string[], size: number, key: string): number {
  for (let j = 0; j < size; j++) if (keys[j] === key) return j;
  return -1;
}

function startsWithDigit(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39;
}

/**
 * A span's attributes with the keys a block consumed, so those leave `metadata`. Entries keep
 * attrMap's view exactly: one per distinct key with the first value, in Object.entries order.
 */
export class SpanAttrs {
  /** Distinct keys, in the order Object.entries gives for attrMap's object. */
  readonly keys: string[];
  /** The first value of each key, as attrValue reads it. */
  readonly values: AttrValue[];
  /** Entries consumed by a block: bit i for entry i < 31, then a set (spans rarely have more attributes). */
  #used = 0;
  #usedMore: Set<number> | undefined;
  #generation = 0;

  constructor(keyValues: readonly KeyValue[] | null | undefined) {
    const n = keyValues?.length ?? 0;
    const keys = (this.keys = new Array<string>(n));
    const values = (this.values = new Array<AttrValue>(n));
    const gen = (this.#generation = ++generation);
    let size = 0;
    let digits = false;
    let byKey: Map<string, number> | undefined; // past SCAN_LIMIT entries: a loop per key would be quadratic
    for (let i = 0; i < n; i++) {
      const kv = keyValues![i]!;
      const key = kv.key;
      const slot = SLOT.get(key);
      if (slot !== undefined) {
        if (STAMP[slot] === gen) continue; // a repeated key: the first value wins, as in attrMap
        ENTRY_OF[slot] = size;
        STAMP[slot] = gen;
      } else {
        const at = byKey === undefined ? scan(keys, size, key) : (byKey.get(key) ?? -1);
        if (at >= 0) continue;
        digits ||= startsWithDigit(key);
      }
      keys[size] = key;
      values[size] = attrValue(kv.value);
      if (byKey !== undefined) byKey.set(key, size);
      else if (size === SCAN_LIMIT) byKey = new Map(keys.slice(0, size + 1).map((k, j) => [k, j]));
      size++;
    }
    if (size < n) {
      keys.length = size;
      values.length = size;
    }
    // Array-index keys ("0", "42") come first in an object's key order: rare, so let attrMap order them.
    if (digits) this.#reorder(keyValues!);
  }

  #reorder(keyValues: readonly KeyValue[]): void {
    const entries = Object.entries(attrMap(keyValues));
    for (let i = 0; i < entries.length; i++) {
      this.keys[i] = entries[i]![0];
      this.values[i] = entries[i]![1];
    }
    this.#claim();
  }

  /** Stamps the shared table with this span's entries (after another SpanAttrs took it over). */
  #claim(): void {
    const gen = (this.#generation = ++generation);
    for (let i = 0; i < this.keys.length; i++) {
      const slot = SLOT.get(this.keys[i]!);
      if (slot === undefined) continue;
      ENTRY_OF[slot] = i;
      STAMP[slot] = gen;
    }
  }

  /** The entry holding a known key's slot, or -1. */
  #entry(slot: number): number {
    if (this.#generation !== generation) this.#claim();
    return STAMP[slot] === this.#generation ? ENTRY_OF[slot]! : -1;
  }

  get size(): number {
    return this.keys.length;
  }

  #markUsed(i: number): void {
    if (i < 31) this.#used |= 1 << i;
    else (this.#usedMore ??= new Set()).add(i);
  }

  /** Whether entry `i` was consumed by a block. */
  isUsed(i: number): boolean {
    return i < 31 ? (this.#used & (1 << i)) !== 0 : this.#usedMore?.has(i) === true;
  }

  value(slot: number): AttrValue {
    const at = this.#entry(slot);
    return at < 0 ? undefined : this.values[at];
  }

  has(slot: number): boolean {
    return this.value(slot) !== undefined;
  }

  /** Marks a key consumed (it leaves metadata). */
  use(slot: number): void {
    const at = this.#entry(slot);
    if (at >= 0) this.#markUsed(at);
  }

  /** The first of the keys holding a non-empty string (numbers and booleans in their text form). */
  string(s1: number, s2 = -1, s3 = -1, s4 = -1): string | undefined {
    return this.#text(s1, false) ?? this.#text(s2, false) ?? this.#text(s3, false) ?? this.#text(s4, false);
  }

  /** As string(), marking the key read consumed. */
  takeString(s1: number, s2 = -1, s3 = -1, s4 = -1): string | undefined {
    return this.#text(s1, true) ?? this.#text(s2, true) ?? this.#text(s3, true) ?? this.#text(s4, true);
  }

  /** The first of the keys holding an integer (or an integer string, as some SDKs send ports and status codes). */
  int(s1: number, s2 = -1): number | undefined {
    return this.#int(s1, false) ?? this.#int(s2, false);
  }

  /** As int(), marking the key read consumed. */
  takeInt(s1: number, s2 = -1): number | undefined {
    return this.#int(s1, true) ?? this.#int(s2, true);
  }

  #text(slot: number, take: boolean): string | undefined {
    if (slot < 0) return undefined;
    const at = this.#entry(slot);
    if (at < 0) return undefined;
    const v = this.values[at];
    const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : undefined;
    if (s === undefined || s === '') return undefined;
    if (take) this.#markUsed(at);
    return s;
  }

  #int(slot: number, take: boolean): number | undefined {
    if (slot < 0) return undefined;
    const at = this.#entry(slot);
    if (at < 0) return undefined;
    const n = toInteger(this.values[at]);
    if (n !== undefined && take) this.#markUsed(at);
    return n;
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toInteger(v: AttrValue): number | undefined {
  if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : undefined;
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
  if (typeof v === 'string') return v; // the common case first
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
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
  if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
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

/** Hex digit character codes. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** 8 bytes from `at` as 16 hex digits, in one string creation (a Buffer view per id costs several times more). */
function hex8(b: Uint8Array, at: number): string {
  const b0 = b[at]!, b1 = b[at + 1]!, b2 = b[at + 2]!, b3 = b[at + 3]!, b4 = b[at + 4]!, b5 = b[at + 5]!, b6 = b[at + 6]!, b7 = b[at + 7]!;
  return String.fromCharCode(
    HEX[b0 >> 4]!, HEX[b0 & 15]!, HEX[b1 >> 4]!, HEX[b1 & 15]!, HEX[b2 >> 4]!, HEX[b2 & 15]!, HEX[b3 >> 4]!, HEX[b3 & 15]!,
    HEX[b4 >> 4]!, HEX[b4 & 15]!, HEX[b5 >> 4]!, HEX[b5 & 15]!, HEX[b6 >> 4]!, HEX[b6 & 15]!, HEX[b7 >> 4]!, HEX[b7 & 15]!,
  );
}

/** 16 bytes as an X-Ray trace id, `1-` + 8 hex digits + `-` + 24, in one string creation. */
export function xrayTraceId16(b: Uint8Array): string {
  const b0 = b[0]!, b1 = b[1]!, b2 = b[2]!, b3 = b[3]!;
  return `1-${String.fromCharCode(HEX[b0 >> 4]!, HEX[b0 & 15]!, HEX[b1 >> 4]!, HEX[b1 & 15]!, HEX[b2 >> 4]!, HEX[b2 & 15]!, HEX[b3 >> 4]!, HEX[b3 & 15]!)}-${hex12(b, 4)}`;
}

/** 12 bytes from `at` as 24 hex digits. */
function hex12(b: Uint8Array, at: number): string {
  const b0 = b[at]!, b1 = b[at + 1]!, b2 = b[at + 2]!, b3 = b[at + 3]!, b4 = b[at + 4]!, b5 = b[at + 5]!;
  const b6 = b[at + 6]!, b7 = b[at + 7]!, b8 = b[at + 8]!, b9 = b[at + 9]!, b10 = b[at + 10]!, b11 = b[at + 11]!;
  return String.fromCharCode(
    HEX[b0 >> 4]!, HEX[b0 & 15]!, HEX[b1 >> 4]!, HEX[b1 & 15]!, HEX[b2 >> 4]!, HEX[b2 & 15]!, HEX[b3 >> 4]!, HEX[b3 & 15]!,
    HEX[b4 >> 4]!, HEX[b4 & 15]!, HEX[b5 >> 4]!, HEX[b5 & 15]!, HEX[b6 >> 4]!, HEX[b6 & 15]!, HEX[b7 >> 4]!, HEX[b7 & 15]!,
    HEX[b8 >> 4]!, HEX[b8 & 15]!, HEX[b9 >> 4]!, HEX[b9 & 15]!, HEX[b10 >> 4]!, HEX[b10 & 15]!, HEX[b11 >> 4]!, HEX[b11 & 15]!,
  );
}

export function hex(bytes: Uint8Array): string {
  if (bytes.length === 8) return hex8(bytes, 0); // span ids
  if (bytes.length === 16) return hex8(bytes, 0) + hex8(bytes, 8); // trace ids
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Nanoseconds → float epoch seconds with microsecond precision (X-Ray's `start_time` / `end_time`). */
export function epochSeconds(nanos: bigint): number {
  return Number(nanos / 1000n) / 1e6;
}
