/**
 * `match: { error: ... }` routing on the wire bytes of a traces or logs request: walks only the fields the
 * error rules read (span status and event names; log severity and attribute keys) and copies the kept
 * items' bytes as they are, instead of decoding the whole request and re-encoding the kept part.
 *
 * The result decodes (decodeRequest) deepStrictEqual to what filterDecoded + encodeRequest produce, with
 * the same item count: empty scopes and resources are left out, and the protobuf rules decode.ts follows
 * are mirrored (a repeated scalar's last occurrence wins; two Span.status fields merge, so the last
 * `code` seen in any of them wins). Field order may differ from protobufjs's encoding.
 *
 * Input must have passed scanRequest (wire.ts): wire types and lengths are trusted.
 */
import type { IConversionOptions } from 'protobufjs';
import { lookupType } from '../otlp/schema.ts';
import type { ResourceSlice } from '../otlp/wire.ts';
import { findAttr, resourceMatches, type KeyValueLike, type MatchSpec } from './match.ts';

/** True when the wire filter can answer the spec: resource-level keys plus, at most, `error`. */
export function wireFilterable(m: MatchSpec): boolean {
  return m.attributes === undefined;
}

// Tags (field number << 3 | wire type) of the fields walked; the same in the traces and logs layouts.
const T_RESOURCE = 0x0a; // Resource{Spans,Logs}.resource = 1
const T_SCOPES = 0x12; // Resource{Spans,Logs}.scope_{spans,logs} = 2
const T_ITEMS = 0x12; // Scope{Spans,Logs}.{spans,log_records} = 2
const T_SPAN_EVENT = (11 << 3) | 2;
const T_SPAN_STATUS = (15 << 3) | 2;
const T_EVENT_NAME = (2 << 3) | 2;
const T_STATUS_CODE = (3 << 3) | 0;
const T_LOG_SEVERITY = (2 << 3) | 0;
const T_LOG_ATTRIBUTE = (6 << 3) | 2;
const T_KEY = (1 << 3) | 2;

// Same thresholds as isErrorSpan / isErrorLog in match.ts.
const STATUS_CODE_ERROR = 2;
const SEVERITY_ERROR = 17;
const EXCEPTION = Buffer.from('exception');
const EXCEPTION_PREFIX = Buffer.from('exception.');

const RESOURCE_TYPE = lookupType('opentelemetry.proto.resource.v1.Resource');
const RESOURCE_SHAPE: IConversionOptions = { longs: BigInt, defaults: true, arrays: true };

// ---- reader state: module-level so the walk allocates nothing; filtering is synchronous ----

const EMPTY = new Uint8Array(0);
let B: Uint8Array = EMPTY;
let P = 0;

/** A tag or length; protobufjs caps both at 5 bytes and scanRequest at 10, so a double holds it. */
function readVarint(): number {
  let b = B[P++]!;
  if (b < 0x80) return b;
  let v = b & 0x7f;
  let mul = 0x80;
  do {
    b = B[P++]!;
    v += (b & 0x7f) * mul;
    mul *= 0x80;
  } while (b >= 0x80);
  return v;
}

/** The low 32 bits of a varint as int32: decode.ts's `readU32() | 0` for enums and int32. */
function readInt32(): number {
  let v = 0;
  let shift = 0;
  let b: number;
  do {
    b = B[P++]!;
    if (shift < 32) v |= (b & 0x7f) << shift;
    shift += 7;
  } while (b >= 0x80);
  return v | 0;
}

function skip(tag: number): void {
  switch (tag & 7) {
    case 0:
      while (B[P++]! >= 0x80);
      return;
    case 1:
      P += 8;
      return;
    case 2: {
      const len = readVarint();
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

function bytesEqual(s: number, e: number, want: Uint8Array): boolean {
  if (e - s !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (B[s + i] !== want[i]) return false;
  return true;
}

function hasPrefix(s: number, e: number, want: Uint8Array): boolean {
  if (e - s < want.length) return false;
  for (let i = 0; i < want.length; i++) if (B[s + i] !== want[i]) return false;
  return true;
}

/** The last string field `tag` in [P, end) as [start, end) offsets, or [-1, -1] (the decoded default ''). */
let strStart = -1;
let strEnd = -1;
function lastString(end: number, tag: number): void {
  strStart = -1;
  strEnd = -1;
  while (P < end) {
    const t = readVarint();
    if (t === tag) {
      const len = readVarint();
      strStart = P;
      P += len;
      strEnd = P;
    } else skip(t);
  }
}

/** isErrorSpan on the span body [P, end). */
function isErrorSpanAt(end: number): boolean {
  let code = 0;
  let exception = false;
  const b = B;
  while (P < end) {
    // Fast path: the fields skipped are most of a span; 1-byte tags of length-delimited and fixed fields.
    const t0 = b[P]!;
    if (t0 < 0x80 && t0 !== T_SPAN_STATUS && t0 !== T_SPAN_EVENT) {
      const wt = t0 & 7;
      if (wt === 2) {
        const l0 = b[P + 1]!;
        if (l0 < 0x80) {
          P += 2 + l0;
          continue;
        }
      } else if (wt === 1) {
        P += 9;
        continue;
      } else if (wt === 5) {
        P += 5;
        continue;
      }
    }
    const tag = readVarint();
    if (tag === T_SPAN_STATUS) {
      const e = readVarint() + P;
      // Status fields merge: a later one without `code` keeps the earlier code.
      while (P < e) {
        const t = readVarint();
        if (t === T_STATUS_CODE) code = readInt32();
        else skip(t);
      }
    } else if (tag === T_SPAN_EVENT && !exception) {
      const e = readVarint() + P;
      lastString(e, T_EVENT_NAME);
      exception = strStart >= 0 && bytesEqual(strStart, strEnd, EXCEPTION);
    } else skip(tag);
  }
  return code === STATUS_CODE_ERROR || exception;
}

/** isErrorLog on the log record body [P, end). */
function isErrorLogAt(end: number): boolean {
  let severity = 0;
  let exception = false;
  while (P < end) {
    const tag = readVarint();
    if (tag === T_LOG_SEVERITY) severity = readInt32();
    else if (tag === T_LOG_ATTRIBUTE && !exception) {
      const e = readVarint() + P;
      lastString(e, T_KEY);
      exception = strStart >= 0 && hasPrefix(strStart, strEnd, EXCEPTION_PREFIX);
    } else skip(tag);
  }
  return severity >= SEVERITY_ERROR || exception;
}

/** Resource attributes of the resource entry body [s, e) (moves P) as filterDecoded reads them: findAttr, first key wins (as attrMap). */
function resourceLookup(bytes: Uint8Array, s: number, e: number): (k: string) => unknown {
  const attrs: KeyValueLike[] = [];
  let p = s;
  P = p;
  while (P < e) {
    const tag = readVarint();
    if (tag === T_RESOURCE) {
      const len = readVarint();
      p = P;
      P += len;
      // Repeated Resource fields merge: their attributes append, in order.
      const r = RESOURCE_TYPE.toObject(RESOURCE_TYPE.decode(bytes.subarray(p, P)), RESOURCE_SHAPE) as { attributes: KeyValueLike[] };
      attrs.push(...r.attributes);
    } else skip(tag);
  }
  return (k) => findAttr(attrs, k);
}

/**
 * Output plan, in order, as triples: [start, end, -1] copies bytes[start, end); [tag, length, -2] writes a
 * fresh field header. Reused across calls.
 */
const ops: number[] = [];

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/**
 * The request keeping the items that satisfy any of `specs` (each wireFilterable), and how many it holds.
 * When nothing is left out the original `bytes` come back (the same object), so a caller may reuse their gzip.
 */
export function filterWire(
  signal: 'traces' | 'logs',
  bytes: Uint8Array,
  resources: readonly ResourceSlice[],
  specs: readonly MatchSpec[],
): { bytes: Uint8Array; items: number } {
  // A plain Uint8Array view: Buffers and Uint8Arrays alike keep the element loads monomorphic.
  const view = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const isError = signal === 'traces' ? isErrorSpanAt : isErrorLogAt;
  const needsResource = specs.some((m) => m.service !== undefined || m.resource !== undefined);
  ops.length = 0;
  let items = 0;
  let size = 0;
  let changed = false;
  try {
    for (const slice of resources) {
      B = view;
      P = slice.start;
      readVarint();
      const rlen = readVarint();
      const rs = P;
      const re = rs + rlen;
      let live = specs;
      if (needsResource) {
        const lookup = resourceLookup(view, rs, re);
        live = specs.filter((m) => resourceMatches(m, lookup));
      }
      if (live.length === 0) {
        changed = true;
        continue;
      }
      let wantError = false;
      let wantOk = false;
      for (const m of live) {
        if (m.error !== false) wantError = true; // undefined (resource-level only) keeps every item
        if (m.error !== true) wantOk = true;
      }
      const keepAll = wantError && wantOk;
      const rMark = ops.length;
      ops.push(T_RESOURCE, 0, -2);
      let rContent = 0;
      let rItems = 0;
      // The resource's own fields first (resource, schema_url, unknown), then its kept scopes.
      P = rs;
      while (P < re) {
        const fs = P;
        const tag = readVarint();
        skip(tag);
        if (tag !== T_SCOPES) {
          ops.push(fs, P, -1);
          rContent += P - fs;
        }
      }
      P = rs;
      while (P < re) {
        const tag = readVarint();
        if (tag !== T_SCOPES) {
          skip(tag);
          continue;
        }
        const slen = readVarint();
        const ss = P;
        const se = ss + slen;
        const sMark = ops.length;
        ops.push(T_SCOPES, 0, -2);
        let sContent = 0;
        let sItems = 0;
        // Non-item fields first (scope, schema_url, unknown), then the kept items.
        while (P < se) {
          const fs = P;
          const t = readVarint();
          skip(t);
          if (t !== T_ITEMS) {
            ops.push(fs, P, -1);
            sContent += P - fs;
          }
        }
        P = ss;
        while (P < se) {
          const fs = P;
          const t = readVarint();
          if (t !== T_ITEMS) {
            skip(t);
            continue;
          }
          const ie = readVarint() + P;
          const keep = keepAll || isError(ie) === wantError;
          P = ie;
          if (keep) {
            ops.push(fs, ie, -1);
            sContent += ie - fs;
            sItems++;
          } else changed = true;
        }
        if (sItems === 0) {
          ops.length = sMark;
          changed = true;
          continue;
        }
        ops[sMark + 1] = sContent;
        rContent += 1 + varintSize(sContent) + sContent;
        rItems += sItems;
      }
      if (rItems === 0) {
        ops.length = rMark;
        changed = true;
        continue;
      }
      ops[rMark + 1] = rContent;
      size += 1 + varintSize(rContent) + rContent;
      items += rItems;
    }
    if (!changed) return { bytes, items };
    const out = Buffer.allocUnsafe(size);
    let w = 0;
    for (let i = 0; i < ops.length; i += 3) {
      const a = ops[i]!;
      const b = ops[i + 1]!;
      if (ops[i + 2] === -1) {
        out.set(bytes.subarray(a, b), w);
        w += b - a;
      } else {
        out[w++] = a;
        let n = b;
        while (n >= 0x80) {
          out[w++] = (n & 0x7f) | 0x80;
          n = Math.floor(n / 0x80);
        }
        out[w++] = n;
      }
    }
    return { bytes: out, items };
  } finally {
    // Do not keep the request body alive through module state.
    B = EMPTY;
    ops.length = 0;
  }
}
