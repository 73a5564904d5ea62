// decode.ts against protobufjs decode + toObject (the path it replaces) as the oracle, on fixtures, bench payloads,
// reflection-driven random wire bytes and hand-crafted edge cases.
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, test } from 'node:test';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { buildPayloads } from '../../bench/payloads.ts';
import { decodeRequest, encodeRequest } from '../../src/otlp/codec.ts';
import { decodeLogs, decodeSpanAt, decodeTraces, indexSpans } from '../../src/otlp/decode.ts';
import { OtlpDecodeError } from '../../src/otlp/errors.ts';
import { requestType } from '../../src/otlp/schema.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { logsRequest as supportLogsRequest, traceRequest as supportTraceRequest } from '../support/otlp.ts';
import { DECODER_OPTIONS, DECODER_STRINGS as STRINGS, Gen, INVALID_UTF8, randomRequest } from '../support/random-otlp.ts';
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
  rawSpan,
  rawTraceRequest,
  sdkLogRecords,
  sdkSpans,
  tag,
  varint,
} from './helpers.ts';

type Sig = 'traces' | 'logs';

const SHAPE = { longs: BigInt, defaults: true, arrays: true };

/** The replaced decodeRequest, verbatim: scan, protobufjs decode (errors wrapped), toObject. */
function oracle(signal: Sig, bytes: Uint8Array): unknown {
  scanRequest(signal, bytes);
  const t = requestType(signal);
  let message;
  try {
    message = t.decode(bytes);
  } catch (e) {
    throw new OtlpDecodeError(`invalid protobuf: ${(e as Error).message}`);
  }
  return t.toObject(message, SHAPE);
}

function direct(signal: Sig, bytes: Uint8Array): unknown {
  return signal === 'traces' ? decodeTraces(bytes) : decodeLogs(bytes);
}

/** Key order and value types too (deepStrictEqual ignores key order): bigint, -0, NaN and byte views spelled out. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v))) return `num:${Object.is(v, -0) ? '-0' : String(v)}`;
    if (v instanceof Uint8Array) return `${Object.getPrototypeOf(v) === Buffer.prototype ? 'Buffer' : v.constructor.name}:${Buffer.from(v).toString('hex')}`;
    return v;
  });
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

function run(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    return { ok: false, error: e as Error };
  }
}

/** decodeRequest and decode.ts agree with the oracle on `bytes` as given, as a Buffer and as an offset Uint8Array. */
function assertSame(signal: Sig, bytes: Uint8Array, label: string): 'ok' | 'error' {
  const padded = new Uint8Array(bytes.length + 7);
  padded.set(bytes, 3);
  const forms: [string, Uint8Array][] = [
    ['as given', bytes],
    ['Buffer', Buffer.from(bytes)],
    ['Uint8Array at an offset', padded.subarray(3, 3 + bytes.length)],
  ];
  let kind: 'ok' | 'error' = 'ok';
  for (const [form, input] of forms) {
    const want = run(() => oracle(signal, input));
    const got = run(() => decodeRequest(signal, input));
    const where = `${label} (${form})`;
    if (!want.ok) {
      assert.ok(!got.ok, `${where}: decodeRequest returned where protobufjs threw ${want.error.message}`);
      assert.ok(got.error instanceof OtlpDecodeError, `${where}: ${got.error.message}`);
      assert.equal(got.error.message, want.error.message, where);
      kind = 'error';
      continue;
    }
    assert.ok(got.ok, `${where}: decodeRequest threw ${got.ok ? '' : got.error.message}`);
    assert.deepStrictEqual(got.value, want.value, where);
    assert.equal(canonical(got.value), canonical(want.value), `${where}: key order / types`);
    assert.deepStrictEqual(direct(signal, input), want.value, `${where}: decode.ts directly`);
  }
  return kind;
}

// ---- tests ----

void describe('decode.ts matches protobufjs decode + toObject', () => {
  void test('helpers.ts raw fixtures', () => {
    const traces: [string, Uint8Array][] = [
      ['one span', rawTraceRequest([[rawSpan()]])],
      ['two resources', rawTraceRequest([[rawSpan(), rawSpan({ name: 'b', parent: SPAN_ID })], [rawSpan({ name: '' })]], ['a', 'b'])],
      ['empty ids', rawTraceRequest([[rawSpan({ traceId: new Uint8Array(0), spanId: new Uint8Array(0), parent: new Uint8Array(0) })]])],
      ['extra fields', rawTraceRequest([[rawSpan({ extra: [fVarint(6, 3), fFixed32(16, 0x301), fLen(15, fStr(2, 'bad'), fVarint(3, 2)), fVarint(99, 1)] })]])],
    ];
    for (const [label, bytes] of traces) assert.equal(assertSame('traces', bytes, label), 'ok');
    const logs: [string, Uint8Array][] = [
      ['one record', rawLogsRequest([rawLogRecord()])],
      ['ids', rawLogsRequest([rawLogRecord({ traceId: TRACE_ID, spanId: SPAN_ID }), rawLogRecord({ body: fVarint(3, -5) })])],
      ['empty body', rawLogsRequest([rawLogRecord({ body: new Uint8Array(0) })])],
      ['no records', rawLogsRequest([])],
      ['empty request', new Uint8Array(0)],
    ];
    for (const [label, bytes] of logs) assert.equal(assertSame('logs', bytes, label), 'ok');
  });

  void test('test/support/otlp.ts requests', () => {
    const t = supportTraceRequest('svc', [{ name: 'a', error: true, exception: true, attributes: { s: 'x', i: 3, d: 0.5, b: true } }, { name: 'b' }], { 'deployment.environment': 'prod' });
    assert.equal(assertSame('traces', t.bytes, 'traceRequest'), 'ok');
    assert.equal(assertSame('traces', supportTraceRequest('svc', 25).bytes, 'traceRequest x25'), 'ok');
    assert.equal(assertSame('logs', supportLogsRequest('svc', [1, 9, 17, 24, 0]), 'logsRequest'), 'ok');
  });

  void test('the OpenTelemetry JS SDK serializers', async () => {
    const spans = ProtobufTraceSerializer.serializeRequest(await sdkSpans());
    const logs = ProtobufLogsSerializer.serializeRequest(await sdkLogRecords());
    assert.ok(spans !== undefined && logs !== undefined);
    assert.equal(assertSame('traces', spans, 'sdk spans'), 'ok');
    assert.equal(assertSame('logs', logs, 'sdk logs'), 'ok');
  });

  void test('bench payloads', () => {
    const payloads = buildPayloads({ traces: 2, logs: 2, nowMs: 1_700_000_000_000 });
    for (const [i, p] of payloads.entries()) assert.equal(assertSame(p.signal, p.raw, `payload ${i} (${p.signal})`), 'ok');
  });

  void test('reflection-driven random requests (seeded): every field, every AnyValue kind, duplicates, unknown fields', () => {
    let ok = 0;
    let errors = 0;
    for (let i = 0; i < 400; i++) {
      const g = new Gen(1000 + i, { ...DECODER_OPTIONS, badUtf8: i % 10 === 9 });
      const signal: Sig = i % 2 === 0 ? 'traces' : 'logs';
      const bytes = randomRequest(g, signal);
      assert.doesNotThrow(() => scanRequest(signal, bytes), `request ${i} must be valid wire data`);
      if (assertSame(signal, bytes, `random request ${i} (${signal})`) === 'ok') ok++;
      else errors++;
    }
    assert.ok(ok > 350, `${ok} decoded`);
    assert.ok(errors > 0, 'some requests carried invalid UTF-8 and failed in both decoders');
  });

  void test('indexSpans + decodeSpanAt give the resources and spans decodeTraces gives, span by span', () => {
    const inputs: Array<[string, Uint8Array]> = buildPayloads({ traces: 2, logs: 0, nowMs: 1_700_000_000_000 }).map((p, i) => [`payload ${i}`, p.raw]);
    for (let i = 0; i < 300; i++) {
      const g = new Gen(5000 + i, { ...DECODER_OPTIONS, badUtf8: i % 10 === 9 });
      inputs.push([`random request ${i}`, randomRequest(g, 'traces')]);
    }
    let compared = 0;
    let failedAlike = 0;
    for (const [label, bytes] of inputs) {
      const whole = run(() => decodeTraces(bytes));
      const parts = run(() =>
        indexSpans(bytes).map((e) => ({ resource: e.resource, spans: Array.from({ length: e.spans.length / 2 }, (_, k) => decodeSpanAt(bytes, e.spans[2 * k]!, e.spans[2 * k + 1]!)) })),
      );
      if (!whole.ok) {
        // Invalid UTF-8 in a field the index skips (a scope, a schema URL) need not throw; in a span or resource it must.
        if (!parts.ok) failedAlike++;
        continue;
      }
      assert.ok(parts.ok, `${label}: ${parts.ok ? '' : parts.error.message}`);
      const want = (whole.value as ReturnType<typeof decodeTraces>).resourceSpans.map((rs) => ({ resource: rs.resource, spans: rs.scopeSpans.flatMap((ss) => ss.spans) }));
      assert.equal(canonical(parts.value), canonical(want), label);
      compared++;
    }
    assert.ok(compared > 250, `${compared} compared`);
    assert.ok(failedAlike > 0, 'invalid UTF-8 inside spans fails span by span too');
  });

  void test('random generation reaches every field of every trace and log message', () => {
    // Guards the test above: a schema field the generator never emits would go unchecked.
    const seen = new Map<Type, Set<string>>();
    const visit = (t: Type, value: unknown): void => {
      if (value === null || typeof value !== 'object') return;
      const set = seen.get(t) ?? new Set<string>();
      seen.set(t, set);
      const obj = value as Record<string, unknown>;
      for (const f of t.fieldsArray) {
        const v = obj[f.name];
        const isDefault =
          v === undefined || v === null || v === '' || v === 0 || v === 0n || v === false || ((Array.isArray(v) || v instanceof Uint8Array) && v.length === 0);
        if (!isDefault) set.add(f.name);
        if (f.resolvedType instanceof protobuf.Type) for (const item of Array.isArray(v) ? v : [v]) visit(f.resolvedType, item);
      }
    };
    for (let i = 0; i < 60; i++) {
      const signal: Sig = i % 2 === 0 ? 'traces' : 'logs';
      visit(requestType(signal), decodeRequest(signal, randomRequest(new Gen(1000 + i, DECODER_OPTIONS), signal)));
    }
    const names = [...seen.keys()].map((t) => t.name).sort();
    for (const name of ['AnyValue', 'ArrayValue', 'EntityRef', 'Event', 'InstrumentationScope', 'KeyValue', 'KeyValueList', 'Link', 'LogRecord', 'Resource', 'Span', 'Status']) {
      assert.ok(names.includes(name), `${name} never generated`);
    }
    for (const [t, fields] of seen) {
      assert.deepEqual([...fields].sort(), t.fieldsArray.map((f) => f.name).sort(), `${t.fullName}: fields never set to a non-default`);
    }
  });

  void test('mutated requests: whatever scanRequest accepts decodes the same (or fails the same)', () => {
    const g = new Gen(7);
    const seeds: [Sig, Uint8Array][] = [
      ['traces', buildPayloads({ traces: 1, logs: 0, nowMs: 1_700_000_000_000 })[0]!.raw.subarray(0, 4000)],
      ['traces', randomRequest(new Gen(1, DECODER_OPTIONS), 'traces')],
      ['logs', randomRequest(new Gen(2, DECODER_OPTIONS), 'logs')],
    ];
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      const [signal, base] = seeds[i % seeds.length]!;
      const bytes = Uint8Array.from(base);
      const flips = 1 + g.int(3);
      for (let k = 0; k < flips; k++) bytes[g.int(bytes.length)] = g.chance(0.5) ? g.int(256) : bytes[g.int(bytes.length)]! ^ (1 << g.int(8));
      const cut = g.chance(0.2) ? bytes.subarray(0, g.int(bytes.length)) : bytes;
      try {
        scanRequest(signal, cut);
      } catch {
        continue;
      }
      accepted++;
      assertSame(signal, cut, `mutation ${i}`);
    }
    assert.ok(accepted > 20, `${accepted} mutations passed the scan`);
  });
});

void describe('decode.ts edge cases, hand-crafted', () => {
  const span = (...fields: Uint8Array[]) => rawTraceRequest([[cat(fLen(1, TRACE_ID), fLen(2, SPAN_ID), ...fields)]]);
  const firstSpan = (bytes: Uint8Array) => decodeRequest('traces', bytes).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  const attr = (any: Uint8Array) => fLen(9, fStr(1, 'k'), fLen(2, any));

  void test('unknown fields of every wire type are skipped, at every level', () => {
    const unknown = cat(fVarint(50, 2n ** 64n - 1n), tag(51, 1), bytesOf(8, 9), fLen(52, bytesOf(5, 1)), tag(53, 5), bytesOf(4, 2), fVarint(536870911, 1));
    const bytes = cat(
      unknown,
      fLen(1, unknown, fLen(1, unknown, fLen(1, unknown, fStr(1, 'k'), fLen(2, unknown, fStr(1, 'v')))), fLen(2, unknown, fLen(1, unknown), fLen(2, unknown, fLen(1, TRACE_ID), fLen(15, unknown)))),
    );
    assert.equal(assertSame('traces', bytes, 'unknown fields'), 'ok');
    const s = firstSpan(bytes);
    assert.deepEqual(s.status, { message: '', code: 0 });
    assert.equal(assertSame('logs', rawLogsRequest([cat(rawLogRecord(), fVarint(4, 1), unknown)]), 'reserved LogRecord field 4'), 'ok');
  });

  void test('a singular scalar seen twice: the last wins, a later zero resets it', () => {
    const bytes = span(fStr(5, 'first'), fVarint(6, 3), fStr(5, 'second'), fVarint(6, 0), fFixed32(16, 1), fFixed32(16, 0x301), fLen(3, bytesOf(1, 0x61)), fLen(3));
    assert.equal(assertSame('traces', bytes, 'last wins'), 'ok');
    const s = firstSpan(bytes);
    assert.equal(s.name, 'second');
    assert.equal(s.kind, 0);
    assert.equal(s.flags, 0x301);
    assert.equal(s.traceState, '');
  });

  void test('a singular sub-message seen twice is merged, as protobufjs does', () => {
    const bytes = span(fLen(15, fStr(2, 'm'), fVarint(3, 2)), fLen(15, fVarint(3, 1)), attr(fStr(1, 'a')), attr(cat(fLen(5, fLen(1, fStr(1, 'x'))), fLen(5, fLen(1, fVarint(3, 1))))));
    assert.equal(assertSame('traces', bytes, 'merge'), 'ok');
    const s = firstSpan(bytes);
    assert.deepEqual(s.status, { message: 'm', code: 1 });
    assert.deepEqual(s.attributes[1]!.value, { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1n }] } });
    // KeyValue.value twice: the AnyValue is decoded on, so its oneof ends with the last member set.
    const twice = span(fLen(9, fStr(1, 'k'), fLen(2, fStr(1, 's')), fLen(2, fVarint(3, 7)), fLen(2)));
    assert.equal(assertSame('traces', twice, 'value twice'), 'ok');
    assert.deepEqual(firstSpan(twice).attributes[0]!.value, { intValue: 7n });
    // Resource twice: attributes appended.
    const resources = fLen(1, fLen(1, fLen(1, fStr(1, 'a'))), fLen(1, fLen(1, fStr(1, 'b')), fVarint(2, 4)));
    assert.equal(assertSame('traces', resources, 'resource twice'), 'ok');
    assert.deepEqual(
      decodeRequest('traces', resources).resourceSpans[0]!.resource!.attributes.map((kv) => kv.key),
      ['a', 'b'],
    );
  });

  void test('AnyValue: every kind, zero values kept, last member wins, absent vs empty', () => {
    const cases: [string, Uint8Array, unknown][] = [
      ['string', fStr(1, ''), { stringValue: '' }],
      ['bool false', fVarint(2, 0), { boolValue: false }],
      ['bool from high bits only', fVarint(2, 1n << 63n), { boolValue: true }],
      ['int zero', fVarint(3, 0), { intValue: 0n }],
      ['int min', fVarint(3, -(2n ** 63n)), { intValue: -(2n ** 63n) }],
      ['int max', fVarint(3, 2n ** 63n - 1n), { intValue: 2n ** 63n - 1n }],
      ['double -0', cat(tag(4, 1), Buffer.from(Float64Array.of(-0).buffer)), { doubleValue: -0 }],
      ['empty array', fLen(5), { arrayValue: { values: [] } }],
      ['empty kvlist', fLen(6), { kvlistValue: { values: [] } }],
      ['nested kvlist', fLen(6, fLen(1, fStr(1, 'n'))), { kvlistValue: { values: [{ key: 'n', value: null, keyStrindex: 0 }] } }],
      ['empty bytes (a oneof member: kept as read)', fLen(7), { bytesValue: new Uint8Array(0) }],
      ['strindex', fVarint(8, -3), { stringValueStrindex: -3 }],
      ['string then int', cat(fStr(1, 's'), fVarint(3, 5)), { intValue: 5n }],
      ['array then string', cat(fLen(5, fLen(1)), fStr(1, 'z')), { stringValue: 'z' }],
      ['none set', new Uint8Array(0), {}],
    ];
    for (const [label, any, want] of cases) {
      const bytes = span(attr(any));
      assert.equal(assertSame('traces', bytes, label), 'ok');
      assert.deepStrictEqual(firstSpan(bytes).attributes[0]!.value, want, label);
    }
    const absent = span(fLen(9, fStr(1, 'k')));
    assert.equal(firstSpan(absent).attributes[0]!.value, null);
  });

  void test('fields out of order and integers at their limits', () => {
    const bytes = span(fFixed32(16, 2 ** 32 - 1), fVarint(14, 2n ** 32n - 1n), fVarint(12, 2n ** 32n + 7n), fVarint(10, -1), fFixed64(8, 2n ** 64n - 1n), fFixed64(7, 0n), fVarint(6, -2), fStr(5, 'n'), fLen(4, SPAN_ID));
    assert.equal(assertSame('traces', bytes, 'out of order'), 'ok');
    const s = firstSpan(bytes);
    assert.equal(s.flags, 2 ** 32 - 1);
    assert.equal(s.droppedLinksCount, 2 ** 32 - 1);
    assert.equal(s.droppedEventsCount, 7, 'uint32 keeps the low 32 bits');
    assert.equal(s.droppedAttributesCount, 2 ** 32 - 1);
    assert.equal(s.endTimeUnixNano, 2n ** 64n - 1n);
    assert.equal(s.kind, -2);
  });

  void test('bytes fields: views of the input for non-empty values, an empty Buffer otherwise', () => {
    const bytes = span(fLen(4));
    for (const input of [bytes, Buffer.from(bytes)]) {
      const s = firstSpan(input);
      assert.equal(s.traceId.buffer, input.buffer, 'shares memory');
      assert.equal(Object.getPrototypeOf(s.traceId), Object.getPrototypeOf(input));
      assert.ok(Buffer.isBuffer(s.parentSpanId) && s.parentSpanId.length === 0);
    }
  });

  void test('strings: every length class, non-ASCII, BOM kept, and a repeated string cache that never confuses near-collisions', () => {
    const fields = STRINGS.map((s, i) => fLen(9, fStr(1, s), fLen(2, fStr(1, STRINGS[(i * 7) % STRINGS.length]!))));
    const bytes = span(...fields, ...fields.slice().reverse());
    assert.equal(assertSame('traces', bytes, 'strings'), 'ok');
    const keys = firstSpan(bytes).attributes.map((kv) => kv.key);
    assert.deepEqual(keys, [...STRINGS, ...STRINGS.slice().reverse()]);
  });

  void test('invalid UTF-8 fails with protobufjs\u2019s error in any string field, short or long', () => {
    for (const bad of INVALID_UTF8) {
      const requests: [Sig, Uint8Array][] = [
        ['traces', span(fLen(5, bad))],
        ['traces', span(attr(fLen(1, bad)))],
        ['logs', rawLogsRequest([cat(rawLogRecord(), fLen(12, bad))])],
      ];
      for (const [signal, bytes] of requests) {
        assert.equal(assertSame(signal, bytes, `invalid ${Buffer.from(bad).toString('hex')}`), 'error');
        assert.throws(() => decodeRequest(signal, bytes), { name: 'OtlpDecodeError', message: 'invalid protobuf: The encoded data was not valid for encoding utf-8' });
      }
    }
  });

  void test('isUtf8 (the fast check) agrees with the fatal TextDecoder protobufjs uses', () => {
    const g = new Gen(99);
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const interesting = [0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90];
    for (let i = 0; i < 20000; i++) {
      const n = 1 + g.int(6);
      const b = new Uint8Array(n);
      for (let k = 0; k < n; k++) b[k] = g.chance(0.7) ? g.pick(interesting) : g.int(256);
      let valid = true;
      try {
        strict.decode(b);
      } catch {
        valid = false;
      }
      assert.equal(isUtf8(b), valid, Buffer.from(b).toString('hex'));
    }
  });

  void test('tags and lengths longer than 5 bytes fail as in protobufjs; padded values decode', () => {
    const paddedTag = Uint8Array.of(0xaa, 0x80, 0x80, 0x80, 0x80, 0x00); // field 5, wire type 2, 6 bytes
    const padded = [
      span(cat(paddedTag, varint(1), bytesOf(1, 0x61))),
      span(cat(tag(5, 2), Uint8Array.of(0x81, 0x80, 0x80, 0x80, 0x80, 0x00), bytesOf(1, 0x61))),
      span(cat(tag(52, 2), Uint8Array.of(0x81, 0x80, 0x80, 0x80, 0x80, 0x00), bytesOf(1, 0x61))),
    ];
    for (const [i, bytes] of padded.entries()) {
      assert.doesNotThrow(() => scanRequest('traces', bytes));
      assert.equal(assertSame('traces', bytes, `padded ${i}`), 'error');
    }
    const fiveByteTag = span(cat(Uint8Array.of(0xaa, 0x80, 0x80, 0x80, 0x00), varint(1), bytesOf(1, 0x61)));
    assert.equal(assertSame('traces', fiveByteTag, '5-byte tag'), 'ok');
    assert.equal(firstSpan(fiveByteTag).name, 'a');
    const paddedValue = span(cat(tag(6, 0), Uint8Array.of(0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)));
    assert.equal(assertSame('traces', paddedValue, 'padded enum'), 'ok');
    assert.equal(firstSpan(paddedValue).kind, 2);
  });

  void test('invalid wire data still throws OtlpDecodeError from the scanner', () => {
    assert.throws(() => decodeRequest('traces', Uint8Array.of(0x0a, 0x05, 0x01)), OtlpDecodeError);
    assert.throws(() => decodeRequest('logs', span(cat(tag(5, 0), varint(1)))), OtlpDecodeError);
  });

  void test('metrics keep the protobufjs path', () => {
    const bytes = encodeRequest('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asInt: 3n }] } }] }] }] });
    const t = requestType('metrics');
    assert.deepStrictEqual(decodeRequest('metrics', bytes), t.toObject(t.decode(bytes), SHAPE));
  });
});
