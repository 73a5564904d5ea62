/** OTLP/JSON (proto3 JSON but hex ids, integer enums, int64 as string or number) <-> messages, via protobufjs reflection. */
import protobuf from 'protobufjs';
import type { Field, Type } from 'protobufjs';
import { OtlpDecodeError } from './errors.ts';
import { MAX_ANY_VALUE_DEPTH } from './wire.ts';

const K_MESSAGE = 0;
const K_ENUM = 1;
const K_INT64 = 2;
const K_UINT64 = 3;
const K_INT32 = 4;
const K_UINT32 = 5;
const K_DOUBLE = 6;
const K_BOOL = 7;
const K_STRING = 8;
const K_BYTES = 9;
const K_HEX_ID = 10;

interface FieldPlan {
  /** camelCase name: the decoded-object key and the OTLP/JSON key. */
  readonly name: string;
  readonly kind: number;
  readonly repeated: boolean;
  /** Oneof member or proto3 optional: emitted even when it holds the default value. */
  readonly explicitPresence: boolean;
  readonly msg: TypePlan | undefined;
  readonly enumType: protobuf.Enum | undefined;
  /** For hex ids: expected length in bytes. */
  readonly idBytes: number;
}

interface TypePlan {
  readonly name: string;
  readonly isAnyValue: boolean;
  readonly fields: FieldPlan[];
  /** Accepted JSON keys (camelCase and snake_case) to fields. */
  readonly byKey: Map<string, FieldPlan>;
}

const SCALAR_KIND: Record<string, number> = {
  double: K_DOUBLE,
  float: K_DOUBLE,
  int32: K_INT32,
  sint32: K_INT32,
  sfixed32: K_INT32,
  uint32: K_UINT32,
  fixed32: K_UINT32,
  int64: K_INT64,
  sint64: K_INT64,
  sfixed64: K_INT64,
  uint64: K_UINT64,
  fixed64: K_UINT64,
  bool: K_BOOL,
  string: K_STRING,
  bytes: K_BYTES,
};

/** Bytes fields that OTLP/JSON spells as hex, with their length in bytes (Span, Span.Link, LogRecord, Exemplar). */
const HEX_ID_BYTES: Record<string, number> = { trace_id: 16, span_id: 8, parent_span_id: 8 };

const planCache = new Map<Type, TypePlan>();

function planFor(t: Type): TypePlan {
  const cached = planCache.get(t);
  if (cached !== undefined) return cached;
  const fields: FieldPlan[] = [];
  const byKey = new Map<string, FieldPlan>();
  const plan: TypePlan = { name: t.name, isAnyValue: t.fullName === '.opentelemetry.proto.common.v1.AnyValue', fields, byKey };
  // Registered before recursing: AnyValue is recursive.
  planCache.set(t, plan);
  for (const f of t.fieldsArray) {
    const fp = fieldPlan(f);
    fields.push(fp);
    byKey.set(fp.name, fp);
    byKey.set(f.protoName ?? fp.name, fp);
  }
  return plan;
}

function fieldPlan(f: Field): FieldPlan {
  f.resolve();
  const resolved = f.resolvedType;
  const protoName = f.protoName ?? f.name;
  let kind: number;
  let msg: TypePlan | undefined;
  let enumType: protobuf.Enum | undefined;
  let idBytes = 0;
  if (resolved instanceof protobuf.Type) {
    kind = K_MESSAGE;
    msg = planFor(resolved);
  } else if (resolved instanceof protobuf.Enum) {
    kind = K_ENUM;
    enumType = resolved;
  } else {
    const k = SCALAR_KIND[f.type];
    if (k === undefined) throw new Error(`OTLP/JSON plan: unsupported type ${f.type} for ${protoName}`);
    kind = k;
    const hex = HEX_ID_BYTES[protoName];
    if (k === K_BYTES && hex !== undefined) {
      kind = K_HEX_ID;
      idBytes = hex;
    }
  }
  return { name: f.name, kind, repeated: f.repeated, explicitPresence: f.partOf != null, msg, enumType, idBytes };
}

/** The conversion plan of a message type (built once per type). */
export function jsonPlan(t: Type): TypePlan {
  return planFor(t);
}

// ---- parsing ----

const INTEGER_LITERAL = /^-?\d+$/;
/** A number literal of 16+ digits (2^53 has 16) following `:`, `[` or `,`; may also match inside a string, harmlessly. */
const UNSAFE_INTEGER_LITERAL = /[:[,]\s*-?\d{16}/;
const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function jsonFail(path: string, problem: string): OtlpDecodeError {
  return new OtlpDecodeError(`invalid OTLP/JSON: ${path === '' ? '(top level)' : path}: ${problem}`);
}

/** Keeps integer literals beyond 2^53 exact: they become bigint (Node 24's reviver context.source). */
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    const source = context?.source;
    if (source !== undefined && INTEGER_LITERAL.test(source)) return BigInt(source);
  }
  return value;
}

/** JSON.parse with exact big integers; throws OtlpDecodeError("invalid JSON: ..."). */
export function parseJson(text: string): unknown {
  try {
    // The reviver costs ~5x a plain parse: use it only if a number literal (not a string) has 16+ digits.
    return UNSAFE_INTEGER_LITERAL.test(text) ? JSON.parse(text, exactIntegers) : JSON.parse(text);
  } catch (e) {
    throw new OtlpDecodeError(`invalid JSON: ${(e as Error).message}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'bigint') return `the number ${v}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function toBigInt(v: unknown, path: string, unsigned: boolean): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && INTEGER_LITERAL.test(v)) n = BigInt(v);
  else throw jsonFail(path, `expected a 64-bit integer (number or decimal string), got ${describe(v)}`);
  if (unsigned ? n < 0n || n > UINT64_MAX : n < INT64_MIN || n > INT64_MAX) {
    throw jsonFail(path, `${n} is out of range for a ${unsigned ? 'u' : ''}int64`);
  }
  return n;
}

function toInt32(v: unknown, path: string, unsigned: boolean): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && INTEGER_LITERAL.test(v)) n = Number(v);
  else if (typeof v === 'bigint') n = Number(v);
  else throw jsonFail(path, `expected an integer, got ${describe(v)}`);
  const ok = Number.isInteger(n) && (unsigned ? n >= 0 && n <= 0xffffffff : n >= -0x80000000 && n <= 0x7fffffff);
  if (!ok) throw jsonFail(path, `expected a ${unsigned ? 'u' : ''}int32, got ${describe(v)}`);
  return n;
}

function toDouble(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (Number.isFinite(n)) return n;
  }
  throw jsonFail(path, `expected a number, got ${describe(v)}`);
}

function toEnum(e: protobuf.Enum, v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  if (typeof v === 'string') {
    const n = e.values[v];
    if (n !== undefined) return n;
    if (INTEGER_LITERAL.test(v)) return toInt32(v, path, false);
    throw jsonFail(path, `unknown ${e.name} value ${JSON.stringify(v)}`);
  }
  throw jsonFail(path, `expected a ${e.name} (integer or name), got ${describe(v)}`);
}

function toHexId(v: unknown, path: string, bytes: number): Uint8Array {
  if (typeof v !== 'string') throw jsonFail(path, `expected a hex string, got ${describe(v)}`);
  // Empty means "no id": valid for optional ids, counted as an invalid item for required ones (as in protobuf).
  if (v.length === 0) return new Uint8Array(0);
  if (v.length !== bytes * 2 || !HEX.test(v)) throw jsonFail(path, `expected ${bytes * 2} hex characters`);
  return Buffer.from(v, 'hex');
}

function toBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) throw jsonFail(path, `expected a base64 string, got ${describe(v)}`);
  return Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
}

function convertValue(f: FieldPlan, v: unknown, path: string, anyDepth: number): unknown {
  switch (f.kind) {
    case K_MESSAGE:
      return convertMessage(f.msg!, v, path, anyDepth);
    case K_ENUM:
      return toEnum(f.enumType!, v, path);
    case K_INT64:
      return toBigInt(v, path, false);
    case K_UINT64:
      return toBigInt(v, path, true);
    case K_INT32:
      return toInt32(v, path, false);
    case K_UINT32:
      return toInt32(v, path, true);
    case K_DOUBLE:
      return toDouble(v, path);
    case K_BOOL:
      if (typeof v !== 'boolean') throw jsonFail(path, `expected true or false, got ${describe(v)}`);
      return v;
    case K_STRING:
      if (typeof v !== 'string') throw jsonFail(path, `expected a string, got ${describe(v)}`);
      return v;
    case K_BYTES:
      return toBytes(v, path);
    default:
      return toHexId(v, path, f.idBytes);
  }
}

/** Converts one OTLP/JSON object into a protobufjs fromObject input (bigint for 64-bit, Uint8Array for bytes). */
function convertMessage(plan: TypePlan, json: unknown, path: string, anyDepth: number): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw jsonFail(path, `expected an object, got ${describe(json)}`);
  }
  let depth = anyDepth;
  if (plan.isAnyValue && ++depth > MAX_ANY_VALUE_DEPTH) {
    throw jsonFail(path, `AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  }
  const out: Record<string, unknown> = {};
  const obj = json as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const f = plan.byKey.get(key);
    if (f === undefined) continue; // unknown fields are ignored (OTLP/JSON rule)
    const v = obj[key];
    if (v === null || v === undefined) continue; // null means "absent" in proto3 JSON
    const p = path === '' ? key : `${path}.${key}`;
    if (f.repeated) {
      if (!Array.isArray(v)) throw jsonFail(p, `expected an array, got ${describe(v)}`);
      const arr = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) arr[i] = convertValue(f, v[i], `${p}[${i}]`, depth);
      out[f.name] = arr;
    } else {
      out[f.name] = convertValue(f, v, p, depth);
    }
  }
  return out;
}

/** Parses OTLP/JSON text of message type `t` into a protobufjs fromObject input. */
export function jsonToMessageInput(t: Type, text: string): Record<string, unknown> {
  const json = parseJson(text);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new OtlpDecodeError(`invalid OTLP/JSON: expected an object at the top level, got ${describe(json)}`);
  }
  return convertMessage(planFor(t), json, '', 0);
}

// ---- printing ----

function isDefault(f: FieldPlan, v: unknown): boolean {
  switch (f.kind) {
    case K_MESSAGE:
      return false;
    case K_BYTES:
    case K_HEX_ID:
      return (v as Uint8Array).length === 0;
    case K_STRING:
      return v === '';
    case K_BOOL:
      return v === false;
    case K_INT64:
    case K_UINT64:
      return v === 0n || v === 0;
    case K_DOUBLE:
      return Object.is(v, 0);
    default:
      return v === 0;
  }
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function printValue(f: FieldPlan, v: unknown): unknown {
  switch (f.kind) {
    case K_MESSAGE:
      return printMessage(f.msg!, v as Record<string, unknown>);
    case K_INT64:
    case K_UINT64:
      return String(v);
    case K_DOUBLE: {
      const n = v as number;
      if (Number.isFinite(n)) return n;
      return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
    }
    case K_BYTES:
      return toBuffer(v as Uint8Array).toString('base64');
    case K_HEX_ID:
      return toBuffer(v as Uint8Array).toString('hex');
    default:
      return v;
  }
}

/** Prints a decoded message (codec.ts decodeRequest shape) as OTLP/JSON; fields at their default are omitted. */
export function printMessage(plan: TypePlan, m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of plan.fields) {
    const v = m[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      out[f.name] = arr.map((x) => printValue(f, x));
      continue;
    }
    if (!f.explicitPresence && isDefault(f, v)) continue;
    out[f.name] = printValue(f, v);
  }
  return out;
}
