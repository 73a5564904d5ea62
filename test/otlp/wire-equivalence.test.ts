// scanRequest (src/otlp/wire.ts, the optimised walker) against wire-reference.ts (the walker before the rewrite) as
// the oracle: same results deepStrictEqual, or the same OtlpDecodeError message, on fixtures, bench payloads,
// reflection-driven random requests, hand-crafted edge cases around the fast paths, and byte mutations.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { buildPayloads } from '../../bench/payloads.ts';
import { OtlpDecodeError } from '../../src/otlp/errors.ts';
import type { Signal } from '../../src/otlp/signal.ts';
import { MAX_ANY_VALUE_DEPTH, scanRequest } from '../../src/otlp/wire.ts';
import { logsRequest as supportLogsRequest, traceRequest as supportTraceRequest } from '../support/otlp.ts';
import { Gen, SCANNER_OPTIONS, randomRequest } from '../support/random-otlp.ts';
import {
  SPAN_ID,
  TRACE_ID,
  bytesOf,
  cat,
  fFixed32,
  fFixed64,
  fLen,
  fStr,
  fVarint,
  rawLogRecord,
  rawLogsRequest,
  rawNumberPoint,
  rawSpan,
  rawTraceRequest,
  sdkLogRecords,
  sdkMetrics,
  sdkSpans,
  tag,
  varint,
} from './helpers.ts';
import { MAX_ANY_VALUE_DEPTH as REF_MAX_DEPTH, scanRequest as referenceScan } from './wire-reference.ts';

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

function run(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    // Only OtlpDecodeError is a verdict; anything else (a TypeError, a RangeError) is a bug in either walker.
    if (!(err instanceof OtlpDecodeError)) throw err;
    return { ok: false, error: err.message };
  }
}

/** Asserts both walkers agree on `bytes`; returns which way they went. */
function same(signal: Signal, bytes: Uint8Array, label: string): 'ok' | 'error' {
  const want = run(() => referenceScan(signal, bytes));
  const got = run(() => scanRequest(signal, bytes));
  assert.deepStrictEqual(got, want, label);
  return want.ok ? 'ok' : 'error';
}

/** The same input as a Buffer and as a plain Uint8Array (the relay sees both). */
function sameBoth(signal: Signal, bytes: Uint8Array, label: string): 'ok' | 'error' {
  const kind = same(signal, Buffer.from(bytes), `${label} (Buffer)`);
  assert.equal(same(signal, new Uint8Array(bytes), `${label} (Uint8Array)`), kind);
  return kind;
}

/** One random edit: flip a bit, overwrite, insert, delete, or truncate. */
function mutate(g: Gen, base: Uint8Array): Uint8Array {
  const n = base.length;
  const at = g.int(n);
  switch (g.int(6)) {
    case 0: {
      const out = Uint8Array.from(base);
      out[at] = out[at]! ^ (1 << g.int(8));
      return out;
    }
    case 1: {
      const out = Uint8Array.from(base);
      out[at] = g.pick([0x00, 0x7f, 0x80, 0xff, 0x01, 0x02, 0x08, 0x0a, 0x12, 0x85, g.int(256)]);
      return out;
    }
    case 2:
      return cat(base.subarray(0, at), g.bytes(1 + g.int(3)), base.subarray(at));
    case 3:
      return cat(base.subarray(0, at), base.subarray(Math.min(n, at + 1 + g.int(3))));
    case 4:
      return base.subarray(0, at);
    default: {
      const out = Uint8Array.from(base);
      const k = 2 + g.int(3);
      for (let i = 0; i < k; i++) out[g.int(n)] = g.int(256);
      return out;
    }
  }
}

/** An AnyValue nested `levels` deep through kvlists. */
function nestedKvlist(levels: number): Uint8Array {
  let v = fStr(1, 'leaf');
  for (let i = 1; i < levels; i++) v = fLen(6, fLen(1, fStr(1, 'k'), fLen(2, v)));
  return v;
}

function nestedArray(levels: number): Uint8Array {
  let v = fStr(1, 'leaf');
  for (let i = 1; i < levels; i++) v = fLen(5, fLen(1, v));
  return v;
}

function metricsRequest(...metrics: Uint8Array[]): Uint8Array {
  return fLen(1, fLen(2, ...metrics.map((m) => fLen(2, m))));
}

/** A small request exercising every fast path: 2-byte tags, 2-byte lengths, every AnyValue member, ids, unknowns. */
function richTraceRequest(): Uint8Array {
  const attr = (any: Uint8Array) => fLen(9, fStr(1, 'k'), fLen(2, any));
  const span = rawSpan({
    parent: SPAN_ID,
    extra: [
      fVarint(6, 2),
      fFixed32(16, 0x301),
      attr(fStr(1, 'v'.repeat(200))),
      attr(fVarint(2, 1)),
      attr(fVarint(3, -1)),
      attr(cat(tag(4, 1), bytesOf(8, 0x3f))),
      attr(fLen(5, fLen(1, fStr(1, 'a')), fLen(1, fVarint(3, 300)))),
      attr(fLen(6, fLen(1, fStr(1, 'n'), fLen(2, fVarint(2, 0))))),
      attr(fLen(7, bytesOf(3, 1))),
      attr(fVarint(8, 7)),
      fLen(9, fStr(1, 'k'), fVarint(3, 4)),
      fLen(11, fFixed64(1, 5n), fStr(2, 'ev'), attr(fStr(1, 'x'))),
      fLen(13, fLen(1, TRACE_ID), fLen(2, SPAN_ID), fFixed32(6, 1)),
      fLen(15, fStr(2, 'm'), fVarint(3, 2)),
      fVarint(200, 1),
      fLen(3000, bytesOf(2, 0)),
    ],
  });
  return rawTraceRequest([[span, rawSpan({ name: 'n'.repeat(130) })], [rawSpan({ traceId: bytesOf(16, 0) })]]);
}

// ---- tests ----

void describe('optimised scanRequest matches the reference walker', () => {
  void test('the oracle is the walker it claims to be', () => {
    assert.equal(REF_MAX_DEPTH, MAX_ANY_VALUE_DEPTH);
    assert.notEqual(referenceScan, scanRequest);
    // A difference is caught: the two walkers disagree on nothing here, a doctored result must fail the check.
    const bytes = rawTraceRequest([[rawSpan()]]);
    assert.throws(() => assert.deepStrictEqual(run(() => ({ ...scanRequest('traces', bytes), items: 2 })), run(() => referenceScan('traces', bytes))));
  });

  void test('bench payloads (traces and logs)', () => {
    const payloads = buildPayloads({ traces: 2, logs: 2, nowMs: 1_700_000_000_000 });
    for (const [i, p] of payloads.entries()) assert.equal(sameBoth(p.signal, p.raw, `payload ${i} (${p.signal})`), 'ok');
    // And as another signal: the bytes walked by the wrong schema fail or count differently, the same way.
    for (const [i, p] of payloads.entries()) same(p.signal === 'traces' ? 'logs' : 'traces', p.raw, `payload ${i} as the other signal`);
    for (const [i, p] of payloads.entries()) same('metrics', p.raw, `payload ${i} as metrics`);
  });

  void test('helpers.ts and test/support/otlp.ts fixtures', () => {
    const traces: [string, Uint8Array][] = [
      ['one span', rawTraceRequest([[rawSpan()]])],
      ['two resources', rawTraceRequest([[rawSpan(), rawSpan({ name: 'b', parent: SPAN_ID })], [rawSpan({ name: '' })]], ['a', 'b'])],
      ['empty ids', rawTraceRequest([[rawSpan({ traceId: new Uint8Array(0), spanId: new Uint8Array(0), parent: new Uint8Array(0) })]])],
      ['extra fields', rawTraceRequest([[rawSpan({ extra: [fVarint(6, 3), fFixed32(16, 0x301), fLen(15, fStr(2, 'bad'), fVarint(3, 2)), fVarint(99, 1)] })]])],
      ['rich', richTraceRequest()],
      ['support traceRequest', supportTraceRequest('svc', [{ name: 'a', error: true, exception: true, attributes: { s: 'x', i: 3, d: 0.5, b: true } }, { name: 'b' }], { env: 'prod' }).bytes],
      ['support traceRequest x25', supportTraceRequest('svc', 25).bytes],
      ['empty request', new Uint8Array(0)],
    ];
    for (const [label, bytes] of traces) assert.equal(sameBoth('traces', bytes, label), 'ok');
    const logs: [string, Uint8Array][] = [
      ['one record', rawLogsRequest([rawLogRecord()])],
      ['ids', rawLogsRequest([rawLogRecord({ traceId: TRACE_ID, spanId: SPAN_ID }), rawLogRecord({ body: fVarint(3, -5) })])],
      ['empty body', rawLogsRequest([rawLogRecord({ body: new Uint8Array(0) })])],
      ['no records', rawLogsRequest([])],
      ['support logsRequest', supportLogsRequest('svc', [1, 9, 17, 24, 0])],
    ];
    for (const [label, bytes] of logs) assert.equal(sameBoth('logs', bytes, label), 'ok');
    assert.equal(sameBoth('metrics', metricsRequest(cat(fStr(1, 'g'), fLen(5, fLen(1, rawNumberPoint(1)), fLen(1, rawNumberPoint(2))))), 'metrics'), 'ok');
  });

  void test('the OpenTelemetry JS SDK serializers', async () => {
    const spans = ProtobufTraceSerializer.serializeRequest(await sdkSpans());
    const logs = ProtobufLogsSerializer.serializeRequest(await sdkLogRecords());
    const metrics = ProtobufMetricsSerializer.serializeRequest(await sdkMetrics());
    assert.ok(spans !== undefined && logs !== undefined && metrics !== undefined);
    assert.equal(sameBoth('traces', spans, 'sdk spans'), 'ok');
    assert.equal(sameBoth('logs', logs, 'sdk logs'), 'ok');
    assert.equal(sameBoth('metrics', metrics, 'sdk metrics'), 'ok');
  });

  void test('invalid items: counts, per-resource counts and the first reason', () => {
    const traces = rawTraceRequest([
      [rawSpan(), rawSpan({ traceId: bytesOf(15, 1) }), rawSpan({ traceId: bytesOf(16, 0) }), rawSpan({ spanId: bytesOf(8, 0) }), rawSpan({ spanId: new Uint8Array(0) })],
      [rawSpan({ parent: bytesOf(3, 1) }), rawSpan({ parent: bytesOf(8, 1) }), rawSpan({ parent: new Uint8Array(0) }), rawSpan({ extra: [fLen(1, bytesOf(16, 0))] })],
      [rawSpan({ traceId: bytesOf(200, 1) }), rawSpan({ spanId: bytesOf(130, 0) })],
    ]);
    assert.equal(sameBoth('traces', traces, 'bad spans'), 'ok');
    const logs = rawLogsRequest([
      rawLogRecord(),
      rawLogRecord({ traceId: TRACE_ID, spanId: SPAN_ID }),
      rawLogRecord({ traceId: bytesOf(16, 0), spanId: bytesOf(8, 0) }),
      rawLogRecord({ traceId: bytesOf(5, 1) }),
      rawLogRecord({ spanId: bytesOf(16, 1) }),
      rawLogRecord({ traceId: bytesOf(300, 1) }),
    ]);
    assert.equal(sameBoth('logs', logs, 'bad log records'), 'ok');
    const metrics = metricsRequest(
      cat(fStr(1, 'ok'), fLen(5, fLen(1, rawNumberPoint(1)))),
      cat(fLen(5, fLen(1, rawNumberPoint(1)), fLen(1, rawNumberPoint(2)))),
      cat(fStr(1, ''), fLen(7, fLen(1, rawNumberPoint(1)))),
      cat(fStr(1, 'n'.repeat(200)), fStr(1, ''), fLen(5, fLen(1, rawNumberPoint(1)))),
      cat(fLen(5, fLen(1, rawNumberPoint(1))), fStr(1, 'n'.repeat(200))),
    );
    assert.equal(sameBoth('metrics', metrics, 'metrics without names'), 'ok');
  });

  void test('hand-crafted edges of the fast paths: tags, lengths, varints, fixed fields, depth', () => {
    const attr = (any: Uint8Array) => fLen(9, fStr(1, 'k'), fLen(2, any));
    const spanWith = (...extra: Uint8Array[]) => rawTraceRequest([[rawSpan({ extra })]]);
    const inAny = (...any: Uint8Array[]) => spanWith(attr(cat(...any)));
    const inKv = (...kv: Uint8Array[]) => spanWith(fLen(9, ...kv));
    const cases: [Signal, string, Uint8Array][] = [
      // Tags: padded 2-byte forms of 1-byte tags, padded field 0, 2-byte tags of unknown fields, 3-byte tags.
      ['traces', 'padded span name tag', spanWith(cat(Uint8Array.of(0xaa, 0x00), varint(1), bytesOf(1, 0x61)))],
      ['traces', 'padded trace_id tag', spanWith(cat(Uint8Array.of(0x8a, 0x00), varint(16), bytesOf(16, 0)))],
      ['traces', 'padded field 0', spanWith(Uint8Array.of(0x80, 0x00))],
      ['traces', 'padded field 0 wire 2', spanWith(Uint8Array.of(0x82, 0x00, 0x00))],
      ['traces', 'tag 0x00', spanWith(Uint8Array.of(0x00))],
      ['traces', '2-byte tag cut', spanWith(Uint8Array.of(0x85))],
      ['traces', 'flags with a 3-byte padded tag', spanWith(cat(Uint8Array.of(0x85, 0x81, 0x00), bytesOf(4, 1)))],
      ['traces', 'unknown field 17 varint', spanWith(fVarint(17, 5))],
      ['traces', 'unknown field 2047 fixed64', spanWith(fFixed64(2047, 5n))],
      ['traces', 'unknown field 2048 len', spanWith(fLen(2048, bytesOf(4, 1)))],
      ['traces', 'unknown field 2^29-1', spanWith(fFixed32(2 ** 29 - 1, 5))],
      ['traces', 'field number beyond 2^29', spanWith(cat(varint(2n ** 32n + 2n), varint(0)))],
      ['traces', 'group in KeyValue', inKv(fStr(1, 'k'), tag(7, 3))],
      ['traces', 'group in AnyValue', inAny(tag(9, 4))],
      ['traces', 'wire 6 in AnyValue', inAny(tag(1, 6))],
      ['traces', 'wire 7 in span, 2-byte tag', spanWith(tag(100, 7))],
      // Wrong wire types on every AnyValue / KeyValue member.
      ...[1, 2, 3, 4, 5, 6, 7, 8].flatMap((no): [Signal, string, Uint8Array][] => [
        ['traces', `AnyValue field ${no} as varint`, inAny(fVarint(no, 1))],
        ['traces', `AnyValue field ${no} as fixed64`, inAny(fFixed64(no, 1n))],
        ['traces', `AnyValue field ${no} as fixed32`, inAny(fFixed32(no, 1))],
        ['traces', `AnyValue field ${no} as len`, inAny(fLen(no, fStr(1, 'x')))],
      ]),
      ...[1, 2, 3].flatMap((no): [Signal, string, Uint8Array][] => [
        ['traces', `KeyValue field ${no} as varint`, inKv(fVarint(no, 1))],
        ['traces', `KeyValue field ${no} as fixed64`, inKv(fFixed64(no, 1n))],
        ['traces', `KeyValue field ${no} as len`, inKv(fLen(no))],
      ]),
      ['traces', 'KeyValue unknown fields', inKv(fVarint(4, 1), fStr(1, 'k'), fLen(20, bytesOf(3, 0)), fFixed32(5, 1))],
      ['traces', 'AnyValue unknown fields', inAny(fVarint(9, 1), fStr(1, 'v'), fLen(20, bytesOf(3, 0)), fFixed64(15, 1n), fFixed32(16, 1))],
      ['traces', 'AnyValue empty', inAny()],
      ['traces', 'KeyValue empty', inKv()],
      ['traces', 'AnyValue twice', spanWith(fLen(9, fStr(1, 'k'), fLen(2, fStr(1, 's')), fLen(2, fVarint(3, 7)), fLen(2)))],
      // Lengths: 1, 2, 3 bytes, padded, cut, beyond the message, beyond the buffer.
      ['traces', 'string of 127', inAny(fStr(1, 'x'.repeat(127)))],
      ['traces', 'string of 128', inAny(fStr(1, 'x'.repeat(128)))],
      ['traces', 'string of 16383', inAny(fStr(1, 'x'.repeat(16383)))],
      ['traces', 'string of 16384', inAny(fStr(1, 'x'.repeat(16384)))],
      ['traces', 'key of 16384', inKv(fStr(1, 'k'.repeat(16384)))],
      ['traces', 'padded length 1 -> 2 bytes', inAny(cat(tag(1, 2), Uint8Array.of(0x81, 0x00), bytesOf(1, 0x61)))],
      ['traces', 'padded length in KeyValue', inKv(cat(tag(1, 2), Uint8Array.of(0x81, 0x80, 0x00), bytesOf(1, 0x61)))],
      ['traces', 'padded length of a trace_id', spanWith(cat(tag(1, 2), Uint8Array.of(0x90, 0x80, 0x80, 0x00), bytesOf(16, 2)))],
      ['traces', 'padded length of a span_id', spanWith(cat(tag(2, 2), Uint8Array.of(0x88, 0x00), bytesOf(8, 0)))],
      ['traces', 'padded length of a parent', spanWith(cat(tag(4, 2), Uint8Array.of(0x83, 0x00), bytesOf(3, 1)))],
      ['traces', 'length cut in AnyValue', inAny(Uint8Array.of(0x0a))],
      ['traces', 'length cut after 0x80 in AnyValue', inAny(Uint8Array.of(0x0a, 0x80))],
      ['traces', 'length cut after 0x80 in KeyValue', inKv(Uint8Array.of(0x12, 0x80))],
      ['traces', 'length cut after 0x80 in span', spanWith(Uint8Array.of(0x2a, 0x80))],
      ['traces', '2-byte length beyond the message', inAny(Uint8Array.of(0x0a, 0x80, 0x01))],
      ['traces', '1-byte length beyond the message', inKv(Uint8Array.of(0x0a, 0x05, 0x61))],
      ['traces', 'length beyond 2^32', inAny(cat(tag(1, 2), varint(2n ** 40n)))],
      ['traces', 'length 11 bytes', inAny(cat(tag(1, 2), bytesOf(10, 0x80), Uint8Array.of(0)))],
      // Varints: 1 to 10 bytes, overflow, cut, in every varint position.
      ...[1n, 127n, 128n, 2n ** 56n - 1n, 2n ** 56n, 2n ** 63n, 2n ** 64n - 1n].flatMap((v): [Signal, string, Uint8Array][] => [
        ['traces', `int ${v}`, inAny(fVarint(3, v))],
        ['traces', `bool ${v}`, inAny(fVarint(2, v))],
        ['traces', `strindex ${v}`, inAny(fVarint(8, v))],
        ['traces', `key_strindex ${v}`, inKv(fVarint(3, v))],
        ['traces', `kind ${v}`, spanWith(fVarint(6, v))],
        ['traces', `unknown ${v}`, spanWith(fVarint(99, v))],
      ]),
      ['traces', '9 continuation bytes then 0x01', inAny(cat(tag(3, 0), bytesOf(9, 0xff), Uint8Array.of(0x01)))],
      ['traces', '9 continuation bytes then 0x02', inAny(cat(tag(3, 0), bytesOf(9, 0xff), Uint8Array.of(0x02)))],
      ['traces', '9 padding bytes then 0x00', spanWith(cat(tag(6, 0), bytesOf(9, 0x80), Uint8Array.of(0x00)))],
      ['traces', '10 continuation bytes', inKv(cat(tag(3, 0), bytesOf(10, 0xff), Uint8Array.of(0)))],
      ['traces', 'varint cut by the message end', inAny(cat(tag(3, 0), Uint8Array.of(0xff, 0xff)))],
      ['traces', 'varint cut right after its tag', inAny(tag(2, 0))],
      // Fixed-width fields cut by the message end.
      ['traces', 'double cut', inAny(cat(tag(4, 1), bytesOf(7, 1)))],
      ['traces', 'start time cut', spanWith(cat(tag(7, 1), bytesOf(3, 1)))],
      ['traces', 'flags cut', spanWith(cat(tag(16, 5), bytesOf(3, 1)))],
      ['traces', 'unknown fixed32 cut', spanWith(cat(tag(60, 5), bytesOf(2, 1)))],
      ['traces', 'unknown fixed64 exact', spanWith(cat(tag(60, 1), bytesOf(8, 1)))],
      // AnyValue depth: at the limit and one beyond, through kvlists and arrays, as a body and as an attribute.
      ['logs', 'kvlist depth at the limit', rawLogsRequest([rawLogRecord({ body: nestedKvlist(MAX_ANY_VALUE_DEPTH) })])],
      ['logs', 'kvlist depth beyond', rawLogsRequest([rawLogRecord({ body: nestedKvlist(MAX_ANY_VALUE_DEPTH + 1) })])],
      ['logs', 'array depth at the limit', rawLogsRequest([rawLogRecord({ body: nestedArray(MAX_ANY_VALUE_DEPTH) })])],
      ['logs', 'array depth beyond', rawLogsRequest([rawLogRecord({ body: nestedArray(MAX_ANY_VALUE_DEPTH + 1) })])],
      ['traces', 'attribute depth beyond', inAny(nestedKvlist(MAX_ANY_VALUE_DEPTH))],
      ['traces', 'attribute depth at the limit', inAny(nestedArray(MAX_ANY_VALUE_DEPTH - 1))],
      ['traces', 'siblings do not add up', inAny(fLen(5, ...Array.from({ length: 40 }, () => fLen(1, nestedArray(MAX_ANY_VALUE_DEPTH - 2)))))],
      // Role fields in odd places and orders.
      ['traces', 'ids last, twice', spanWith(fLen(1, bytesOf(16, 0)), fLen(2, bytesOf(8, 0)), fLen(1, TRACE_ID), fLen(2, SPAN_ID), fLen(4, bytesOf(9, 1)))],
      ['traces', 'ids in a link are not the span ids', rawTraceRequest([[cat(fLen(13, fLen(1, TRACE_ID), fLen(2, SPAN_ID)))]])],
      ['logs', 'log ids twice', rawLogsRequest([cat(rawLogRecord(), fLen(9, bytesOf(4, 1)), fLen(9, new Uint8Array(0)), fLen(10, bytesOf(7, 0)))])],
      // Packed repeated fields.
      ['metrics', 'packed bucket counts', metricsRequest(cat(fStr(1, 'h'), fLen(9, fLen(1, fLen(6, bytesOf(16, 1)), fLen(7, bytesOf(24, 2))))))],
      ['metrics', 'packed bucket counts ragged', metricsRequest(cat(fStr(1, 'h'), fLen(9, fLen(1, fLen(6, bytesOf(12, 1))))))],
      ['metrics', 'packed varints', metricsRequest(cat(fStr(1, 'e'), fLen(10, fLen(1, fLen(8, fLen(2, Uint8Array.of(0x80, 0x01, 0x05)))))))],
      ['metrics', 'packed varints cut', metricsRequest(cat(fStr(1, 'e'), fLen(10, fLen(1, fLen(8, fLen(2, Uint8Array.of(0x80, 0x80)))))))],
      ['metrics', 'unpacked bucket counts', metricsRequest(cat(fStr(1, 'h'), fLen(9, fLen(1, fFixed64(6, 1n), fFixed64(6, 2n)))))],
      ['metrics', 'points twice named', metricsRequest(cat(fLen(5, fLen(1, rawNumberPoint(1))), fStr(1, 'a'), fStr(1, '')))],
      // Top level.
      ['traces', 'top-level unknowns', cat(fVarint(7, 1), rawTraceRequest([[rawSpan()]]), fStr(9, 'x'), fFixed64(3000, 1n))],
      ['traces', 'top-level field 1 as varint', fVarint(1, 3)],
      ['traces', 'top-level padded tag', cat(Uint8Array.of(0x8a, 0x00), varint(0))],
      ['traces', 'top-level 0x8a', Uint8Array.of(0x8a)],
      ['traces', 'top-level length beyond', cat(tag(1, 2), varint(100), bytesOf(10, 0))],
    ];
    let ok = 0;
    for (const [signal, label, bytes] of cases) if (sameBoth(signal, bytes, label) === 'ok') ok++;
    assert.ok(ok > 40 && ok < cases.length - 30, `${ok} of ${cases.length} accepted: both outcomes covered`);
  });

  void test('every prefix and every single-byte overwrite of a small rich request', () => {
    const requests: [Signal, Uint8Array][] = [
      ['traces', richTraceRequest()],
      ['logs', rawLogsRequest([rawLogRecord({ traceId: TRACE_ID, spanId: SPAN_ID, body: fLen(6, fLen(1, fStr(1, 'a'), fLen(2, fLen(5, fLen(1, fVarint(3, 9)))))) })])],
    ];
    let accepted = 0;
    let checked = 0;
    for (const [signal, base] of requests) {
      for (let n = 0; n <= base.length; n++) same(signal, base.subarray(0, n), `${signal} prefix ${n}`);
      for (let i = 0; i < base.length; i++) {
        for (const v of [0x00, 0x01, 0x02, 0x05, 0x08, 0x0a, 0x12, 0x7f, 0x80, 0x81, 0xff, base[i]! ^ 0x80]) {
          const bytes = Uint8Array.from(base);
          bytes[i] = v;
          if (same(signal, bytes, `${signal} byte ${i} = ${v}`) === 'ok') accepted++;
          checked++;
        }
      }
    }
    assert.ok(accepted > checked / 10 && accepted < checked, `${accepted} of ${checked} accepted`);
  });

  void test('reflection-driven random requests (seeded), every signal', () => {
    const counts = { ok: 0, error: 0, invalid: 0 };
    const signals: Signal[] = ['traces', 'logs', 'metrics'];
    for (let i = 0; i < 450; i++) {
      const signal = signals[i % 3]!;
      const bytes = randomRequest(new Gen(5000 + i, SCANNER_OPTIONS), signal);
      const kind = sameBoth(signal, bytes, `random request ${i} (${signal})`);
      counts[kind]++;
      if (kind === 'ok' && scanRequest(signal, bytes).invalid > 0) counts.invalid++;
    }
    assert.ok(counts.ok > 300, `${counts.ok} accepted`);
    assert.ok(counts.invalid > 50, `${counts.invalid} with invalid items`);
  });

  void test('random mutations of valid requests (flip, overwrite, insert, delete, truncate)', () => {
    const g = new Gen(11);
    const payload = buildPayloads({ traces: 1, logs: 1, nowMs: 1_700_000_000_000 });
    const seeds: [Signal, Uint8Array][] = [
      ['traces', richTraceRequest()],
      ['traces', supportTraceRequest('svc', [{ name: 'a', error: true, exception: true, attributes: { s: 'x', i: 3, d: 0.5, b: true } }]).bytes],
      ['logs', supportLogsRequest('svc', [1, 9, 17])],
      ...Array.from({ length: 6 }, (_, i): [Signal, Uint8Array] => {
        const signal: Signal = i % 3 === 0 ? 'traces' : i % 3 === 1 ? 'logs' : 'metrics';
        return [signal, randomRequest(new Gen(90 + i, SCANNER_OPTIONS), signal)];
      }),
    ];
    let accepted = 0;
    let total = 0;
    for (let i = 0; i < 4000; i++) {
      const [signal, base] = seeds[i % seeds.length]!;
      let bytes = mutate(g, base);
      if (g.chance(0.3)) bytes = mutate(g, bytes);
      if (same(signal, bytes, `mutation ${i} of seed ${i % seeds.length}`) === 'ok') accepted++;
      total++;
    }
    // The bench payloads too, fewer times: each is 300 KB.
    for (let i = 0; i < 120; i++) {
      const p = payload[i % payload.length]!;
      if (same(p.signal, mutate(g, p.raw), `payload mutation ${i}`) === 'ok') accepted++;
      total++;
    }
    assert.ok(accepted > total / 10 && accepted < (total * 9) / 10, `${accepted} of ${total} mutations accepted`);
  });
});
