import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRequest, encodeRequest } from '../../src/otlp/codec.ts';
import { OtlpDecodeError } from '../../src/otlp/errors.ts';
import { MAX_ANY_VALUE_DEPTH, scanRequest } from '../../src/otlp/wire.ts';
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
  tag,
  varint,
} from './helpers.ts';

function throwsDecode(fn: () => unknown, message: RegExp | string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof OtlpDecodeError, `expected OtlpDecodeError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

function metricsRequest(...metrics: Uint8Array[]): Uint8Array {
  return fLen(1, fLen(2, ...metrics.map((m) => fLen(2, m))));
}

/** An AnyValue nested `levels` deep through kvlists. */
function nestedAnyValue(levels: number): Uint8Array {
  let v = fStr(1, 'leaf');
  for (let i = 1; i < levels; i++) v = fLen(6, fLen(1, fStr(1, 'k'), fLen(2, v)));
  return v;
}

void describe('scanRequest: counting', () => {
  void test('traces: spans per resource, and totals', () => {
    const bytes = rawTraceRequest([[rawSpan(), rawSpan(), rawSpan()], [rawSpan(), rawSpan()]]);
    const scan = scanRequest('traces', bytes);
    assert.equal(scan.items, 5);
    assert.equal(scan.invalid, 0);
    assert.equal(scan.firstInvalidReason, undefined);
    assert.deepEqual(
      scan.resources.map((r) => [r.items, r.invalid]),
      [
        [3, 0],
        [2, 0],
      ],
    );
    assert.equal(scan.resources[0]!.start, 0);
    assert.equal(scan.resources[0]!.end, scan.resources[1]!.start);
    assert.equal(scan.resources[1]!.end, bytes.length);
  });

  void test('logs: log records', () => {
    const scan = scanRequest('logs', cat(rawLogsRequest([rawLogRecord(), rawLogRecord()]), rawLogsRequest([rawLogRecord()])));
    assert.equal(scan.items, 3);
    assert.deepEqual(
      scan.resources.map((r) => r.items),
      [2, 1],
    );
  });

  void test('metrics: data points of every metric type', () => {
    const bytes = encodeRequest('metrics', {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 'g', gauge: { dataPoints: [{ asDouble: 1 }, { asInt: 2n }] } },
                { name: 's', sum: { dataPoints: [{ asInt: 3n }], isMonotonic: true, aggregationTemporality: 1 } },
                { name: 'h', histogram: { dataPoints: [{ count: 1n, bucketCounts: [1n], explicitBounds: [] }] } },
                { name: 'e', exponentialHistogram: { dataPoints: [{ count: 2n, positive: { offset: 0, bucketCounts: [2n] } }] } },
                { name: 'q', summary: { dataPoints: [{ count: 1n, quantileValues: [{ quantile: 0.5, value: 1 }] }, { count: 0n }] } },
                { name: 'none' },
              ],
            },
          ],
        },
        { scopeMetrics: [{ metrics: [{ name: 'g2', gauge: { dataPoints: [{ asDouble: 1 }] } }] }] },
      ],
    });
    const scan = scanRequest('metrics', bytes);
    assert.equal(scan.items, 8);
    assert.equal(scan.invalid, 0);
    assert.deepEqual(
      scan.resources.map((r) => r.items),
      [7, 1],
    );
  });

  void test('empty request', () => {
    assert.deepEqual(scanRequest('traces', new Uint8Array(0)), { items: 0, invalid: 0, resources: [] });
  });
});

void describe('scanRequest: slices', () => {
  void test('slices are exact byte ranges: any subset concatenated is a valid request', () => {
    const bytes = rawTraceRequest([[rawSpan({ name: 'a' })], [rawSpan({ name: 'b' }), rawSpan({ name: 'c' })], [rawSpan({ name: 'd' })]]);
    const scan = scanRequest('traces', bytes);
    const [r0, r1, r2] = scan.resources;
    assert.ok(r0 && r1 && r2);
    const subset = cat(bytes.subarray(r2.start, r2.end), bytes.subarray(r0.start, r0.end));
    const rescan = scanRequest('traces', subset);
    assert.equal(rescan.items, 2);
    const names = decodeRequest('traces', subset).resourceSpans.map((rs) => rs.scopeSpans[0]!.spans[0]!.name);
    assert.deepEqual(names, ['d', 'a']);
    const middle = decodeRequest('traces', bytes.subarray(r1.start, r1.end));
    assert.deepEqual(
      middle.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name),
      ['b', 'c'],
    );
  });

  void test('unknown top-level fields are skipped and left out of the slices', () => {
    const entry = rawTraceRequest([[rawSpan()]]);
    const bytes = cat(fVarint(7, 1), entry, fStr(9, 'x'));
    const scan = scanRequest('traces', bytes);
    assert.equal(scan.items, 1);
    assert.equal(scan.resources.length, 1);
    assert.deepEqual(bytes.subarray(scan.resources[0]!.start, scan.resources[0]!.end), entry);
  });
});

void describe('scanRequest: unknown fields', () => {
  void test('unknown fields of every wire type are skipped at every level', () => {
    const unknown = cat(fVarint(900, 2n ** 63n), fFixed64(901, 5n), fLen(902, bytesOf(3, 9)), fFixed32(903, 7));
    const anyValue = cat(fStr(1, 'v'), unknown);
    const span = rawSpan({ extra: [unknown, fLen(9, fStr(1, 'k'), fLen(2, anyValue), unknown)] });
    const bytes = fLen(1, unknown, fLen(2, unknown, fLen(2, span)));
    const scan = scanRequest('traces', bytes);
    assert.equal(scan.items, 1);
    assert.equal(scan.invalid, 0);
    const decoded = decodeRequest('traces', bytes).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(decoded.attributes[0]!.value?.stringValue, 'v');
  });

  void test('repeated numeric fields are accepted packed and unpacked', () => {
    const unpacked = cat(fFixed64(6, 1n), fFixed64(6, 2n), fFixed64(4, 3n));
    const packedDoubles = fLen(7, Buffer.alloc(16));
    const bytes = metricsRequest(cat(fStr(1, 'h'), fLen(9, fLen(1, unpacked, packedDoubles))));
    assert.equal(scanRequest('metrics', bytes).items, 1);
    const dp = decodeRequest('metrics', bytes).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.histogram!.dataPoints[0]!;
    assert.deepEqual(dp.bucketCounts, [1n, 2n]);
    assert.deepEqual(dp.explicitBounds, [0, 0]);
  });
});

void describe('scanRequest: malformed input', () => {
  void test('a truncation at any byte is rejected', () => {
    const bytes = rawTraceRequest([[rawSpan({ extra: [fLen(9, fStr(1, 'k'), fLen(2, fVarint(3, -1)))] })]]);
    assert.equal(scanRequest('traces', bytes).items, 1);
    for (let n = 1; n < bytes.length; n++) {
      throwsDecode(() => scanRequest('traces', bytes.subarray(0, n)), /^invalid protobuf: truncated /);
    }
  });

  void test('truncated length-delimited field names the byte', () => {
    const bytes = cat(tag(1, 2), varint(100), bytesOf(10, 0));
    throwsDecode(
      () => scanRequest('traces', bytes),
      'invalid protobuf: truncated length-delimited field at byte 0: ExportTraceServiceRequest.resource_spans (field 1) declares 100 bytes, 10 left',
    );
  });

  void test('a length beyond the enclosing message is rejected even when the buffer is longer', () => {
    // The span claims 50 bytes but its ScopeSpans only holds 3; the bytes after are a valid-looking tail.
    const scope = cat(tag(2, 2), varint(50), bytesOf(3, 0));
    const bytes = cat(fLen(1, fLen(2, scope)), bytesOf(60, 0));
    throwsDecode(() => scanRequest('traces', bytes), /truncated length-delimited field at byte \d+: ScopeSpans\.spans \(field 2\) declares 50 bytes, 3 left/);
  });

  void test('wrong wire type on a known field', () => {
    const rs = cat(fLen(1), fVarint(2, 1));
    const bytes = fLen(1, rs);
    const at = bytes.length - 2;
    throwsDecode(
      () => scanRequest('traces', bytes),
      `invalid protobuf: ResourceSpans.scope_spans (field 2) has wire type 0 (varint), expected 2 (length-delimited), at byte ${at}`,
    );
    const span = cat(fLen(1, TRACE_ID), fLen(2, SPAN_ID), fVarint(7, 5));
    throwsDecode(
      () => scanRequest('traces', rawTraceRequest([[span]])),
      /Span\.start_time_unix_nano \(field 7\) has wire type 0 \(varint\), expected 1 \(64-bit\)/,
    );
    throwsDecode(() => scanRequest('traces', rawTraceRequest([[rawSpan({ extra: [fFixed64(6, 1n)] })]])), /Span\.kind \(field 6\) has wire type 1/);
    throwsDecode(() => scanRequest('logs', rawLogsRequest([cat(fFixed32(1, 1))])), /LogRecord\.time_unix_nano \(field 1\) has wire type 5 \(32-bit\)/);
    throwsDecode(() => scanRequest('traces', cat(fVarint(1, 3))), /ExportTraceServiceRequest\.resource_spans \(field 1\) has wire type 0/);
    throwsDecode(() => scanRequest('traces', fLen(1, fLen(1, fLen(1, fStr(1, 'k'), fFixed32(2, 0))))), /KeyValue\.value \(field 2\) has wire type 5/);
    // Text where a message is expected is walked as a message: "x" (0x78) reads as a varint tag with no value.
    throwsDecode(() => scanRequest('traces', fLen(1, fLen(1, fStr(1, 'x')))), 'invalid protobuf: truncated varint at byte 7');
  });

  void test('bad varints', () => {
    const tooLong = cat(fLen(1, fLen(2, fLen(2, cat(tag(6, 0), bytesOf(10, 0xff), Uint8Array.of(0))))));
    throwsDecode(() => scanRequest('traces', tooLong), /^invalid protobuf: malformed varint \(more than 10 bytes\) at byte \d+$/);
    const overflow = fLen(1, fLen(2, fLen(2, cat(tag(6, 0), bytesOf(9, 0xff), Uint8Array.of(0x02)))));
    throwsDecode(() => scanRequest('traces', overflow), /^invalid protobuf: malformed varint \(overflows 64 bits\) at byte \d+$/);
    const maxOk = fLen(1, fLen(2, fLen(2, cat(rawSpan(), tag(6, 0), bytesOf(9, 0xff), Uint8Array.of(0x01)))));
    assert.equal(scanRequest('traces', maxOk).items, 1, 'a 10-byte varint with a final 0x01 is the largest legal one');
    throwsDecode(() => scanRequest('traces', Uint8Array.of(0x8a)), /^invalid protobuf: truncated varint at byte 0$/);
    // Same rules for tags and length prefixes.
    throwsDecode(() => scanRequest('traces', cat(tag(1, 2), bytesOf(9, 0xff), Uint8Array.of(0x02))), 'invalid protobuf: malformed varint (overflows 64 bits) at byte 1');
    throwsDecode(() => scanRequest('traces', cat(bytesOf(10, 0x80), Uint8Array.of(0))), 'invalid protobuf: malformed varint (more than 10 bytes) at byte 0');
  });

  void test('group and invalid wire types, field number 0', () => {
    throwsDecode(
      () => scanRequest('traces', rawTraceRequest([[rawSpan({ extra: [tag(50, 3), tag(50, 4)] })]])),
      /^invalid protobuf: Span field 50 uses the unsupported group wire type 3, at byte \d+$/,
    );
    throwsDecode(() => scanRequest('traces', cat(tag(2, 4))), /ExportTraceServiceRequest field 2 uses the unsupported group wire type 4/);
    throwsDecode(() => scanRequest('logs', rawLogsRequest([cat(tag(40, 7), varint(1))])), /^invalid protobuf: LogRecord field 40 has invalid wire type 7, at byte \d+$/);
    throwsDecode(() => scanRequest('logs', rawLogsRequest([cat(tag(40, 6))])), /invalid wire type 6/);
    throwsDecode(() => scanRequest('traces', Uint8Array.of(0x02, 0x00)), /^invalid protobuf: ExportTraceServiceRequest has a field number 0 at byte 0$/);
  });

  void test('packed fixed-width arrays must hold whole elements', () => {
    const bytes = metricsRequest(cat(fStr(1, 'h'), fLen(9, fLen(1, fLen(6, bytesOf(12, 1))))));
    throwsDecode(
      () => scanRequest('metrics', bytes),
      /HistogramDataPoint\.bucket_counts \(field 6\) is a packed 64-bit array of 12 bytes, not a multiple of 8/,
    );
    const badVarints = metricsRequest(cat(fStr(1, 'e'), fLen(10, fLen(1, fLen(8, fLen(2, Uint8Array.of(0x80, 0x80)))))));
    throwsDecode(() => scanRequest('metrics', badVarints), /truncated varint/);
  });

  void test(`AnyValue nesting is capped at ${MAX_ANY_VALUE_DEPTH} levels`, () => {
    const ok = rawLogsRequest([rawLogRecord({ body: nestedAnyValue(MAX_ANY_VALUE_DEPTH) })]);
    assert.equal(scanRequest('logs', ok).items, 1);
    assert.doesNotThrow(() => decodeRequest('logs', ok), 'protobufjs must also accept what the scan accepts');
    const deep = rawLogsRequest([rawLogRecord({ body: nestedAnyValue(MAX_ANY_VALUE_DEPTH + 1) })]);
    throwsDecode(() => scanRequest('logs', deep), /^invalid protobuf: AnyValue nested deeper than 32 levels at byte \d+$/);
    // Deepest legal placement: an exemplar's filtered attributes (protobufjs' default limit of 100 would refuse it).
    const exemplar = fLen(5, fLen(7, fStr(1, 'k'), fLen(2, nestedAnyValue(MAX_ANY_VALUE_DEPTH))));
    const metrics = metricsRequest(cat(fStr(1, 'g'), fLen(5, fLen(1, rawNumberPoint(1), exemplar))));
    assert.equal(scanRequest('metrics', metrics).items, 1);
    assert.doesNotThrow(() => decodeRequest('metrics', metrics));
    // Arrays count as levels too.
    let arr = fStr(1, 'leaf');
    for (let i = 1; i <= MAX_ANY_VALUE_DEPTH; i++) arr = fLen(5, fLen(1, arr));
    throwsDecode(() => scanRequest('logs', rawLogsRequest([rawLogRecord({ body: arr })])), /AnyValue nested deeper/);
  });
});

void describe('scanRequest: invalid items are counted, not thrown', () => {
  void test('spans with bad ids', () => {
    const bytes = rawTraceRequest([
      [
        rawSpan(),
        rawSpan({ traceId: bytesOf(15, 1) }),
        rawSpan({ traceId: bytesOf(16, 0) }),
        rawSpan({ spanId: bytesOf(8, 0) }),
        rawSpan({ spanId: new Uint8Array(0) }),
        rawSpan({ parent: bytesOf(3, 1) }),
        rawSpan({ parent: bytesOf(8, 1) }),
        rawSpan({ parent: new Uint8Array(0) }),
      ],
      [rawSpan({ traceId: bytesOf(17, 1) })],
    ]);
    const scan = scanRequest('traces', bytes);
    assert.equal(scan.items, 9);
    assert.equal(scan.invalid, 6);
    assert.deepEqual(
      scan.resources.map((r) => r.invalid),
      [5, 1],
    );
    assert.match(scan.firstInvalidReason ?? '', /^span at byte \d+: trace_id is 15 bytes, expected 16$/);
  });

  void test('each span id rule, one at a time', () => {
    const reason = (span: Uint8Array): string | undefined => scanRequest('traces', rawTraceRequest([[span]])).firstInvalidReason?.replace(/^span at byte \d+: /, '');
    assert.equal(reason(rawSpan({ traceId: bytesOf(16, 0) })), 'trace_id is all zeros');
    assert.equal(reason(rawSpan({ spanId: bytesOf(8, 0) })), 'span_id is all zeros');
    assert.equal(reason(rawSpan({ spanId: bytesOf(4, 1) })), 'span_id is 4 bytes, expected 8');
    assert.equal(reason(rawSpan({ parent: bytesOf(3, 1) })), 'parent_span_id is 3 bytes, expected 0 or 8');
    assert.equal(reason(rawSpan({ parent: bytesOf(8, 1) })), undefined);
    // The last occurrence of a field wins, as in protobuf decoding.
    assert.equal(reason(rawSpan({ extra: [fLen(1, bytesOf(16, 0))] })), 'trace_id is all zeros');
  });

  void test('log records: ids optional but sized', () => {
    const scan = scanRequest(
      'logs',
      rawLogsRequest([
        rawLogRecord(),
        rawLogRecord({ traceId: TRACE_ID, spanId: SPAN_ID }),
        rawLogRecord({ traceId: bytesOf(16, 0), spanId: bytesOf(8, 0) }),
        rawLogRecord({ traceId: bytesOf(5, 1) }),
        rawLogRecord({ spanId: bytesOf(16, 1) }),
      ]),
    );
    assert.equal(scan.items, 5);
    assert.equal(scan.invalid, 2);
    assert.match(scan.firstInvalidReason ?? '', /^log record at byte \d+: trace_id is 5 bytes, expected 0 or 16$/);
  });

  void test('metrics: the points of a metric without a name are invalid', () => {
    const bytes = metricsRequest(
      cat(fStr(1, 'ok'), fLen(5, fLen(1, rawNumberPoint(1)))),
      cat(fLen(5, fLen(1, rawNumberPoint(1)), fLen(1, rawNumberPoint(2)), fLen(1, rawNumberPoint(3)))),
      cat(fStr(1, ''), fLen(7, fLen(1, rawNumberPoint(1)))),
      cat(fStr(2, 'no name, no points')),
    );
    const scan = scanRequest('metrics', bytes);
    assert.equal(scan.items, 5);
    assert.equal(scan.invalid, 4);
    assert.match(scan.firstInvalidReason ?? '', /^metric at byte \d+ has an empty name \(3 data points\)$/);
  });
});
