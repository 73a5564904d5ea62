/** Oracle for wire-equivalence.test.ts: src/otlp/wire.ts as it was before the hot-path rewrite, verbatim apart from imports. */
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { OtlpDecodeError } from '../../src/otlp/errors.ts';
import { requestType } from '../../src/otlp/schema.ts';
import { type Signal } from '../../src/otlp/signal.ts';
import { idProblem } from '../../src/otlp/validity.ts';

/** One top-level field-1 entry (ResourceSpans / ResourceLogs / ResourceMetrics), tag and length prefix included. */
export interface ResourceSlice {
  start: number;
  end: number;
  /** Spans / log records / data points inside this entry. */
  items: number;
  /** How many of those items are invalid (see scanRequest). */
  invalid: number;
}

export interface ScanResult {
  items: number;
  invalid: number;
  firstInvalidReason?: string;
  /** In request order; concatenating bytes.subarray(start, end) of any subset gives a valid request. */
  resources: ResourceSlice[];
}

/** AnyValue may nest through arrays and kvlists; deeper than this is rejected as hostile. */
export const MAX_ANY_VALUE_DEPTH = 32;

const WT_VARINT = 0;
const WT_I64 = 1;
const WT_LEN = 2;
const WT_I32 = 5;
const WIRE_TYPE_NAME = ['varint', '64-bit', 'length-delimited', 'start group', 'end group', '32-bit', 'invalid', 'invalid'];

// Message kinds that need more than validation.
const K_PLAIN = 0;
const K_SPAN = 1;
const K_LOG = 2;
const K_METRIC = 3;
const K_POINT = 4;
const K_ANY = 5;

// Field roles inside K_SPAN / K_LOG / K_METRIC messages.
const R_NONE = 0;
const R_TRACE_ID = 1;
const R_SPAN_ID = 2;
const R_PARENT_SPAN_ID = 3;
const R_METRIC_NAME = 4;

interface FieldPlan {
  readonly no: number;
  /** The .proto (snake_case) name, for error messages. */
  readonly name: string;
  /** Wire type of one value (the element's for repeated scalars). */
  readonly wire: number;
  /** Whether a length-delimited (packed) encoding is also accepted: repeated numeric scalars. */
  readonly packable: boolean;
  readonly msg: MsgPlan | undefined;
  readonly role: number;
}

interface MsgPlan {
  /** Name without the package, e.g. `Span.Event`. */
  name: string;
  kind: number;
  /** Indexed by field number; undefined = unknown field. */
  fields: (FieldPlan | undefined)[];
}

const KIND_BY_TYPE: Record<string, number> = {
  '.opentelemetry.proto.trace.v1.Span': K_SPAN,
  '.opentelemetry.proto.logs.v1.LogRecord': K_LOG,
  '.opentelemetry.proto.metrics.v1.Metric': K_METRIC,
  '.opentelemetry.proto.metrics.v1.NumberDataPoint': K_POINT,
  '.opentelemetry.proto.metrics.v1.HistogramDataPoint': K_POINT,
  '.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint': K_POINT,
  '.opentelemetry.proto.metrics.v1.SummaryDataPoint': K_POINT,
  '.opentelemetry.proto.common.v1.AnyValue': K_ANY,
};

const SCALAR_WIRE: Record<string, number> = {
  double: WT_I64,
  float: WT_I32,
  int32: WT_VARINT,
  int64: WT_VARINT,
  uint32: WT_VARINT,
  uint64: WT_VARINT,
  sint32: WT_VARINT,
  sint64: WT_VARINT,
  fixed32: WT_I32,
  fixed64: WT_I64,
  sfixed32: WT_I32,
  sfixed64: WT_I64,
  bool: WT_VARINT,
  string: WT_LEN,
  bytes: WT_LEN,
};

function roleOf(kind: number, protoName: string): number {
  if (kind === K_SPAN || kind === K_LOG) {
    if (protoName === 'trace_id') return R_TRACE_ID;
    if (protoName === 'span_id') return R_SPAN_ID;
    if (protoName === 'parent_span_id' && kind === K_SPAN) return R_PARENT_SPAN_ID;
  }
  if (kind === K_METRIC && protoName === 'name') return R_METRIC_NAME;
  return R_NONE;
}

function shortName(t: Type): string {
  let name = t.name;
  for (let p = t.parent; p instanceof protobuf.Type; p = p.parent) name = `${p.name}.${name}`;
  return name;
}

function buildPlan(t: Type, cache: Map<Type, MsgPlan>): MsgPlan {
  const cached = cache.get(t);
  if (cached !== undefined) return cached;
  const plan: MsgPlan = { name: shortName(t), kind: KIND_BY_TYPE[t.fullName] ?? K_PLAIN, fields: [] };
  // Registered before recursing: AnyValue -> ArrayValue/KeyValueList -> KeyValue -> AnyValue is a cycle.
  cache.set(t, plan);
  const fields: (FieldPlan | undefined)[] = [];
  for (const f of t.fieldsArray) {
    f.resolve();
    const resolved = f.resolvedType;
    const protoName = f.protoName ?? f.name;
    let wire: number;
    let msg: MsgPlan | undefined;
    if (resolved instanceof protobuf.Type) {
      wire = WT_LEN;
      msg = buildPlan(resolved, cache);
    } else if (resolved instanceof protobuf.Enum) {
      wire = WT_VARINT;
    } else {
      const w = SCALAR_WIRE[f.type];
      if (w === undefined) throw new Error(`wire plan: unsupported type ${f.type} for ${t.fullName}.${protoName}`);
      wire = w;
    }
    if (f.map) throw new Error(`wire plan: map fields are not used by OTLP (${t.fullName}.${protoName})`);
    fields[f.id] = {
      no: f.id,
      name: protoName,
      wire,
      packable: f.repeated && wire !== WT_LEN,
      msg,
      role: roleOf(plan.kind, protoName),
    };
  }
  // Fill holes so the array stays dense (holey arrays take slower element access paths).
  const dense: (FieldPlan | undefined)[] = new Array<FieldPlan | undefined>(fields.length).fill(undefined);
  for (let i = 0; i < fields.length; i++) dense[i] = fields[i];
  plan.fields = dense;
  return plan;
}

const plans = new Map<Signal, MsgPlan>();

function requestPlan(signal: Signal): MsgPlan {
  let plan = plans.get(signal);
  if (plan === undefined) {
    plan = buildPlan(requestType(signal), new Map());
    plans.set(signal, plan);
  }
  return plan;
}

// ---- walker state: module-level so the hot loop allocates nothing; scanRequest is synchronous ----

const EMPTY = new Uint8Array(0);
let B: Uint8Array = EMPTY;
let P = 0;
let items = 0;
let invalid = 0;
let firstReason: string | undefined;
let anyDepth = 0;

function fail(message: string): OtlpDecodeError {
  return new OtlpDecodeError(`invalid protobuf: ${message}`);
}

function fieldLabel(plan: MsgPlan, no: number, f: FieldPlan | undefined): string {
  return f === undefined ? `${plan.name} field ${no}` : `${plan.name}.${f.name} (field ${no})`;
}

/** Reads a tag or a length (≤ 10 bytes, well-formed); values above 2^32 come back imprecise but > any buffer. */
function readVarint(end: number): number {
  const start = P;
  let b = B[P++]!;
  if (b < 0x80) return b;
  let value = b & 0x7f;
  let mul = 0x80;
  for (let i = 1; i < 10; i++) {
    if (P >= end) throw fail(`truncated varint at byte ${start}`);
    b = B[P++]!;
    value += (b & 0x7f) * mul;
    mul *= 0x80;
    if (b < 0x80) {
      if (i === 9 && b > 1) throw fail(`malformed varint (overflows 64 bits) at byte ${start}`);
      return value;
    }
  }
  throw fail(`malformed varint (more than 10 bytes) at byte ${start}`);
}

function skipVarint(end: number): void {
  const start = P;
  for (let i = 0; i < 10; i++) {
    if (P >= end) throw fail(`truncated varint at byte ${start}`);
    const b = B[P++]!;
    if (b < 0x80) {
      if (i === 9 && b > 1) throw fail(`malformed varint (overflows 64 bits) at byte ${start}`);
      return;
    }
  }
  throw fail(`malformed varint (more than 10 bytes) at byte ${start}`);
}

/** Reads a length prefix and checks the payload fits before `end`; returns the length. */
function readLength(end: number, tagPos: number, plan: MsgPlan, no: number, f: FieldPlan | undefined): number {
  if (P >= end) throw fail(`truncated length-delimited field at byte ${tagPos}: ${fieldLabel(plan, no, f)} has no length`);
  const len = readVarint(end);
  if (len > end - P) {
    throw fail(
      `truncated length-delimited field at byte ${tagPos}: ${fieldLabel(plan, no, f)} declares ${len} bytes, ${end - P} left`,
    );
  }
  return len;
}

function skipFixed(size: number, end: number, tagPos: number, plan: MsgPlan, no: number, f: FieldPlan | undefined): void {
  if (end - P < size) {
    throw fail(
      `truncated ${size * 8}-bit field at byte ${tagPos}: ${fieldLabel(plan, no, f)} needs ${size} bytes, ${end - P} left`,
    );
  }
  P += size;
}

function skipUnknown(wt: number, no: number, end: number, tagPos: number, plan: MsgPlan): void {
  switch (wt) {
    case WT_VARINT:
      skipVarint(end);
      return;
    case WT_I64:
      skipFixed(8, end, tagPos, plan, no, undefined);
      return;
    case WT_LEN: {
      const len = readLength(end, tagPos, plan, no, undefined);
      P += len;
      return;
    }
    case WT_I32:
      skipFixed(4, end, tagPos, plan, no, undefined);
      return;
    case 3:
    case 4:
      throw fail(`${plan.name} field ${no} uses the unsupported group wire type ${wt}, at byte ${tagPos}`);
    default:
      throw fail(`${plan.name} field ${no} has invalid wire type ${wt}, at byte ${tagPos}`);
  }
}

function wrongWireType(plan: MsgPlan, f: FieldPlan, wt: number, tagPos: number): OtlpDecodeError {
  const expected = `${f.wire} (${WIRE_TYPE_NAME[f.wire]})${f.packable ? ' or 2 (packed)' : ''}`;
  return fail(
    `${plan.name}.${f.name} (field ${f.no}) has wire type ${wt} (${WIRE_TYPE_NAME[wt]}), expected ${expected}, at byte ${tagPos}`,
  );
}

function checkPacked(plan: MsgPlan, f: FieldPlan, len: number, tagPos: number): void {
  const end = P + len;
  if (f.wire === WT_VARINT) {
    while (P < end) skipVarint(end);
    return;
  }
  const size = f.wire === WT_I64 ? 8 : 4;
  if (len % size !== 0) {
    throw fail(
      `${plan.name}.${f.name} (field ${f.no}) is a packed ${size * 8}-bit array of ${len} bytes, not a multiple of ${size}, at byte ${tagPos}`,
    );
  }
  P = end;
}

function allZero(start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (B[i] !== 0) return false;
  return true;
}

/**
 * Counts invalid items; the reason is built only for the first. No closures here or in walkMessage: a
 * closure over walkMessage's parameters makes V8 allocate a context on every call (~1 KB per span).
 */
function recordInvalid(count: number, what: string, at: number, problem: string): void {
  invalid += count;
  if (firstReason === undefined) firstReason = `${what} at byte ${at}${problem}`;
}

/** Walks the message in [start, end) leaving P at end; `at` (its tag's offset) is quoted in invalid-item reasons. */
function walkMessage(plan: MsgPlan, start: number, end: number, at: number): void {
  const kind = plan.kind;
  const fields = plan.fields;
  if (kind === K_ANY && ++anyDepth > MAX_ANY_VALUE_DEPTH) {
    throw fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels at byte ${at}`);
  }
  const itemsBefore = items;
  // Id bookkeeping for spans and log records (last occurrence wins, as in protobuf).
  let traceLen = 0;
  let traceZero = true;
  let spanLen = 0;
  let spanZero = true;
  let parentLen = 0;
  let nameLen = 0;
  P = start;
  while (P < end) {
    const tagPos = P;
    const tag = readVarint(end);
    if (tag > 0xffffffff) throw fail(`${plan.name} has a field number beyond 2^29 at byte ${tagPos}`);
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) throw fail(`${plan.name} has a field number 0 at byte ${tagPos}`);
    const f = no < fields.length ? fields[no] : undefined;
    if (f === undefined) {
      skipUnknown(wt, no, end, tagPos, plan);
      continue;
    }
    if (wt !== f.wire) {
      if (wt === WT_LEN && f.packable) {
        checkPacked(plan, f, readLength(end, tagPos, plan, no, f), tagPos);
        continue;
      }
      throw wrongWireType(plan, f, wt, tagPos);
    }
    switch (wt) {
      case WT_VARINT:
        skipVarint(end);
        break;
      case WT_I64:
        skipFixed(8, end, tagPos, plan, no, f);
        break;
      case WT_I32:
        skipFixed(4, end, tagPos, plan, no, f);
        break;
      default: {
        const len = readLength(end, tagPos, plan, no, f);
        const s = P;
        const e = s + len;
        if (f.msg !== undefined) {
          walkMessage(f.msg, s, e, tagPos);
        } else if (f.role !== R_NONE) {
          switch (f.role) {
            case R_TRACE_ID:
              traceLen = len;
              traceZero = allZero(s, e);
              break;
            case R_SPAN_ID:
              spanLen = len;
              spanZero = allZero(s, e);
              break;
            case R_PARENT_SPAN_ID:
              parentLen = len;
              break;
            default:
              nameLen = len;
          }
        }
        P = e;
      }
    }
  }
  switch (kind) {
    case K_PLAIN:
      return;
    case K_ANY:
      anyDepth--;
      return;
    case K_POINT:
      items++;
      return;
    case K_SPAN: {
      items++;
      const problem =
        idProblem('trace_id', traceLen, traceZero, 16, false) ??
        idProblem('span_id', spanLen, spanZero, 8, false) ??
        idProblem('parent_span_id', parentLen, false, 8, true);
      if (problem !== undefined) recordInvalid(1, 'span', at, `: ${problem}`);
      return;
    }
    case K_LOG: {
      items++;
      const problem = idProblem('trace_id', traceLen, traceZero, 16, true) ?? idProblem('span_id', spanLen, spanZero, 8, true);
      if (problem !== undefined) recordInvalid(1, 'log record', at, `: ${problem}`);
      return;
    }
    case K_METRIC: {
      const points = items - itemsBefore;
      if (nameLen === 0 && points > 0) {
        recordInvalid(points, 'metric', at, ` has an empty name (${points} data points)`);
      }
      return;
    }
  }
}

/** Strictly validates a request (else OtlpDecodeError) and counts its items and invalid items (rules in validity.ts). */
export function scanRequest(signal: Signal, bytes: Uint8Array): ScanResult {
  const plan = requestPlan(signal);
  const resourceField = plan.fields[1];
  const resourcePlan = resourceField?.msg;
  if (resourceField === undefined || resourcePlan === undefined) throw new Error(`wire plan: ${plan.name} has no field 1`);
  B = bytes;
  P = 0;
  items = 0;
  invalid = 0;
  firstReason = undefined;
  anyDepth = 0;
  const resources: ResourceSlice[] = [];
  try {
    const end = bytes.length;
    while (P < end) {
      const tagPos = P;
      const tag = readVarint(end);
      if (tag > 0xffffffff) throw fail(`${plan.name} has a field number beyond 2^29 at byte ${tagPos}`);
      const no = tag >>> 3;
      const wt = tag & 7;
      if (no === 0) throw fail(`${plan.name} has a field number 0 at byte ${tagPos}`);
      if (no !== 1) {
        skipUnknown(wt, no, end, tagPos, plan);
        continue;
      }
      if (wt !== WT_LEN) throw wrongWireType(plan, resourceField, wt, tagPos);
      const len = readLength(end, tagPos, plan, no, resourceField);
      const itemsBefore = items;
      const invalidBefore = invalid;
      walkMessage(resourcePlan, P, P + len, tagPos);
      resources.push({ start: tagPos, end: P, items: items - itemsBefore, invalid: invalid - invalidBefore });
    }
    const result: ScanResult = { items, invalid, resources };
    if (firstReason !== undefined) result.firstInvalidReason = firstReason;
    return result;
  } finally {
    // Do not keep the request body alive through module state.
    B = EMPTY;
    firstReason = undefined;
  }
}
