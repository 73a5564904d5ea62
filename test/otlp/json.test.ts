import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRequest, jsonToProtobuf, protobufToJson, requestToJson } from '../../src/otlp/codec.ts';
import { OtlpDecodeError } from '../../src/otlp/errors.ts';
import type { Signal } from '../../src/otlp/signal.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { hex } from './helpers.ts';

const TID = '5b8efff798038103d269b633813fc60c';
const SID = 'eee19b7ec3c1b174';

function spansJson(span: Record<string, unknown>): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
}

function firstSpan(text: string) {
  return decodeRequest('traces', jsonToProtobuf('traces', text)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

function throwsDecode(fn: () => unknown, message: RegExp | string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof OtlpDecodeError, `expected OtlpDecodeError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

void describe('OTLP/JSON: 64-bit integers', () => {
  void test('timestamps as decimal strings and as number literals beyond 2^53 stay exact', () => {
    // Written by hand: JSON.stringify cannot produce an exact 19-digit number literal.
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TID}","spanId":"${SID}","name":"s",
      "startTimeUnixNano":"1700000000123456789","endTimeUnixNano":1700000000123456789,
      "events":[{"timeUnixNano":1700000000999999999,"name":"e"}],
      "attributes":[{"key":"i","value":{"intValue":9007199254740993}},{"key":"j","value":{"intValue":"-9223372036854775808"}},
        {"key":"k","value":{"intValue":42}},{"key":"d","value":{"doubleValue":12345678901234567890}}]}]}]}]}`;
    const span = firstSpan(text);
    assert.equal(span.startTimeUnixNano, 1700000000123456789n);
    assert.equal(span.endTimeUnixNano, 1700000000123456789n);
    assert.equal(span.events[0]!.timeUnixNano, 1700000000999999999n);
    assert.equal(span.attributes[0]!.value?.intValue, 9007199254740993n);
    assert.equal(span.attributes[1]!.value?.intValue, -(2n ** 63n));
    assert.equal(span.attributes[2]!.value?.intValue, 42n);
    assert.equal(span.attributes[3]!.value?.doubleValue, Number('12345678901234567890'), 'an integer literal in a double field is just a number');
  });

  void test('unsigned 64-bit maximum, and out-of-range values are rejected with the path', () => {
    const text = (v: string): string => spansJson({ traceId: TID, spanId: SID, startTimeUnixNano: v });
    assert.equal(firstSpan(text('18446744073709551615')).startTimeUnixNano, 2n ** 64n - 1n);
    throwsDecode(
      () => jsonToProtobuf('traces', text('18446744073709551616')),
      'invalid OTLP/JSON: resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: 18446744073709551616 is out of range for a uint64',
    );
    throwsDecode(() => jsonToProtobuf('traces', text('-1')), /startTimeUnixNano: -1 is out of range for a uint64/);
    throwsDecode(() => jsonToProtobuf('traces', text('12.5')), /startTimeUnixNano: expected a 64-bit integer \(number or decimal string\), got the string "12.5"/);
    throwsDecode(
      () => jsonToProtobuf('traces', spansJson({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] })),
      /attributes\[0\]\.value\.intValue: 9223372036854775808 is out of range for a int64/,
    );
  });
});

void describe('OTLP/JSON: enums, keys, unknown fields', () => {
  void test('enums as integers and as names', () => {
    const a = firstSpan(spansJson({ traceId: TID, spanId: SID, kind: 2, status: { code: 2 } }));
    const b = firstSpan(spansJson({ traceId: TID, spanId: SID, kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' } }));
    assert.equal(a.kind, 2);
    assert.equal(b.kind, 2);
    assert.equal(a.status?.code, 2);
    assert.equal(b.status?.code, 2);
    const logs = decodeRequest(
      'logs',
      jsonToProtobuf('logs', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'SEVERITY_NUMBER_WARN' }, { severityNumber: 17 }] }] }] })),
    );
    assert.deepEqual(
      logs.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((r) => r.severityNumber),
      [13, 17],
    );
    throwsDecode(
      () => jsonToProtobuf('traces', spansJson({ kind: 'SERVER' })),
      'invalid OTLP/JSON: resourceSpans[0].scopeSpans[0].spans[0].kind: unknown SpanKind value "SERVER"',
    );
    // Unknown numeric values are kept (proto3 enums are open).
    assert.equal(firstSpan(spansJson({ traceId: TID, spanId: SID, kind: 9 })).kind, 9);
  });

  void test('snake_case keys are accepted', () => {
    const text = JSON.stringify({
      resource_spans: [{ scope_spans: [{ spans: [{ trace_id: TID, span_id: SID, parent_span_id: SID, start_time_unix_nano: '5', dropped_attributes_count: 2 }] }] }],
    });
    const span = firstSpan(text);
    assert.equal(hex(span.traceId), TID);
    assert.equal(hex(span.parentSpanId), SID);
    assert.equal(span.startTimeUnixNano, 5n);
    assert.equal(span.droppedAttributesCount, 2);
  });

  void test('unknown fields are ignored at every level, null means absent', () => {
    const text = JSON.stringify({
      futureTopLevel: { deep: [1, 2, { x: null }] },
      resourceSpans: [
        {
          somethingNew: 'x',
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc', newKind: 1 } }], extra: true },
          scopeSpans: [{ scope: { name: 'lib', weird: [] }, spans: [{ traceId: TID, spanId: SID, name: 'op', notAField: { a: 1 }, status: null }] }],
        },
      ],
    });
    const bytes = jsonToProtobuf('traces', text);
    const req = decodeRequest('traces', bytes);
    assert.equal(req.resourceSpans[0]!.resource?.attributes[0]!.value?.stringValue, 'svc');
    const span = req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span.name, 'op');
    assert.equal(span.status, null);
  });
});

void describe('OTLP/JSON: ids and bytes', () => {
  void test('ids are hex (either case); bytesValue is base64', () => {
    const span = firstSpan(
      spansJson({
        traceId: TID.toUpperCase(),
        spanId: SID,
        links: [{ traceId: TID, spanId: SID }],
        attributes: [
          { key: 'b', value: { bytesValue: Buffer.from('hi there').toString('base64') } },
          { key: 'u', value: { bytesValue: Buffer.from([0xfb, 0xff]).toString('base64url') } },
        ],
      }),
    );
    assert.equal(hex(span.traceId), TID);
    assert.equal(hex(span.links[0]!.spanId), SID);
    assert.equal(Buffer.from(span.attributes[0]!.value!.bytesValue!).toString(), 'hi there');
    assert.deepEqual([...span.attributes[1]!.value!.bytesValue!], [0xfb, 0xff]);
  });

  void test('bad hex ids are rejected with the JSON path', () => {
    const spans = [0, 1, 2].map(() => ({ traceId: TID, spanId: SID }));
    const bad = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [...spans, { traceId: 'not-hex', spanId: SID }] }] }] });
    throwsDecode(() => jsonToProtobuf('traces', bad), 'invalid OTLP/JSON: resourceSpans[0].scopeSpans[0].spans[3].traceId: expected 32 hex characters');
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ traceId: TID, spanId: SID.slice(1) })), /spans\[0\]\.spanId: expected 16 hex characters$/);
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ traceId: TID, spanId: SID, parentSpanId: 'zz'.repeat(8) })), /parentSpanId: expected 16 hex characters$/);
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ links: [{ traceId: `${TID}00` }] })), /spans\[0\]\.links\[0\]\.traceId: expected 32 hex characters$/);
    // Base64 (what canonical proto3 JSON would use) is not accepted for ids.
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ traceId: Buffer.from(TID, 'hex').toString('base64') })), /traceId: expected 32 hex characters$/);
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ traceId: 12 })), /traceId: expected a hex string, got number 12$/);
    const log = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ spanId: 'abc' }] }] }] });
    throwsDecode(() => jsonToProtobuf('logs', log), 'invalid OTLP/JSON: resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 16 hex characters');
    const exemplar = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ exemplars: [{ traceId: 'x' }] }] } }] }] }] });
    throwsDecode(() => jsonToProtobuf('metrics', exemplar), /gauge\.dataPoints\[0\]\.exemplars\[0\]\.traceId: expected 32 hex characters$/);
  });

  void test('an empty id is a zero-length id: kept, and counted invalid by the scan for spans', () => {
    const bytes = jsonToProtobuf('traces', spansJson({ traceId: '', spanId: SID }));
    const scan = scanRequest('traces', bytes);
    assert.equal(scan.invalid, 1);
    assert.match(scan.firstInvalidReason ?? '', /trace_id is 0 bytes, expected 16/);
  });

  void test('bad base64 is rejected', () => {
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ attributes: [{ key: 'b', value: { bytesValue: 'not base64!' } }] })), /value\.bytesValue: expected a base64 string/);
  });
});

void describe('OTLP/JSON: malformed documents', () => {
  void test('syntax errors', () => {
    throwsDecode(() => jsonToProtobuf('traces', '{"resourceSpans": [}'), /^invalid JSON: /);
    throwsDecode(() => jsonToProtobuf('traces', ''), /^invalid JSON: /);
    throwsDecode(() => jsonToProtobuf('traces', '[]'), 'invalid OTLP/JSON: expected an object at the top level, got an array');
  });

  void test('type mismatches name the path', () => {
    throwsDecode(() => jsonToProtobuf('traces', JSON.stringify({ resourceSpans: {} })), 'invalid OTLP/JSON: resourceSpans: expected an array, got an object');
    throwsDecode(() => jsonToProtobuf('traces', JSON.stringify({ resourceSpans: [3] })), 'invalid OTLP/JSON: resourceSpans[0]: expected an object, got number 3');
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ name: 5 })), /spans\[0\]\.name: expected a string, got number 5$/);
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ droppedAttributesCount: -1 })), /droppedAttributesCount: expected a uint32, got number -1$/);
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ flags: 1.5 })), /flags: expected a uint32/);
    throwsDecode(() => jsonToProtobuf('traces', spansJson({ attributes: [{ key: 'b', value: { boolValue: 'true' } }] })), /boolValue: expected true or false/);
  });

  void test('AnyValue nesting is capped at 32 levels', () => {
    const nest = (n: number): unknown => {
      let v: unknown = { stringValue: 'leaf' };
      for (let i = 1; i < n; i++) v = { arrayValue: { values: [v] } };
      return v;
    };
    const doc = (n: number): string => JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: nest(n) }] }] }] });
    assert.equal(scanRequest('logs', jsonToProtobuf('logs', doc(32))).items, 1);
    throwsDecode(() => jsonToProtobuf('logs', doc(33)), /AnyValue nested deeper than 32 levels$/);
  });
});

// Canonical OTLP/JSON (int64 as strings, defaults omitted) survives json -> protobuf -> json unchanged.
const CANONICAL: Record<Signal, Record<string, unknown>> = {
  traces: {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 1 },
        scopeSpans: [
          {
            scope: { name: 'lib', version: '1.0', attributes: [{ key: 'a', value: { boolValue: true } }] },
            spans: [
              {
                traceId: TID,
                spanId: SID,
                traceState: 'k=v',
                parentSpanId: '0102030405060708',
                flags: 769,
                name: 'GET /',
                kind: 2,
                startTimeUnixNano: '1700000000123456789',
                endTimeUnixNano: '1700000000223456789',
                attributes: [
                  { key: 'i', value: { intValue: '-42' } },
                  { key: 'zero', value: { intValue: '0' } },
                  { key: 'd', value: { doubleValue: 0.5 } },
                  { key: 'nan', value: { doubleValue: 'NaN' } },
                  { key: 'inf', value: { doubleValue: '-Infinity' } },
                  { key: 'empty', value: {} },
                  { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { arrayValue: { values: [{ stringValue: 's' }, { bytesValue: 'AAEC' }] } } }] } } },
                ],
                events: [{ timeUnixNano: '1700000000123456790', name: 'e', attributes: [{ key: 'k', value: { stringValue: 'v' } }], droppedAttributesCount: 3 }],
                droppedEventsCount: 4,
                links: [{ traceId: TID, spanId: SID, traceState: 'a=b', flags: 256 }],
                droppedLinksCount: 5,
                status: { message: 'bad', code: 2 },
              },
            ],
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
      },
    ],
  },
  logs: {
    resourceLogs: [
      {
        resource: { entityRefs: [{ type: 'service', idKeys: ['service.name'] }] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: '1700000000000000001',
                observedTimeUnixNano: '1700000000000000002',
                severityNumber: 17,
                severityText: 'ERROR',
                body: { stringValue: 'boom' },
                attributes: [{ key: 'n', value: { intValue: '9223372036854775807' } }],
                flags: 1,
                traceId: TID,
                spanId: SID,
                eventName: 'app.crash',
              },
            ],
          },
        ],
      },
    ],
  },
  metrics: {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'g',
                unit: 'By',
                gauge: { dataPoints: [{ timeUnixNano: '2', asInt: '-7', exemplars: [{ timeUnixNano: '1', asDouble: 1.5, traceId: TID, spanId: SID, filteredAttributes: [{ key: 'f', value: { stringValue: 'x' } }] }] }] },
                metadata: [{ key: 'm', value: { stringValue: 'v' } }],
              },
              { name: 's', description: 'd', sum: { dataPoints: [{ startTimeUnixNano: '1', timeUnixNano: '2', asDouble: 0 }], aggregationTemporality: 1, isMonotonic: true } },
              {
                name: 'h',
                histogram: {
                  dataPoints: [{ count: '3', sum: 0, bucketCounts: ['1', '0', '2'], explicitBounds: [1, 10], flags: 1, min: 0, max: 12.5, attributes: [{ key: 'a', value: { stringValue: 'b' } }] }],
                  aggregationTemporality: 2,
                },
              },
              {
                name: 'e',
                exponentialHistogram: {
                  dataPoints: [{ count: '4', sum: 7, scale: -3, zeroCount: '1', positive: { offset: -2, bucketCounts: ['3'] }, negative: { bucketCounts: ['0'] }, zeroThreshold: 0.001 }],
                  aggregationTemporality: 1,
                },
              },
              { name: 'q', summary: { dataPoints: [{ count: '2', sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }, { quantile: 1, value: 2 }] }] } },
            ],
          },
        ],
      },
    ],
  },
};

void describe('OTLP/JSON round trip', () => {
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    void test(`${signal}: json -> protobuf -> json is lossless`, () => {
      const bytes = jsonToProtobuf(signal, JSON.stringify(CANONICAL[signal]));
      assert.deepEqual(protobufToJson(signal, bytes), CANONICAL[signal]);
      assert.deepEqual(requestToJson(signal, decodeRequest(signal, bytes)), CANONICAL[signal]);
    });
  }

  void test('defaults are omitted when printing; explicit-presence fields are not', () => {
    const bytes = jsonToProtobuf('traces', spansJson({ traceId: TID, spanId: SID, name: '', kind: 0, droppedAttributesCount: 0, traceState: '' }));
    assert.deepEqual(protobufToJson('traces', bytes), { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TID, spanId: SID }] }] }] });
  });
});
