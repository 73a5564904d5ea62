/**
 * Hand-written decoder for ExportTraceServiceRequest and ExportLogsServiceRequest: bytes straight to the
 * types.ts shape, deepStrictEqual to protobufjs decode + toObject({ longs: BigInt, defaults: true, arrays: true }).
 *
 * Input must already have passed scanRequest (wire.ts): wire types, lengths and nesting are trusted, so
 * the decoder only interprets. It still cannot loop forever (every iteration consumes a tag) and bounds
 * every sub-message by its length prefix.
 *
 * protobufjs semantics kept on purpose (test/otlp/decode.test.ts checks each against protobufjs):
 * - keys in protobufjs toObject order (repeated fields first, then the rest by field number), defaults present,
 *   absent sub-messages null, AnyValue's oneof member only when set (the last one seen wins);
 * - a scalar seen twice: last wins (a later zero resets it); a non-repeated sub-message seen twice is merged
 *   (protobufjs decodes the second occurrence into the first), repeated fields inside it are appended;
 * - a known field with an unexpected wire type is skipped like an unknown field;
 * - bytes: non-empty values are views sharing memory with the input (Buffer if the input is a Buffer, else
 *   Uint8Array); empty or absent values are a zero-length Buffer (one shared instance here, a fresh one in protobufjs),
 *   except AnyValue.bytes_value, a oneof member, which stays a (possibly empty) view;
 * - strings: invalid UTF-8 throws the same TypeError as protobufjs's strict (proto3) decoder; a BOM is kept;
 * - tags and lengths encoded in more than 5 bytes throw, as protobufjs's Reader.tag()/size() do.
 */
import { isUtf8 } from 'node:buffer';
import type {
  AnyValue,
  ArrayValue,
  EntityRef,
  ExportLogsServiceRequest,
  ExportTraceServiceRequest,
  InstrumentationScope,
  KeyValue,
  KeyValueList,
  LogRecord,
  Resource,
  ResourceLogs,
  ResourceSpans,
  ScopeLogs,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
} from './types.ts';

/** Buffer's native slicers (undocumented in @types/node, present since Node 0.x): no encoding switch per call. */
interface NativeSlices extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

// protobufjs's strict string decoder (proto3 strings verify UTF-8): same acceptance, same error.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** The default for empty/absent bytes fields; zero-length, so sharing it cannot leak writes. */
const EMPTY_BYTES: Buffer = Buffer.alloc(0);
// Below this length, building ASCII strings by hand beats a native call (and V8 keeps them flat, < 13).
const SHORT_STRING = 12;
// ASCII strings up to this length go through CACHE; longer ones are rarely repeated and costly to compare.
const CACHEABLE = 64;
const CACHE_BITS = 12;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
/** Direct-mapped cache of recently decoded short ASCII strings (strings are immutable, so sharing is invisible). */
const CACHE: string[] = new Array<string>(1 << CACHE_BITS).fill('');
/** Each slot's UTF-8 bytes (CACHEABLE per slot) and length: comparing bytes beats charCodeAt. */
const CACHE_BYTES = new Uint8Array((1 << CACHE_BITS) * CACHEABLE);
const CACHE_LEN = new Int32Array(1 << CACHE_BITS);

// ---- decoder state: module-level so the hot loop passes nothing around; decoding is synchronous ----

const NO_BYTES = new Uint8Array(0);
const NO_VIEW = new DataView(NO_BYTES.buffer);
let B: Uint8Array = NO_BYTES;
let S: NativeSlices = EMPTY_BYTES as NativeSlices;
let V: DataView = NO_VIEW;
let P = 0;

function begin(bytes: Uint8Array): void {
  B = bytes;
  S = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as NativeSlices;
  V = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  P = 0;
}

function release(): void {
  // Do not keep the request body alive through module state.
  B = NO_BYTES;
  S = EMPTY_BYTES as NativeSlices;
  V = NO_VIEW;
}

// ---- primitives ----

/** A tag (≤ 5 bytes, as protobufjs Reader.tag requires). */
function readTag(): number {
  let b = B[P++]!;
  if (b < 0x80) return b;
  const v = b & 0x7f;
  b = B[P++]!;
  if (b < 0x80) return v | (b << 7);
  return readTagSlow(v | ((b & 0x7f) << 7));
}

function readTagSlow(v: number): number {
  let b = B[P++]!;
  v |= (b & 0x7f) << 14;
  if (b < 0x80) return v >>> 0;
  b = B[P++]!;
  v |= (b & 0x7f) << 21;
  if (b < 0x80) return v >>> 0;
  b = B[P++]!;
  if (b >= 0x80 || (b & 0x70) !== 0) throw new Error('invalid tag encoding');
  return (v | (b << 28)) >>> 0;
}

/** A length prefix (≤ 5 bytes and < 2^31, as protobufjs Reader.size requires). */
function readLen(): number {
  let b = B[P++]!;
  if (b < 0x80) return b;
  let v = b & 0x7f;
  b = B[P++]!;
  v |= (b & 0x7f) << 7;
  if (b < 0x80) return v;
  b = B[P++]!;
  v |= (b & 0x7f) << 14;
  if (b < 0x80) return v;
  b = B[P++]!;
  v |= (b & 0x7f) << 21;
  if (b < 0x80) return v;
  b = B[P++]!;
  if (b > 7) throw new Error('invalid length encoding');
  return (v | (b << 28)) >>> 0;
}

/** The low 32 bits of a varint, unsigned (uint32; `| 0` gives int32 and enums, as protobufjs). */
function readU32(): number {
  let b = B[P++]!;
  if (b < 0x80) return b;
  let v = b & 0x7f;
  b = B[P++]!;
  v |= (b & 0x7f) << 7;
  if (b < 0x80) return v;
  b = B[P++]!;
  v |= (b & 0x7f) << 14;
  if (b < 0x80) return v;
  b = B[P++]!;
  v |= (b & 0x7f) << 21;
  if (b < 0x80) return v;
  b = B[P++]!;
  v = (v | ((b & 0x0f) << 28)) >>> 0;
  // Bits above 32 are dropped; the scanner bounds the varint to 10 bytes.
  while (b >= 0x80) b = B[P++]!;
  return v;
}

/** A varint bool: true when any payload bit is set (protobufjs Reader.bool). */
function readBool(): boolean {
  let value = false;
  let b: number;
  do {
    b = B[P++]!;
    if ((b & 0x7f) !== 0) value = true;
  } while (b >= 0x80);
  return value;
}

/** An int64 varint as a signed bigint. */
function readI64(): bigint {
  // Up to 7 bytes (49 bits) stays exact in a double.
  let v = 0;
  let mul = 1;
  const start = P;
  for (let i = 0; i < 7; i++) {
    const b = B[P++]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) return BigInt(v);
    mul *= 0x80;
  }
  P = start;
  let lo = 0;
  for (let i = 0; i < 4; i++) lo |= (B[P++]! & 0x7f) << (i * 7);
  let b = B[P++]!;
  lo |= (b & 0x0f) << 28;
  let hi = (b & 0x7f) >> 4;
  for (let i = 0; i < 5 && b >= 0x80; i++) {
    b = B[P++]!;
    hi |= (b & 0x7f) << (i * 7 + 3);
  }
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

function readFixed64(): bigint {
  const v = V.getBigUint64(P, true);
  P += 8;
  return v;
}

function readFixed32(): number {
  const v = V.getUint32(P, true);
  P += 4;
  return v;
}

function readDouble(): number {
  const v = V.getFloat64(P, true);
  P += 8;
  return v;
}

function readBytes(): Uint8Array {
  const len = readLen();
  if (len === 0) return EMPTY_BYTES;
  const s = P;
  P += len;
  return B.subarray(s, P);
}

function readString(): string {
  const len = readLen();
  const s = P;
  const e = s + len;
  P = e;
  if (len === 0) return '';
  if (len === 1) {
    const c = B[s]!;
    return c < 0x80 ? String.fromCharCode(c) : utf8(s, e);
  }
  if (len > CACHEABLE) return isAscii(s, e) ? S.latin1Slice(s, e) : utf8(s, e);
  // Keys and many values repeat across spans: a hit (same bytes, all ASCII) skips the scan and the allocation.
  const h = Math.imul(len ^ (B[s]! << 8) ^ (B[e - 1]! << 16) ^ (B[s + (len >> 1)]! << 24), 0x9e3779b1) ^ (B[e - 2]! | (B[s + 1]! << 8));
  const slot = (h ^ (h >>> 18)) & CACHE_MASK;
  const base = slot * CACHEABLE;
  if (CACHE_LEN[slot] === len) {
    let i = len - 1;
    while (i >= 0 && CACHE_BYTES[base + i] === B[s + i]) i--;
    if (i < 0) return CACHE[slot]!;
  }
  for (let i = s; i < e; i++) if (B[i]! >= 0x80) return utf8(s, e);
  for (let i = 0; i < len; i++) CACHE_BYTES[base + i] = B[s + i]!;
  CACHE_LEN[slot] = len;
  let str: string;
  if (len <= SHORT_STRING) {
    str = '';
    for (let i = s; i < e; i++) str += String.fromCharCode(B[i]!);
  } else {
    str = S.latin1Slice(s, e);
  }
  CACHE[slot] = str;
  return str;
}

/** Whether [s, e) is all ASCII; four bytes per step (DataView reads are inlined by the optimizing compiler). */
function isAscii(s: number, e: number): boolean {
  let i = s;
  for (; i + 4 <= e; i += 4) if ((V.getUint32(i, true) & 0x80808080) !== 0) return false;
  for (; i < e; i++) if (B[i]! >= 0x80) return false;
  return true;
}

function utf8(s: number, e: number): string {
  if (isUtf8(B.subarray(s, e))) return S.utf8Slice(s, e);
  // Throws protobufjs's exact error for invalid UTF-8 (or decodes, should isUtf8 ever disagree).
  return STRICT_UTF8.decode(B.subarray(s, e));
}

/** Skips an unknown field (or a known one with an unexpected wire type, as protobufjs does). */
function skip(tag: number): void {
  switch (tag & 7) {
    case 0:
      while (B[P++]! >= 0x80);
      return;
    case 1:
      P += 8;
      return;
    case 2: {
      const len = readLen();
      P += len;
      return;
    }
    case 5:
      P += 4;
      return;
    default:
      // Unreachable after scanRequest; throwing keeps the loop finite regardless.
      throw new Error(`invalid wire type ${tag & 7} at offset ${P}`);
  }
}

// ---- common ----

function decodeAnyValue(end: number, prev: AnyValue | null): AnyValue {
  let out = prev;
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10:
        out = { stringValue: readString() };
        break;
      case 16:
        out = { boolValue: readBool() };
        break;
      case 24:
        out = { intValue: readI64() };
        break;
      case 33:
        out = { doubleValue: readDouble() };
        break;
      case 42: {
        const e = readLen() + P;
        out = { arrayValue: decodeArrayValue(e, out?.arrayValue ?? null) };
        P = e;
        break;
      }
      case 50: {
        const e = readLen() + P;
        out = { kvlistValue: decodeKeyValueList(e, out?.kvlistValue ?? null) };
        P = e;
        break;
      }
      case 58: {
        // A oneof member has presence: protobufjs keeps even an empty value as read (a view of the input).
        const len = readLen();
        out = { bytesValue: B.subarray(P, P + len) };
        P += len;
        break;
      }
        break;
      case 64:
        out = { stringValueStrindex: readU32() | 0 };
        break;
      default:
        skip(tag);
    }
  }
  return out ?? {};
}

function decodeArrayValue(end: number, prev: ArrayValue | null): ArrayValue {
  const out: ArrayValue = prev ?? { values: [] };
  while (P < end) {
    const tag = readTag();
    if (tag === 10) {
      const e = readLen() + P;
      out.values.push(decodeAnyValue(e, null));
      P = e;
    } else skip(tag);
  }
  return out;
}

function decodeKeyValueList(end: number, prev: KeyValueList | null): KeyValueList {
  const out: KeyValueList = prev ?? { values: [] };
  while (P < end) {
    const tag = readTag();
    if (tag === 10) {
      const e = readLen() + P;
      out.values.push(decodeKeyValue(e));
      P = e;
    } else skip(tag);
  }
  return out;
}

function decodeKeyValue(end: number): KeyValue {
  const out: KeyValue = { key: '', value: null, keyStrindex: 0 };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10:
        out.key = readString();
        break;
      case 18: {
        const e = readLen() + P;
        out.value = decodeAnyValue(e, out.value);
        P = e;
        break;
      }
      case 24:
        out.keyStrindex = readU32() | 0;
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

/** One repeated KeyValue entry (attributes), appended to `list`. */
function pushKeyValue(list: KeyValue[]): void {
  const e = readLen() + P;
  list.push(decodeKeyValue(e));
  P = e;
}

function decodeScope(end: number, prev: InstrumentationScope | null): InstrumentationScope {
  const out: InstrumentationScope = prev ?? { attributes: [], name: '', version: '', droppedAttributesCount: 0 };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10:
        out.name = readString();
        break;
      case 18:
        out.version = readString();
        break;
      case 26:
        pushKeyValue(out.attributes);
        break;
      case 32:
        out.droppedAttributesCount = readU32();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeEntityRef(end: number): EntityRef {
  const out: EntityRef = { idKeys: [], descriptionKeys: [], schemaUrl: '', type: '' };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10:
        out.schemaUrl = readString();
        break;
      case 18:
        out.type = readString();
        break;
      case 26:
        out.idKeys.push(readString());
        break;
      case 34:
        out.descriptionKeys.push(readString());
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeResource(end: number, prev: Resource | null): Resource {
  const out: Resource = prev ?? { attributes: [], entityRefs: [], droppedAttributesCount: 0 };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10:
        pushKeyValue(out.attributes);
        break;
      case 16:
        out.droppedAttributesCount = readU32();
        break;
      case 26: {
        const e = readLen() + P;
        out.entityRefs.push(decodeEntityRef(e));
        P = e;
        break;
      }
      default:
        skip(tag);
    }
  }
  return out;
}

// ---- traces ----

function decodeStatus(end: number, prev: SpanStatus | null): SpanStatus {
  const out: SpanStatus = prev ?? { message: '', code: 0 };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 18:
        out.message = readString();
        break;
      case 24:
        out.code = readU32() | 0;
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeEvent(end: number): SpanEvent {
  const out: SpanEvent = { attributes: [], timeUnixNano: 0n, name: '', droppedAttributesCount: 0 };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 9:
        out.timeUnixNano = readFixed64();
        break;
      case 18:
        out.name = readString();
        break;
      case 26:
        pushKeyValue(out.attributes);
        break;
      case 32:
        out.droppedAttributesCount = readU32();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeLink(end: number): SpanLink {
  const out: SpanLink = {
    attributes: [],
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    droppedAttributesCount: 0,
    flags: 0,
  };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10:
        out.traceId = readBytes();
        break;
      case 18:
        out.spanId = readBytes();
        break;
      case 26:
        out.traceState = readString();
        break;
      case 34:
        pushKeyValue(out.attributes);
        break;
      case 40:
        out.droppedAttributesCount = readU32();
        break;
      case 53:
        out.flags = readFixed32();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeSpan(end: number): Span {
  const out: Span = {
    attributes: [],
    events: [],
    links: [],
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    parentSpanId: EMPTY_BYTES,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    status: null,
    flags: 0,
  };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10:
        out.traceId = readBytes();
        break;
      case 18:
        out.spanId = readBytes();
        break;
      case 26:
        out.traceState = readString();
        break;
      case 34:
        out.parentSpanId = readBytes();
        break;
      case 42:
        out.name = readString();
        break;
      case 48:
        out.kind = readU32() | 0;
        break;
      case 57:
        out.startTimeUnixNano = readFixed64();
        break;
      case 65:
        out.endTimeUnixNano = readFixed64();
        break;
      case 74:
        pushKeyValue(out.attributes);
        break;
      case 80:
        out.droppedAttributesCount = readU32();
        break;
      case 90: {
        const e = readLen() + P;
        out.events.push(decodeEvent(e));
        P = e;
        break;
      }
      case 96:
        out.droppedEventsCount = readU32();
        break;
      case 106: {
        const e = readLen() + P;
        out.links.push(decodeLink(e));
        P = e;
        break;
      }
      case 112:
        out.droppedLinksCount = readU32();
        break;
      case 122: {
        const e = readLen() + P;
        out.status = decodeStatus(e, out.status);
        P = e;
        break;
      }
      case 133:
        out.flags = readFixed32();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeScopeSpans(end: number): ScopeSpans {
  const out: ScopeSpans = { spans: [], scope: null, schemaUrl: '' };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10: {
        const e = readLen() + P;
        out.scope = decodeScope(e, out.scope);
        P = e;
        break;
      }
      case 18: {
        const e = readLen() + P;
        out.spans.push(decodeSpan(e));
        P = e;
        break;
      }
      case 26:
        out.schemaUrl = readString();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeResourceSpans(end: number): ResourceSpans {
  const out: ResourceSpans = { scopeSpans: [], resource: null, schemaUrl: '' };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10: {
        const e = readLen() + P;
        out.resource = decodeResource(e, out.resource);
        P = e;
        break;
      }
      case 18: {
        const e = readLen() + P;
        out.scopeSpans.push(decodeScopeSpans(e));
        P = e;
        break;
      }
      case 26:
        out.schemaUrl = readString();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

// ---- logs ----

function decodeLogRecord(end: number): LogRecord {
  const out: LogRecord = {
    attributes: [],
    timeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    droppedAttributesCount: 0,
    flags: 0,
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    observedTimeUnixNano: 0n,
    eventName: '',
  };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 9:
        out.timeUnixNano = readFixed64();
        break;
      case 16:
        out.severityNumber = readU32() | 0;
        break;
      case 26:
        out.severityText = readString();
        break;
      case 42: {
        const e = readLen() + P;
        out.body = decodeAnyValue(e, out.body);
        P = e;
        break;
      }
      case 50:
        pushKeyValue(out.attributes);
        break;
      case 56:
        out.droppedAttributesCount = readU32();
        break;
      case 69:
        out.flags = readFixed32();
        break;
      case 74:
        out.traceId = readBytes();
        break;
      case 82:
        out.spanId = readBytes();
        break;
      case 89:
        out.observedTimeUnixNano = readFixed64();
        break;
      case 98:
        out.eventName = readString();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeScopeLogs(end: number): ScopeLogs {
  const out: ScopeLogs = { logRecords: [], scope: null, schemaUrl: '' };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10: {
        const e = readLen() + P;
        out.scope = decodeScope(e, out.scope);
        P = e;
        break;
      }
      case 18: {
        const e = readLen() + P;
        out.logRecords.push(decodeLogRecord(e));
        P = e;
        break;
      }
      case 26:
        out.schemaUrl = readString();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

function decodeResourceLogs(end: number): ResourceLogs {
  const out: ResourceLogs = { scopeLogs: [], resource: null, schemaUrl: '' };
  while (P < end) {
    const tag = readTag();
    switch (tag) {
      case 10: {
        const e = readLen() + P;
        out.resource = decodeResource(e, out.resource);
        P = e;
        break;
      }
      case 18: {
        const e = readLen() + P;
        out.scopeLogs.push(decodeScopeLogs(e));
        P = e;
        break;
      }
      case 26:
        out.schemaUrl = readString();
        break;
      default:
        skip(tag);
    }
  }
  return out;
}

// ---- spans one at a time ----

/** One ResourceSpans entry of an accepted traces request: its resource decoded, its spans left encoded. */
export interface SpanIndexEntry {
  resource: Resource | null;
  /** Each span's [start, end) in the request's bytes, as flat pairs: decode them one by one with decodeSpanAt. */
  spans: number[];
  /** Why the resource could not be decoded (invalid UTF-8): its spans are listed, the resource is null. */
  error?: string;
}

/**
 * The resources of a traces request that scanRequest accepted, with the offsets of their spans. A
 * consumer that decodes span by span (decodeSpanAt) keeps one span's objects alive at a time instead
 * of a whole request's, so they die in the young generation (docs/PERFORMANCE.md). Scopes and schema
 * URLs are skipped.
 */
export function indexSpans(bytes: Uint8Array): SpanIndexEntry[] {
  begin(bytes);
  try {
    const out: SpanIndexEntry[] = [];
    const last = bytes.length;
    while (P < last) {
      const tag = readTag();
      if (tag === 10) {
        const e = readLen() + P;
        out.push(indexResourceSpans(e));
        P = e;
      } else skip(tag);
    }
    return out;
  } finally {
    release();
  }
}

function indexResourceSpans(end: number): SpanIndexEntry {
  const out: SpanIndexEntry = { resource: null, spans: [] };
  while (P < end) {
    const tag = readTag();
    if (tag === 10) {
      const e = readLen() + P;
      try {
        if (out.error === undefined) out.resource = decodeResource(e, out.resource);
      } catch (err) {
        // One bad string costs this entry's spans, not the other entries of a batch.
        out.error = (err as Error).message;
        out.resource = null;
      }
      P = e;
    } else if (tag === 18) {
      const e = readLen() + P;
      while (P < e) {
        const t = readTag();
        if (t === 18) {
          const se = readLen() + P;
          out.spans.push(P, se);
          P = se;
        } else skip(t);
      }
      P = e;
    } else skip(tag);
  }
  return out;
}

/** Decodes the span at [start, end) of `bytes`, an offset pair from indexSpans on the same bytes. */
export function decodeSpanAt(bytes: Uint8Array, start: number, end: number): Span {
  begin(bytes);
  P = start;
  try {
    return decodeSpan(end);
  } finally {
    release();
  }
}

// ---- requests ----

/** Decodes an ExportTraceServiceRequest that scanRequest('traces', bytes) accepted; ids share memory with `bytes`. */
export function decodeTraces(bytes: Uint8Array): ExportTraceServiceRequest {
  begin(bytes);
  try {
    const out: ExportTraceServiceRequest = { resourceSpans: [] };
    const last = bytes.length;
    while (P < last) {
      const tag = readTag();
      if (tag === 10) {
        const e = readLen() + P;
        out.resourceSpans.push(decodeResourceSpans(e));
        P = e;
      } else skip(tag);
    }
    return out;
  } finally {
    release();
  }
}

/** Decodes an ExportLogsServiceRequest that scanRequest('logs', bytes) accepted; ids share memory with `bytes`. */
export function decodeLogs(bytes: Uint8Array): ExportLogsServiceRequest {
  begin(bytes);
  try {
    const out: ExportLogsServiceRequest = { resourceLogs: [] };
    const last = bytes.length;
    while (P < last) {
      const tag = readTag();
      if (tag === 10) {
        const e = readLen() + P;
        out.resourceLogs.push(decodeResourceLogs(e));
        P = e;
      } else skip(tag);
    }
    return out;
  } finally {
    release();
  }
}
