import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRequest, dropInvalid, encodeRequest, encodeResponse, encodeStatus, protobufToJson } from '../../src/otlp/codec.ts';
import { OtlpDecodeError } from '../../src/otlp/errors.ts';
import { responseType, retryInfoType, statusType } from '../../src/otlp/schema.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { bytesOf, cat, fLen, fStr, rawLogRecord, rawLogsRequest, rawNumberPoint, rawSpan, rawTraceRequest, TRACE_ID } from './helpers.ts';

void describe('decodeRequest / encodeRequest', () => {
  void test('the decoded shape: bigint int64, arrays always present, null for absent messages, oneofs only when set', () => {
    const bytes = encodeRequest('metrics', {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 'h', histogram: { dataPoints: [{ count: '18446744073709551615', sum: 0, startTimeUnixNano: 1700000000000000001n }] } },
                { name: 'g', gauge: { dataPoints: [{ asInt: -1 }] } },
              ],
            },
          ],
        },
      ],
    });
    const req = decodeRequest('metrics', bytes);
    const rm = req.resourceMetrics[0]!;
    assert.equal(rm.resource, null);
    assert.equal(rm.schemaUrl, '');
    const [h, g] = rm.scopeMetrics[0]!.metrics;
    assert.ok(h && g);
    assert.equal(h.gauge, undefined);
    const hp = h.histogram!.dataPoints[0]!;
    assert.equal(hp.count, 2n ** 64n - 1n);
    assert.equal(hp.startTimeUnixNano, 1700000000000000001n);
    assert.equal(hp.timeUnixNano, 0n);
    assert.equal(hp.sum, 0, 'optional sum = 0 is present');
    assert.equal('min' in hp, false, 'unset optional min is absent');
    assert.deepEqual(hp.bucketCounts, []);
    assert.deepEqual(hp.exemplars, []);
    const gp = g.gauge!.dataPoints[0]!;
    assert.equal(gp.asInt, -1n);
    assert.equal('asDouble' in gp, false);
  });

  void test('decode then encode reproduces canonical bytes', () => {
    const original = rawTraceRequest([[rawSpan({ name: 'a' }), rawSpan({ name: 'b', parent: bytesOf(8, 7) })]]);
    const again = encodeRequest('traces', decodeRequest('traces', original));
    assert.deepEqual(protobufToJson('traces', again), protobufToJson('traces', original));
    // The raw spans were written in field-number order without defaults: already canonical.
    assert.equal(Buffer.compare(Buffer.from(again), Buffer.from(original)), 0);
  });

  void test('garbage is an OtlpDecodeError', () => {
    assert.throws(() => decodeRequest('traces', Uint8Array.of(0x0a, 0x05, 0x01)), OtlpDecodeError);
    assert.throws(() => decodeRequest('logs', new TextEncoder().encode('{"resourceLogs":[]}')), OtlpDecodeError);
  });
});

void describe('dropInvalid', () => {
  void test('spans: removes invalid spans, then the scopes and resources left empty', () => {
    const bytes = rawTraceRequest(
      [
        [rawSpan({ name: 'keep-1' }), rawSpan({ name: 'bad-1', traceId: bytesOf(16, 0) })],
        [rawSpan({ name: 'bad-2', spanId: bytesOf(3, 1) })],
        [rawSpan({ name: 'keep-2', parent: bytesOf(8, 1) })],
      ],
      ['a', 'b', 'c'],
    );
    const scan = scanRequest('traces', bytes);
    assert.equal(scan.invalid, 2);
    const out = dropInvalid('traces', bytes);
    assert.equal(out.rejected, 2);
    assert.equal(out.reason, 'resourceSpans[0].scopeSpans[0].spans[1]: trace_id is all zeros');
    const rescan = scanRequest('traces', out.bytes);
    assert.equal(rescan.items, 2);
    assert.equal(rescan.invalid, 0);
    const req = decodeRequest('traces', out.bytes);
    assert.deepEqual(
      req.resourceSpans.map((rs) => [rs.resource?.attributes[0]?.value?.stringValue, rs.scopeSpans.map((ss) => ss.spans.map((s) => s.name))]),
      [
        ['a', [['keep-1']]],
        ['c', [['keep-2']]],
      ],
    );
  });

  void test('logs: same rules as the scan; untouched empty scopes are kept', () => {
    const bytes = cat(
      rawLogsRequest([rawLogRecord(), rawLogRecord({ traceId: bytesOf(5, 1) }), rawLogRecord({ spanId: bytesOf(8, 0) })]),
      fLen(1, fLen(2, fStr(3, 'https://schema/empty-scope'))),
    );
    const out = dropInvalid('logs', bytes);
    assert.equal(out.rejected, 1);
    assert.match(out.reason ?? '', /^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]: trace_id is 5 bytes, expected 0 or 16$/);
    const req = decodeRequest('logs', out.bytes);
    assert.equal(req.resourceLogs.length, 2);
    assert.equal(req.resourceLogs[0]!.scopeLogs[0]!.logRecords.length, 2);
    assert.equal(req.resourceLogs[1]!.scopeLogs[0]!.schemaUrl, 'https://schema/empty-scope');
  });

  void test('metrics: a nameless metric is dropped and its points counted', () => {
    const bytes = fLen(
      1,
      fLen(
        2,
        fLen(2, fStr(1, 'ok'), fLen(5, fLen(1, rawNumberPoint(1)))),
        fLen(2, fLen(7, fLen(1, rawNumberPoint(1)), fLen(1, rawNumberPoint(2)))),
      ),
    );
    assert.equal(scanRequest('metrics', bytes).invalid, 2);
    const out = dropInvalid('metrics', bytes);
    assert.equal(out.rejected, 2);
    assert.match(out.reason ?? '', /metrics\[1\]: metric has an empty name \(2 data points\)$/);
    const rescan = scanRequest('metrics', out.bytes);
    assert.equal(rescan.items, 1);
    assert.equal(rescan.invalid, 0);
  });

  void test('nothing invalid: nothing rejected, content unchanged', () => {
    const bytes = rawTraceRequest([[rawSpan()]]);
    const out = dropInvalid('traces', bytes);
    assert.equal(out.rejected, 0);
    assert.equal(out.reason, undefined);
    assert.deepEqual(protobufToJson('traces', out.bytes), protobufToJson('traces', bytes));
  });

  void test('malformed input still throws', () => {
    assert.throws(() => dropInvalid('traces', cat(fLen(1, TRACE_ID), Uint8Array.of(0x0a))), OtlpDecodeError);
  });
});

void describe('responses', () => {
  void test('protobuf: empty on success, partial_success with the per-signal counter', () => {
    assert.equal(encodeResponse('traces', undefined, 'protobuf').length, 0);
    const t = responseType('metrics');
    const decoded = t.toObject(t.decode(encodeResponse('metrics', { rejected: 12, message: 'why' }, 'protobuf')), { longs: Number });
    assert.deepEqual(decoded, { partialSuccess: { rejectedDataPoints: 12, errorMessage: 'why' } });
  });

  void test('json: camelCase, int64 counter as a string, defaults omitted', () => {
    assert.equal(encodeResponse('logs', undefined, 'json'), '{}');
    assert.deepEqual(JSON.parse(encodeResponse('logs', { rejected: 3, message: 'bad ids' }, 'json')), {
      partialSuccess: { rejectedLogRecords: '3', errorMessage: 'bad ids' },
    });
    assert.deepEqual(JSON.parse(encodeResponse('traces', { rejected: 0, message: 'warning only' }, 'json')), {
      partialSuccess: { errorMessage: 'warning only' },
    });
  });

  void test('status without retry info', () => {
    const st = statusType();
    const decoded = st.toObject(st.decode(encodeStatus(3, 'bad data', 'protobuf')), { arrays: true });
    assert.deepEqual(decoded, { code: 3, message: 'bad data', details: [] });
    assert.deepEqual(JSON.parse(encodeStatus(3, 'bad data', 'json')), { code: 3, message: 'bad data' });
  });

  void test('status with RetryInfo as an Any', () => {
    const st = statusType();
    const decoded = st.decode(encodeStatus(14, 'queue full', 'protobuf', 1500)) as unknown as {
      code: number;
      message: string;
      details: { type_url: string; value: Uint8Array }[];
    };
    assert.equal(decoded.code, 14);
    assert.equal(decoded.message, 'queue full');
    assert.equal(decoded.details.length, 1);
    assert.equal(decoded.details[0]!.type_url, 'type.googleapis.com/google.rpc.RetryInfo');
    const ri = retryInfoType();
    assert.deepEqual(ri.toObject(ri.decode(decoded.details[0]!.value), { longs: Number }), { retryDelay: { seconds: 1, nanos: 500_000_000 } });
    assert.deepEqual(JSON.parse(encodeStatus(14, 'queue full', 'json', 1500)), {
      code: 14,
      message: 'queue full',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.500s' }],
    });
    assert.equal(JSON.parse(encodeStatus(14, 'x', 'json', 2000)).details[0].retryDelay, '2s');
    assert.equal(JSON.parse(encodeStatus(14, 'x', 'json', 5)).details[0].retryDelay, '0.005s');
  });
});
