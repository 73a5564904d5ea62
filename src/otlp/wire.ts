/** Schema-driven wire walker, the pass-through hot path: validates and counts without materialising messages. */
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { OtlpDecodeError } from './errors.ts';
import { requestType } from './schema.ts';
import { type Signal } from './signal.ts';
import { idProblem } from './validity.ts';

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
const K_KEY_VALUE = 6;

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
  /** Fast-path action (A_*) by tag value, for tags below its length; A_SLOW = let slowField decide. */
  act: Uint8Array;
  /** Sub-message plan by tag value, where act is A_MSG or above. */
  sub: (MsgPlan | undefined)[];
}

// Fast-path actions of a tag (1- or 2-byte tags of well-formed fields); everything else goes to slowField.
const A_SLOW = 0;
const A_VARINT = 1;
const A_I64 = 2;
const A_I32 = 3;
const A_LEN = 4;
const A_TRACE_ID = 5;
const A_SPAN_ID = 6;
const A_PARENT_SPAN_ID = 7;
const A_METRIC_NAME = 8;
// Sub-messages (A_MSG and up): generic, or one of the hand-written walkers of the hottest types.
const A_MSG = 9;
const A_KEY_VALUE = 10;
const A_ANY_VALUE = 11;
const A_SPAN = 12;
/** Unknown fields by wire type (groups and invalid wire types are errors: slow path). */
const UNKNOWN_ACT = [A_VARINT, A_I64, A_LEN, A_SLOW, A_SLOW, A_I32, A_SLOW, A_SLOW];
const ROLE_ACT = [A_LEN, A_TRACE_ID, A_SPAN_ID, A_PARENT_SPAN_ID, A_METRIC_NAME];

const KIND_BY_TYPE: Record<string, number> = {
  '.opentelemetry.proto.trace.v1.Span': K_SPAN,
  '.opentelemetry.proto.logs.v1.LogRecord': K_LOG,
  '.opentelemetry.proto.metrics.v1.Metric': K_METRIC,
  '.opentelemetry.proto.metrics.v1.NumberDataPoint': K_POINT,
  '.opentelemetry.proto.metrics.v1.HistogramDataPoint': K_POINT,
  '.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint': K_POINT,
  '.opentelemetry.proto.metrics.v1.SummaryDataPoint': K_POINT,
  '.opentelemetry.proto.common.v1.AnyValue': K_ANY,
  '.opentelemetry.proto.common.v1.KeyValue': K_KEY_VALUE,
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
  const plan: MsgPlan = { name: shortName(t), kind: KIND_BY_TYPE[t.fullName] ?? K_PLAIN, fields: [], act: new Uint8Array(0), sub: [] };
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
  // Tags of known fields only (field numbers < fields.length); tags at or beyond act.length are unknown fields.
  const act = new Uint8Array(dense.length * 8);
  const sub: (MsgPlan | undefined)[] = new Array<MsgPlan | undefined>(act.length).fill(undefined);
  for (let tag = 8; tag < act.length; tag++) {
    const f = dense[tag >>> 3];
    const wt = tag & 7;
    if (f === undefined) act[tag] = UNKNOWN_ACT[wt]!;
    else if (wt !== f.wire) act[tag] = A_SLOW; // packed arrays and wrong wire types
    else if (wt === WT_VARINT) act[tag] = A_VARINT;
    else if (wt === WT_I64) act[tag] = A_I64;
    else if (wt === WT_I32) act[tag] = A_I32;
    else if (f.msg !== undefined) {
      act[tag] = f.msg.kind === K_KEY_VALUE ? A_KEY_VALUE : f.msg.kind === K_ANY ? A_ANY_VALUE : f.msg.kind === K_SPAN ? A_SPAN : A_MSG;
      sub[tag] = f.msg;
    } else act[tag] = ROLE_ACT[f.role]!;
  }
  plan.act = act;
  plan.sub = sub;
  checkHandWritten(plan);
  return plan;
}

/** The tags walkKeyValue / walkAnyValue / walkSpan take inline, with the action the plan gives each. */
const HAND_WRITTEN: Record<number, [number, number][]> = {
  [K_KEY_VALUE]: [
    [0x0a, A_LEN],
    [0x12, A_ANY_VALUE],
  ],
  [K_ANY]: [
    [0x0a, A_LEN],
    [0x10, A_VARINT],
    [0x18, A_VARINT],
    [0x21, A_I64],
    [0x2a, A_MSG],
    [0x32, A_MSG],
    [0x3a, A_LEN],
    [0x40, A_VARINT],
  ],
  [K_SPAN]: [
    [0x0a, A_TRACE_ID],
    [0x12, A_SPAN_ID],
    [0x1a, A_LEN],
    [0x22, A_PARENT_SPAN_ID],
    [0x2a, A_LEN],
    [0x30, A_VARINT],
    [0x39, A_I64],
    [0x41, A_I64],
    [0x4a, A_KEY_VALUE],
    [0x50, A_VARINT],
    [0x5a, A_MSG],
    [0x60, A_VARINT],
    [0x6a, A_MSG],
    [0x70, A_VARINT],
    [0x7a, A_MSG],
    [0x85, A_I32], // the 2-byte tag 0x85 0x01
  ],
};

/** Fails at plan time if the .proto no longer matches what the hand-written walkers assume. */
function checkHandWritten(plan: MsgPlan): void {
  for (const [first, want] of HAND_WRITTEN[plan.kind] ?? []) {
    const tag = first < 0x80 ? first : (first & 0x7f) | (1 << 7);
    if (plan.act[tag] !== want) throw new Error(`wire plan: ${plan.name} tag ${tag} is action ${plan.act[tag]}, the hand-written walker assumes ${want}`);
  }
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

// slowField's out-values for a role field (A_TRACE_ID ... A_METRIC_NAME), read by walkMessage right after.
let slowStart = 0;
let slowEnd = 0;

/**
 * One field at P of `plan`'s message ending at `end`, the general way (any tag, any length, errors with
 * their messages); leaves P after it. Returns the field's role action when it is an id or name field, else A_SLOW.
 */
function slowField(plan: MsgPlan, end: number): number {
  const fields = plan.fields;
  const tagPos = P;
  const tag = readVarint(end);
  if (tag > 0xffffffff) throw fail(`${plan.name} has a field number beyond 2^29 at byte ${tagPos}`);
  const no = tag >>> 3;
  const wt = tag & 7;
  if (no === 0) throw fail(`${plan.name} has a field number 0 at byte ${tagPos}`);
  const f = no < fields.length ? fields[no] : undefined;
  if (f === undefined) {
    skipUnknown(wt, no, end, tagPos, plan);
    return A_SLOW;
  }
  if (wt !== f.wire) {
    if (wt === WT_LEN && f.packable) {
      checkPacked(plan, f, readLength(end, tagPos, plan, no, f), tagPos);
      return A_SLOW;
    }
    throw wrongWireType(plan, f, wt, tagPos);
  }
  switch (wt) {
    case WT_VARINT:
      skipVarint(end);
      return A_SLOW;
    case WT_I64:
      skipFixed(8, end, tagPos, plan, no, f);
      return A_SLOW;
    case WT_I32:
      skipFixed(4, end, tagPos, plan, no, f);
      return A_SLOW;
    default: {
      const len = readLength(end, tagPos, plan, no, f);
      const s = P;
      const e = s + len;
      if (f.msg !== undefined) walkMessage(f.msg, s, e, tagPos);
      P = e;
      slowStart = s;
      slowEnd = e;
      return f.msg === undefined ? ROLE_ACT[f.role]! : A_SLOW;
    }
  }
}

/** KeyValue (plan: its MsgPlan): key (tag 0x0a) and value (0x12) inline, anything else through slowField. */
function walkKeyValue(plan: MsgPlan, start: number, end: number): void {
  const b = B;
  let p = start;
  while (p < end) {
    const t = b[p]!;
    if ((t === 0x0a || t === 0x12) && p + 1 < end) {
      let q = p + 2;
      let len = b[p + 1]!;
      if (len >= 0x80) {
        const b1 = q < end ? b[q]! : 0x80;
        len = b1 >= 0x80 ? -1 : (len & 0x7f) | (b1 << 7);
        q++;
      }
      if (len >= 0 && len <= end - q) {
        if (t === 0x12) walkAnyValue(plan.sub[0x12]!, q, q + len, p);
        p = q + len;
        continue;
      }
    }
    P = p;
    slowField(plan, end);
    p = P;
  }
}

/** AnyValue (plan: its MsgPlan): every member with a 1-byte tag inline, anything else through slowField. */
function walkAnyValue(plan: MsgPlan, start: number, end: number, at: number): void {
  if (++anyDepth > MAX_ANY_VALUE_DEPTH) throw fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels at byte ${at}`);
  const b = B;
  let p = start;
  while (p < end) {
    const t = b[p]!;
    let q = p + 1;
    if (t === 0x0a || t === 0x3a || t === 0x2a || t === 0x32) {
      // string_value, bytes_value, array_value, kvlist_value
      if (q < end) {
        let len = b[q++]!;
        if (len >= 0x80) {
          const b1 = q < end ? b[q]! : 0x80;
          len = b1 >= 0x80 ? -1 : (len & 0x7f) | (b1 << 7);
          q++;
        }
        if (len >= 0 && len <= end - q) {
          const e = q + len;
          if (t === 0x2a || t === 0x32) walkMessage(plan.sub[t]!, q, e, p);
          p = e;
          continue;
        }
      }
    } else if (t === 0x10 || t === 0x18 || t === 0x40) {
      // bool_value, int_value, string_value_strindex: up to 9 bytes (the 10th needs the overflow check)
      const lim = end - q > 9 ? q + 9 : end;
      while (q < lim && b[q]! >= 0x80) q++;
      if (q < lim) {
        p = q + 1;
        continue;
      }
    } else if (t === 0x21) {
      // double_value
      if (end - q >= 8) {
        p = q + 8;
        continue;
      }
    }
    P = p;
    slowField(plan, end);
    p = P;
  }
  anyDepth--;
}

/** Span (plan: its MsgPlan): every field with a 1-byte tag and flags inline, anything else through slowField. */
function walkSpan(plan: MsgPlan, start: number, end: number, at: number): void {
  const b = B;
  const sub = plan.sub;
  let traceLen = 0;
  let traceZero = true;
  let spanLen = 0;
  let spanZero = true;
  let parentLen = 0;
  let p = start;
  while (p < end) {
    const t = b[p]!;
    let q = p + 1;
    switch (t) {
      case 0x39: // start_time_unix_nano
      case 0x41: // end_time_unix_nano
        if (end - q >= 8) {
          p = q + 8;
          continue;
        }
        break;
      case 0x85: // flags (field 16, fixed32: a 2-byte tag)
        if (end - q >= 5 && b[q] === 0x01) {
          p = q + 5;
          continue;
        }
        break;
      case 0x30: // kind
      case 0x50: // dropped_attributes_count
      case 0x60: // dropped_events_count
      case 0x70: {
        // dropped_links_count
        const lim = end - q > 9 ? q + 9 : end;
        while (q < lim && b[q]! >= 0x80) q++;
        if (q < lim) {
          p = q + 1;
          continue;
        }
        break;
      }
      case 0x0a:
      case 0x12:
      case 0x1a:
      case 0x22:
      case 0x2a:
      case 0x4a:
      case 0x5a:
      case 0x6a:
      case 0x7a: {
        if (q >= end) break;
        let len = b[q++]!;
        if (len >= 0x80) {
          const b1 = q < end ? b[q]! : 0x80;
          len = b1 >= 0x80 ? -1 : (len & 0x7f) | (b1 << 7);
          q++;
        }
        if (len < 0 || len > end - q) break;
        const e = q + len;
        if (t === 0x4a) walkKeyValue(sub[0x4a]!, q, e);
        else if (t === 0x5a || t === 0x6a || t === 0x7a) walkMessage(sub[t]!, q, e, p);
        else if (t === 0x0a) {
          traceLen = len;
          traceZero = allZero(q, e);
        } else if (t === 0x12) {
          spanLen = len;
          spanZero = allZero(q, e);
        } else if (t === 0x22) parentLen = len;
        p = e;
        continue;
      }
    }
    P = p;
    const role = slowField(plan, end);
    p = P;
    if (role !== A_SLOW) {
      const len = slowEnd - slowStart;
      if (role === A_TRACE_ID) {
        traceLen = len;
        traceZero = allZero(slowStart, slowEnd);
      } else if (role === A_SPAN_ID) {
        spanLen = len;
        spanZero = allZero(slowStart, slowEnd);
      } else if (role === A_PARENT_SPAN_ID) parentLen = len;
    }
  }
  items++;
  if (traceLen === 16 && !traceZero && spanLen === 8 && !spanZero && (parentLen === 0 || parentLen === 8)) return;
  const problem =
    idProblem('trace_id', traceLen, traceZero, 16, false) ??
    idProblem('span_id', spanLen, spanZero, 8, false) ??
    idProblem('parent_span_id', parentLen, false, 8, true);
  if (problem !== undefined) recordInvalid(1, 'span', at, `: ${problem}`);
}

/**
 * Walks the message in [start, end); `at` (its tag's offset) is quoted in invalid-item reasons. The loop
 * takes well-formed 1-2 byte tags, short varints and 1-2 byte lengths inline; anything else (and every
 * error) goes through slowField, which re-reads the field from its tag.
 */
function walkMessage(plan: MsgPlan, start: number, end: number, at: number): void {
  const kind = plan.kind;
  if (kind === K_ANY && ++anyDepth > MAX_ANY_VALUE_DEPTH) {
    throw fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels at byte ${at}`);
  }
  const act = plan.act;
  const actLen = act.length;
  const sub = plan.sub;
  const b = B;
  const itemsBefore = items;
  // Id bookkeeping for spans and log records (last occurrence wins, as in protobuf).
  let traceLen = 0;
  let traceZero = true;
  let spanLen = 0;
  let spanZero = true;
  let parentLen = 0;
  let nameLen = 0;
  let p = start;
  while (p < end) {
    // Tag: 1 or 2 bytes (field numbers up to 2047), else the slow path.
    let tag = b[p]!;
    let q = p + 1;
    if (tag >= 0x80) {
      const b1 = q < end ? b[q]! : 0x80;
      if (b1 >= 0x80) tag = 0;
      else {
        tag = (tag & 0x7f) | (b1 << 7);
        q++;
      }
    }
    const a = tag < actLen ? act[tag]! : tag >= 8 ? UNKNOWN_ACT[tag & 7]! : A_SLOW;
    if (a === A_VARINT) {
      // Up to 9 bytes: the 10th needs the overflow check.
      const lim = end - q > 9 ? q + 9 : end;
      while (q < lim && b[q]! >= 0x80) q++;
      if (q < lim) {
        p = q + 1;
        continue;
      }
    } else if (a === A_I64) {
      if (end - q >= 8) {
        p = q + 8;
        continue;
      }
    } else if (a === A_I32) {
      if (end - q >= 4) {
        p = q + 4;
        continue;
      }
    } else if (a !== A_SLOW && q < end) {
      // Length-delimited: 1 or 2 length bytes.
      let len = b[q++]!;
      if (len >= 0x80) {
        const b1 = q < end ? b[q]! : 0x80;
        len = b1 >= 0x80 ? -1 : (len & 0x7f) | (b1 << 7);
        q++;
      }
      if (len >= 0 && len <= end - q) {
        const e = q + len;
        if (a === A_KEY_VALUE) walkKeyValue(sub[tag]!, q, e);
        else if (a === A_ANY_VALUE) walkAnyValue(sub[tag]!, q, e, p);
        else if (a === A_MSG) walkMessage(sub[tag]!, q, e, p);
        else if (a === A_SPAN) walkSpan(sub[tag]!, q, e, p);
        else if (a !== A_LEN) {
          if (a === A_TRACE_ID) {
            traceLen = len;
            traceZero = allZero(q, e);
          } else if (a === A_SPAN_ID) {
            spanLen = len;
            spanZero = allZero(q, e);
          } else if (a === A_PARENT_SPAN_ID) parentLen = len;
          else nameLen = len;
        }
        p = e;
        continue;
      }
    }
    P = p;
    const role = slowField(plan, end);
    p = P;
    if (role !== A_SLOW) {
      const len = slowEnd - slowStart;
      if (role === A_TRACE_ID) {
        traceLen = len;
        traceZero = allZero(slowStart, slowEnd);
      } else if (role === A_SPAN_ID) {
        spanLen = len;
        spanZero = allZero(slowStart, slowEnd);
      } else if (role === A_PARENT_SPAN_ID) parentLen = len;
      else if (role === A_METRIC_NAME) nameLen = len;
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
      if (traceLen === 16 && !traceZero && spanLen === 8 && !spanZero && (parentLen === 0 || parentLen === 8)) return;
      const problem =
        idProblem('trace_id', traceLen, traceZero, 16, false) ??
        idProblem('span_id', spanLen, spanZero, 8, false) ??
        idProblem('parent_span_id', parentLen, false, 8, true);
      if (problem !== undefined) recordInvalid(1, 'span', at, `: ${problem}`);
      return;
    }
    case K_LOG: {
      items++;
      if ((traceLen === 0 || traceLen === 16) && (spanLen === 0 || spanLen === 8)) return;
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
  // A plain Uint8Array view: Buffers and Uint8Arrays alike keep the element loads monomorphic.
  B = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
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
      const e = P + len;
      walkMessage(resourcePlan, P, e, tagPos);
      P = e;
      resources.push({ start: tagPos, end: e, items: items - itemsBefore, invalid: invalid - invalidBefore });
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
