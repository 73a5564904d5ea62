// Seeded, reflection-driven random OTLP protobuf requests (traces, logs, metrics), shared by
// test/otlp/decode.test.ts (decode.ts against protobufjs) and test/otlp/wire-equivalence.test.ts (the optimised
// scanRequest against the reference walker). Every field of every message can come up, in random order, with
// duplicates of singular fields and unknown fields. The options pick what each oracle cares about: decoder-oriented
// values (string cache thresholds, invalid UTF-8, -0/NaN, bool high bits) or scanner-oriented ones (length-prefix
// sizes, ids of right and wrong lengths, padded tags, packed repeated scalars, far field numbers).
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { requestType } from '../../src/otlp/schema.ts';
import type { Signal } from '../../src/otlp/signal.ts';
import { cat, tag, varint } from '../otlp/helpers.ts';
import { prng } from './prng.ts';

export interface RandomOtlpOptions {
  /** String values to draw from. */
  strings: readonly string[];
  /** When set, 9 strings in 10 come from the first `commonStrings` entries (keeps requests small next to long strings). */
  commonStrings?: number;
  /** 1 string in 20 is invalid UTF-8 (from INVALID_UTF8): the request then fails in a decoder. */
  badUtf8?: boolean;
  /**
   * 'decoder': type-aware varint edges, special fixed64/double/bool values, empty or random bytes.
   * 'scanner': varints around the 1/2/3-byte boundaries, random fixed-width bytes, ids of right, wrong, empty and
   * all-zero lengths (so invalid items come up).
   */
  values: 'decoder' | 'scanner';
  /** Tags padded with redundant continuation bytes, packed repeated scalars, padded unknown lengths, far field numbers. */
  wireVariants?: boolean;
}

// Strings around decode.ts's length thresholds (1, 12/13, 64/65), cache near-collisions, and non-ASCII.
export const DECODER_STRINGS: readonly string[] = [
  '',
  'a',
  '\u00e9',
  'GET',
  'http.method',
  'http.target',
  'http.status_code',
  'abcdefghijkl',
  'abcdefghijklm',
  'abcXefghijkl',
  'abcYefghijkl',
  'x'.repeat(64),
  'x'.repeat(63) + 'y',
  'x'.repeat(65),
  'service.name',
  'SELECT activities.uuid, activities.message FROM public.activities ORDER BY activities.created_at DESC',
  'h\u00e9llo w\u00f6rld',
  '\u65e5\u672c\u8a9e\u306e\u30ed\u30b0',
  'emoji \u{1f680} 4-byte',
  '\ufeffBOM kept',
  'literal \ufffd replacement',
  'nul\u0000inside',
  '\u007f\u0080 edges',
  'long non-ASCII ' + '\u00fc'.repeat(80),
];

// Lengths around the walker's 1-byte / 2-byte / longer length prefixes (127, 128, 16383, 16384).
export const SCANNER_STRINGS: readonly string[] = ['', 'a', 'http.method', 'x'.repeat(127), 'x'.repeat(128), 'y'.repeat(300), 'z'.repeat(16383), 'w'.repeat(16384), '\u65e5\u672c\u8a9e'];

export const INVALID_UTF8: readonly Uint8Array[] = [
  Uint8Array.of(0x80),
  Uint8Array.of(0x61, 0xc3),
  Uint8Array.of(0xc0, 0xaf),
  Uint8Array.of(0xed, 0xa0, 0x80),
  Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
  Uint8Array.of(0xff, 0x61, 0x62),
  cat(new TextEncoder().encode('x'.repeat(70)), Uint8Array.of(0xe2, 0x82)),
];

/** For decode.ts against protobufjs: valid tags and unknown fields protobufjs reads, values the decoder special-cases. */
export const DECODER_OPTIONS: RandomOtlpOptions = { strings: DECODER_STRINGS, values: 'decoder' };

/** For the scanner against the reference walker: every wire form the fast paths branch on. */
export const SCANNER_OPTIONS: RandomOtlpOptions = { strings: SCANNER_STRINGS, commonStrings: 4, values: 'scanner', wireVariants: true };

/** Seeded randomness; `options` only matter to randomRequest. */
export class Gen {
  readonly r: () => number;
  readonly options: RandomOtlpOptions;
  readonly stringBytes: readonly Uint8Array[];
  constructor(seed: number, options: RandomOtlpOptions = DECODER_OPTIONS) {
    this.r = prng(seed);
    this.options = options;
    this.stringBytes = options.strings.map((s) => new TextEncoder().encode(s));
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  u64(): bigint {
    return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32));
  }
}

/**
 * A varint, sometimes padded with redundant continuation bytes: values up to 10 bytes (scanRequest's limit),
 * lengths (and tags) up to 5 (protobufjs refuses longer length prefixes).
 */
export function genVarint(g: Gen, value: bigint, maxBytes = 10): Uint8Array {
  const plain = varint(BigInt.asUintN(64, value));
  if (plain.length >= maxBytes || !g.chance(0.08)) return plain;
  const extra = 1 + g.int(maxBytes - plain.length);
  const out = Array.from(plain);
  out[out.length - 1]! |= 0x80;
  for (let i = 1; i < extra; i++) out.push(0x80);
  out.push(0x00);
  return Uint8Array.from(out);
}

function genVarintValue(g: Gen, type: string): bigint {
  if (g.options.values === 'scanner') {
    switch (g.int(7)) {
      case 0:
        return 0n;
      case 1:
        return -1n;
      case 2:
        return g.pick([2n ** 63n - 1n, 2n ** 64n - 1n, 2n ** 31n - 1n, 2n ** 32n + 5n, 127n, 128n, 16383n, 16384n]);
      case 3:
        return g.u64();
      case 4:
        return BigInt(g.int(300));
      default:
        return BigInt(g.int(2 ** 32));
    }
  }
  switch (g.int(8)) {
    case 0:
      return 0n;
    case 1:
      return 1n;
    case 2:
      return -1n;
    case 3:
      return type.endsWith('64') ? g.pick([2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 53n + 1n]) : g.pick([2n ** 31n - 1n, -(2n ** 31n), 2n ** 32n - 1n, 2n ** 32n + 5n]);
    case 4:
      return g.u64();
    case 5:
      return BigInt(g.int(300));
    case 6:
      return -BigInt(g.int(2 ** 40));
    default:
      return BigInt(g.int(2 ** 32));
  }
}

function genString(g: Gen): Uint8Array {
  const { badUtf8, commonStrings } = g.options;
  if (badUtf8 && g.chance(0.05)) return g.pick(INVALID_UTF8);
  if (commonStrings !== undefined && g.chance(0.9)) return g.pick(g.stringBytes.slice(0, commonStrings));
  return g.pick(g.stringBytes);
}

function genBytes(g: Gen): Uint8Array {
  if (g.options.values === 'decoder') return g.chance(0.2) ? new Uint8Array(0) : g.bytes(g.pick([1, 8, 16, 3, 40]));
  // Ids: right, wrong, empty and all-zero lengths, so invalid items and reasons come up.
  const n = g.pick([0, 1, 8, 16, 16, 8, 3, 40]);
  return g.chance(0.15) ? new Uint8Array(n) : g.bytes(n);
}

function genScalar(g: Gen, type: string, enumType: boolean): Uint8Array {
  const decoder = g.options.values === 'decoder';
  if (enumType) return genVarint(g, genVarintValue(g, 'int32'));
  switch (type) {
    case 'string':
    case 'bytes': {
      const b = type === 'string' ? genString(g) : genBytes(g);
      return cat(genVarint(g, BigInt(b.length), 5), b);
    }
    case 'bool':
      return genVarint(g, decoder ? g.pick([0n, 1n, 2n, 1n << 40n, 1n << 63n, genVarintValue(g, 'int64')]) : genVarintValue(g, type));
    case 'fixed64': {
      if (!decoder) return g.bytes(8);
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(g.pick([0n, 1n, 2n ** 64n - 1n, 1_700_000_000_123_456_789n, g.u64()]));
      return b;
    }
    case 'fixed32': {
      if (!decoder) return g.bytes(4);
      const b = Buffer.alloc(4);
      b.writeUInt32LE(g.pick([0, 1, 0x101, 0x301, 2 ** 32 - 1, g.int(2 ** 32)]));
      return b;
    }
    case 'double': {
      if (!decoder) return g.bytes(8);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(g.pick([0, -0, NaN, Infinity, -Infinity, 5e-324, 0.25, -1e300, g.r() * 1e6]));
      return b;
    }
    case 'sfixed64':
      return g.bytes(8);
    case 'sfixed32':
    case 'float':
      return g.bytes(4);
    default:
      return genVarint(g, genVarintValue(g, type));
  }
}

const WIRE: Record<string, number> = { string: 2, bytes: 2, fixed64: 1, sfixed64: 1, double: 1, fixed32: 5, sfixed32: 5, float: 5 };

function genTag(g: Gen, no: number, wireType: number): Uint8Array {
  return g.options.wireVariants ? genVarint(g, BigInt(no * 8 + wireType), 5) : tag(no, wireType);
}

function genField(g: Gen, f: protobuf.Field, depth: number): Uint8Array {
  const resolved = f.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const body = genMessage(g, resolved, depth + 1);
    return cat(genTag(g, f.id, 2), genVarint(g, BigInt(body.length), 5), body);
  }
  const isEnum = resolved instanceof protobuf.Enum;
  const wt = isEnum ? 0 : (WIRE[f.type] ?? 0);
  if (g.options.wireVariants && f.repeated && wt !== 2 && g.chance(0.3)) {
    // Packed: a run of elements behind one length prefix.
    const body = cat(...Array.from({ length: g.int(4) }, () => genScalar(g, f.type, isEnum)));
    return cat(tag(f.id, 2), varint(body.length), body);
  }
  return cat(genTag(g, f.id, wt), genScalar(g, f.type, isEnum));
}

function genUnknown(g: Gen, known: Set<number>): Uint8Array {
  const variants = g.options.wireVariants === true;
  let no = 1 + g.int(40);
  while (known.has(no)) no++;
  if (variants) {
    if (g.chance(0.15)) no = g.pick([16, 17, 255, 256, 2047, 2048, 1000 + g.int(2 ** 20), 2 ** 29 - 1]);
    if (known.has(no)) no = 2 ** 29 - 1;
  } else if (g.chance(0.1)) {
    no = 1000 + g.int(2 ** 20);
  }
  switch (g.int(4)) {
    case 0:
      return cat(tag(no, 0), genVarint(g, g.u64()));
    case 1:
      return cat(tag(no, 1), g.bytes(8));
    case 2: {
      const b = g.bytes(g.int(12));
      return cat(tag(no, 2), variants ? genVarint(g, BigInt(b.length), 5) : varint(b.length), b);
    }
    default:
      return cat(tag(no, 5), g.bytes(4));
  }
}

const ITEM_FIELDS = new Set(['spans', 'logRecords', 'dataPoints', 'metrics']);

/** Random wire bytes for `t`: every field possible, random order, duplicates of singular fields, unknown fields. */
export function genMessage(g: Gen, t: Type, depth: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const known = new Set(t.fieldsArray.map((f) => f.id));
  const isAny = t.name === 'AnyValue';
  for (const f of t.fieldsArray) {
    f.resolve();
    const isMsg = f.resolvedType instanceof protobuf.Type;
    // Keep recursion (AnyValue <-> KeyValueList / ArrayValue) shallow and requests small.
    const deep = isMsg && depth > 7;
    if (f.repeated) {
      const max = ITEM_FIELDS.has(f.name) ? 4 : deep ? 0 : isAny || depth > 4 ? 2 : 3;
      const n = g.int(max + 1);
      for (let i = 0; i < n; i++) parts.push(genField(g, f, depth));
    } else {
      const p = isAny ? 0.3 : deep ? 0 : 0.7;
      if (g.chance(p)) parts.push(genField(g, f, depth));
      if (!deep && g.chance(isAny ? 0.1 : 0.05)) parts.push(genField(g, f, depth)); // again: last wins / merged
    }
  }
  const unknown = g.int(3) === 0 ? 1 + g.int(2) : 0;
  for (let i = 0; i < unknown; i++) parts.push(genUnknown(g, known));
  if (g.chance(0.6)) {
    for (let i = parts.length - 1; i > 0; i--) {
      const j = g.int(i + 1);
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
    }
  }
  return cat(...parts);
}

/** A random export request of `signal`, drawn with `g`'s options. */
export function randomRequest(g: Gen, signal: Signal): Uint8Array {
  return genMessage(g, requestType(signal), 0);
}
