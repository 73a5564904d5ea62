/** The local Honeycomb refuses what the real one refuses: the tests that lean on it are only as good as it is. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { classify } from '../../src/exporters/honeycomb/classify.ts';
import { encodeRequest } from '../../src/otlp/codec.ts';
import { requestType } from '../../src/otlp/schema.ts';
import { cat, fLen } from '../otlp/helpers.ts';
import { invalidUtf8 } from './corrupt.ts';
import { FAILED_PARSE_BODY, FakeHoneycomb, invalidUtf8Field } from './fake-honeycomb.ts';
import { post } from './otlp.ts';

const KEY = 'abcdefghijklmnopqrstuv';

/** One span whose strings carry markers to corrupt: a name, a string nested three AnyValues deep, a resource attribute key. */
function traces(): Uint8Array {
  return encodeRequest('traces', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }, { key: 'kkkk', value: { stringValue: 'v' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [
              {
                traceId: Buffer.alloc(16, 0xff), // 0xff in a bytes field: not a string, never checked
                spanId: Buffer.alloc(8, 0xfe),
                name: 'zzzz',
                startTimeUnixNano: 1n,
                endTimeUnixNano: 2n,
                attributes: [{ key: 'nested', value: { kvlistValue: { values: [{ key: 'list', value: { arrayValue: { values: [{ intValue: 7 }, { stringValue: 'qqqq' }] } } }] } } }],
              },
            ],
          },
        ],
      },
    ],
  });
}

/** A histogram: packed fixed64 bucket counts and packed doubles around a metric name to corrupt. */
function metrics(): Uint8Array {
  return encodeRequest('metrics', {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'mmmm',
                histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: 1n, count: 3n, bucketCounts: [0xffn, 0xfefefen, 1n], explicitBounds: [-0.5, 1e300] }] },
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('invalidUtf8Field: every proto3 string field, nothing else', () => {
  const T = 'ExportTraceServiceRequest.resourceSpans';
  test('a valid request passes, 0xff in ids and in packed numbers included', () => {
    assert.equal(invalidUtf8Field(requestType('traces'), traces()), undefined);
    assert.equal(invalidUtf8Field(requestType('metrics'), metrics()), undefined);
  });
  test('a bad byte in a span name is found', () => {
    assert.equal(invalidUtf8Field(requestType('traces'), invalidUtf8(traces(), 'zzzz')), `${T}.scopeSpans.spans.name`);
  });
  test("a bad byte in an attribute's string value nested in AnyValues is found", () => {
    assert.equal(invalidUtf8Field(requestType('traces'), invalidUtf8(traces(), 'qqqq')), `${T}.scopeSpans.spans.attributes.value.kvlistValue.values.value.arrayValue.values.stringValue`);
  });
  test('a bad byte in a resource attribute key is found', () => {
    assert.equal(invalidUtf8Field(requestType('traces'), invalidUtf8(traces(), 'kkkk')), `${T}.resource.attributes.key`);
  });
  test('a bad metric name is found past packed repeated fields', () => {
    assert.equal(invalidUtf8Field(requestType('metrics'), invalidUtf8(metrics(), 'mmmm')), 'ExportMetricsServiceRequest.resourceMetrics.scopeMetrics.metrics.name');
  });
  test('unknown fields are skipped, whatever they hold', () => {
    const unknown = fLen(99, Uint8Array.of(0xff, 0xc0));
    assert.equal(invalidUtf8Field(requestType('traces'), cat(traces(), unknown)), undefined);
  });
  test('broken wire data throws rather than passing', () => {
    const b = traces();
    assert.throws(() => invalidUtf8Field(requestType('traces'), b.subarray(0, b.length - 3)), /past the end/);
  });
});

describe('the local Honeycomb answers invalid UTF-8 as husky does', () => {
  let hc: FakeHoneycomb;
  before(async () => {
    hc = await new FakeHoneycomb([KEY]).start();
  });
  after(async () => {
    await hc.stop();
  });
  const send = (body: Uint8Array, headers: Record<string, string> = {}) => post(hc.url, '/v1/traces', body, { 'x-honeycomb-team': KEY, ...headers });

  test('a valid request is taken', async () => {
    const res = await send(traces());
    assert.equal(res.status, 200);
    assert.equal(hc.received.length, 1);
  });

  for (const marker of ['zzzz', 'qqqq', 'kkkk']) {
    test(`a bad byte in ${marker} is refused with 400 and husky's body, gzip or not`, async () => {
      const bad = invalidUtf8(traces(), marker);
      for (const [body, headers] of [[bad, {}], [zlib.gzipSync(bad), { 'content-encoding': 'gzip' }]] as const) {
        const before = hc.received.length;
        const res = await send(body, headers);
        assert.equal(res.status, 400);
        assert.equal(res.body.toString(), FAILED_PARSE_BODY);
        assert.equal(hc.received.length, before, 'nothing of it taken');
        assert.match(hc.refused.at(-1)!.error, /^invalid UTF-8 in ExportTraceServiceRequest\./);
        // The relay's classifier reads husky's `message`, and asks the runner to isolate the bad part.
        assert.deepEqual(classify(res.status, {}, res.body, 1), { kind: 'permanent', reason: 'Honeycomb answered 400: failed to parse OTLP request body', rejected: 1, split: 'content' });
      }
    });
  }
});
