// The real JS SDK's serializers (otlp-transformer) feed our decoders, and its response deserializers read our responses.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { attrMap, attrValue } from '../../src/otlp/attributes.ts';
import { decodeRequest, encodeResponse, jsonToProtobuf } from '../../src/otlp/codec.ts';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Metric } from '../../src/otlp/types.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { LINKED, PARENT, hex, nanos, sdkLogRecords, sdkMetrics, sdkSpans } from './helpers.ts';

function must<T>(v: T | undefined | null, what: string): T {
  assert.ok(v !== undefined && v !== null, `${what} is missing`);
  return v;
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b).toString('utf8');
}

function checkResource(attributes: Parameters<typeof attrMap>[0]): void {
  const attrs = attrMap(attributes);
  assert.equal(attrs['service.name'], 'checkout');
  assert.equal(attrs['service.version'], '1.4.2');
  assert.equal(attrs['host.cores'], 8n);
}

function checkTraces(req: ExportTraceServiceRequest, spans: readonly ReadableSpan[], big: bigint): void {
  assert.equal(req.resourceSpans.length, 1);
  const rs = req.resourceSpans[0]!;
  checkResource(must(rs.resource, 'resource').attributes);
  assert.equal(rs.scopeSpans.length, 1);
  const ss = rs.scopeSpans[0]!;
  const scope = must(ss.scope, 'scope');
  assert.equal(scope.name, 'checkout-lib');
  assert.equal(scope.version, '2.0.1');
  assert.equal(ss.spans.length, spans.length);
  for (const sdk of spans) {
    const ctx = sdk.spanContext();
    const span = must(
      ss.spans.find((s) => hex(s.spanId) === ctx.spanId),
      `span ${sdk.name}`,
    );
    assert.equal(hex(span.traceId), ctx.traceId);
    assert.equal(hex(span.parentSpanId), must(sdk.parentSpanContext, 'parent').spanId);
    assert.equal(span.name, sdk.name);
    assert.equal(span.kind, sdk.kind + 1, 'SDK SpanKind is 0-based, OTLP SpanKind 1-based');
    assert.equal(span.startTimeUnixNano, nanos(sdk.startTime));
    assert.equal(span.endTimeUnixNano, nanos(sdk.endTime));
    assert.equal(span.droppedAttributesCount, 0);
    assert.equal(span.droppedEventsCount, 0);
    assert.equal(span.droppedLinksCount, 0);
  }
  const server = must(
    ss.spans.find((s) => s.name === 'POST /orders'),
    'server span',
  );
  assert.equal(hex(server.parentSpanId), PARENT.spanId);
  assert.equal(server.kind, 2);
  assert.equal(server.startTimeUnixNano, 1700000000123456789n);
  assert.equal(server.endTimeUnixNano, 1700000001987654321n);
  // Sampled (0x01) | HAS_IS_REMOTE (0x100) | IS_REMOTE (0x200): the parent is remote.
  assert.equal(server.flags, 0x301);
  assert.deepEqual(attrMap(server.attributes), {
    __proto__: null,
    'http.method': 'POST',
    'http.status_code': 201n,
    ratio: 0.25,
    ok: true,
    tags: ['a', 'b'],
    big,
  });
  assert.equal(server.events.length, 1);
  const event = server.events[0]!;
  assert.equal(event.name, 'validated');
  assert.equal(event.timeUnixNano, 1700000000523456789n);
  assert.equal(attrMap(event.attributes)['items.count'], 3n);
  assert.equal(server.links.length, 1);
  const link = server.links[0]!;
  assert.equal(hex(link.traceId), LINKED.traceId);
  assert.equal(hex(link.spanId), LINKED.spanId);
  assert.equal(attrMap(link.attributes)['link.kind'], 'follows');
  assert.equal(link.flags, 0x100, 'not sampled, known to be local');
  const status = must(server.status, 'status');
  assert.equal(status.code, 2);
  assert.equal(status.message, 'payment declined');
  const client = must(
    ss.spans.find((s) => s.name === 'SELECT orders'),
    'client span',
  );
  assert.equal(client.kind, 3);
  assert.equal(hex(client.parentSpanId), hex(server.spanId));
  assert.equal(client.flags, 0x101, 'sampled, local parent');
  assert.equal(client.startTimeUnixNano, 1700000000200000000n);
}

function checkLogs(req: ExportLogsServiceRequest): void {
  assert.equal(req.resourceLogs.length, 1);
  const rl = req.resourceLogs[0]!;
  checkResource(must(rl.resource, 'resource').attributes);
  const sl = rl.scopeLogs[0]!;
  assert.equal(must(sl.scope, 'scope').name, 'checkout-logger');
  assert.equal(must(sl.scope, 'scope').version, '0.3.0');
  assert.equal(sl.logRecords.length, 2);
  const [event, plain] = sl.logRecords;
  assert.ok(event && plain);
  assert.equal(event.eventName, 'order.declined');
  assert.equal(event.timeUnixNano, 1700000000111111111n);
  assert.equal(event.observedTimeUnixNano, 1700000000222222222n);
  assert.equal(event.severityNumber, 13);
  assert.equal(event.severityText, 'WARN');
  assert.deepEqual(attrValue(event.body), { __proto__: null, reason: 'card', codes: [51n, 'x'] });
  assert.deepEqual(attrMap(event.attributes), { __proto__: null, 'order.id': 'o-1', attempt: 2n });
  assert.equal(hex(event.traceId), PARENT.traceId);
  assert.equal(hex(event.spanId), PARENT.spanId);
  assert.equal(event.flags, 1);
  assert.equal(plain.eventName, '');
  assert.equal(plain.timeUnixNano, 1700000001000000005n);
  assert.equal(plain.severityNumber, 9);
  assert.equal(attrValue(plain.body), 'plain text');
  assert.equal(plain.traceId.length, 0);
  assert.equal(plain.spanId.length, 0);
}

function byName(req: ExportMetricsServiceRequest): Map<string, Metric> {
  const out = new Map<string, Metric>();
  for (const rm of req.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}

function sdkPointTimes(rm: SdkResourceMetrics, name: string): { start: bigint; end: bigint } {
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      if (m.descriptor.name === name) {
        const p = m.dataPoints[0]!;
        return { start: nanos(p.startTime), end: nanos(p.endTime) };
      }
    }
  }
  throw new Error(`no SDK metric ${name}`);
}

function checkMetrics(req: ExportMetricsServiceRequest, sdk: SdkResourceMetrics): void {
  assert.equal(req.resourceMetrics.length, 1);
  checkResource(must(req.resourceMetrics[0]!.resource, 'resource').attributes);
  const sm = req.resourceMetrics[0]!.scopeMetrics[0]!;
  assert.equal(must(sm.scope, 'scope').name, 'checkout-meter');
  assert.equal(must(sm.scope, 'scope').version, '1.0.0');
  const metrics = byName(req);

  const created = must(metrics.get('orders.created'), 'orders.created');
  assert.equal(created.unit, '{order}');
  assert.equal(created.description, 'orders');
  const sum = must(created.sum, 'orders.created sum');
  assert.equal(sum.isMonotonic, true);
  assert.equal(sum.aggregationTemporality, 2);
  const point = sum.dataPoints[0]!;
  assert.equal(point.asDouble ?? Number(point.asInt), 5);
  assert.deepEqual(attrMap(point.attributes), { __proto__: null, region: 'eu' });
  const times = sdkPointTimes(sdk, 'orders.created');
  assert.equal(point.startTimeUnixNano, times.start);
  assert.equal(point.timeUnixNano, times.end);

  const open = must(must(metrics.get('orders.open'), 'orders.open').sum, 'orders.open sum');
  assert.equal(open.isMonotonic, false);
  assert.equal(open.dataPoints[0]!.asDouble ?? Number(open.dataPoints[0]!.asInt), -2);

  const gauge = must(must(metrics.get('queue.depth'), 'queue.depth').gauge, 'gauge');
  assert.equal(gauge.dataPoints[0]!.asDouble, 7.5);
  assert.equal(attrMap(gauge.dataPoints[0]!.attributes)['queue'], 'q1');

  const latency = must(metrics.get('latency'), 'latency');
  assert.equal(latency.unit, 'ms');
  const hist = must(latency.histogram, 'histogram');
  assert.equal(hist.aggregationTemporality, 2);
  const hp = hist.dataPoints[0]!;
  assert.equal(hp.count, 3n);
  assert.equal(hp.sum, 555);
  assert.equal(hp.min, 5);
  assert.equal(hp.max, 500);
  assert.deepEqual(hp.explicitBounds, [10, 100]);
  assert.deepEqual(hp.bucketCounts, [1n, 1n, 1n]);
  const ht = sdkPointTimes(sdk, 'latency');
  assert.equal(hp.startTimeUnixNano, ht.start);
  assert.equal(hp.timeUnixNano, ht.end);

  const exp = must(must(metrics.get('payload.size'), 'payload.size').exponentialHistogram, 'exponential histogram');
  const ep = exp.dataPoints[0]!;
  assert.equal(ep.count, 4n);
  assert.equal(ep.sum, 1007);
  assert.equal(ep.min, 1);
  assert.equal(ep.max, 1000);
  assert.equal(ep.zeroCount, 0n);
  assert.ok(ep.scale !== 0, 'a non-default scale, so the sint32 zigzag encoding is exercised');
  const positive = must(ep.positive, 'positive buckets');
  assert.equal(
    positive.bucketCounts.reduce((a, b) => a + b, 0n),
    4n,
  );
  const sdkExp = sdk.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'payload.size')!.dataPoints[0]!.value as {
    scale: number;
    positive: { offset: number; bucketCounts: number[] };
  };
  assert.equal(ep.scale, sdkExp.scale);
  assert.equal(positive.offset, sdkExp.positive.offset);
  assert.deepEqual(positive.bucketCounts.map(Number), sdkExp.positive.bucketCounts);
}

void describe('OTLP from the OpenTelemetry JS SDK (otlp-transformer)', () => {
  let spans: ReadableSpan[];
  let logs: ReadableLogRecord[];
  let metrics: SdkResourceMetrics;
  before(async () => {
    spans = await sdkSpans();
    logs = await sdkLogRecords();
    metrics = await sdkMetrics();
  });

  void test('traces: protobuf from the SDK decodes field by field', () => {
    const bytes = must(ProtobufTraceSerializer.serializeRequest(spans), 'serialized');
    const scan = scanRequest('traces', bytes);
    assert.equal(scan.items, 2);
    assert.equal(scan.invalid, 0);
    checkTraces(decodeRequest('traces', bytes), spans, 2n ** 60n);
  });

  void test('traces: OTLP/JSON from the SDK converts to the same protobuf content', () => {
    const json = utf8(must(JsonTraceSerializer.serializeRequest(spans), 'serialized'));
    const bytes = jsonToProtobuf('traces', json);
    assert.equal(scanRequest('traces', bytes).items, 2);
    // The SDK writes the int attribute 2^60 as the JS number literal 1152921504606847000 (already lossy);
    // the relay keeps the literal exactly, as a Go collector does, rather than rounding it through a double.
    assert.match(json, /"intValue":1152921504606847000\b/);
    checkTraces(decodeRequest('traces', bytes), spans, 1152921504606847000n);
  });

  void test('logs: protobuf from the SDK decodes field by field', () => {
    const bytes = must(ProtobufLogsSerializer.serializeRequest(logs), 'serialized');
    const scan = scanRequest('logs', bytes);
    assert.equal(scan.items, 2);
    assert.equal(scan.invalid, 0);
    checkLogs(decodeRequest('logs', bytes));
  });

  void test('logs: OTLP/JSON from the SDK converts to the same protobuf content', () => {
    const json = utf8(must(JsonLogsSerializer.serializeRequest(logs), 'serialized'));
    checkLogs(decodeRequest('logs', jsonToProtobuf('logs', json)));
  });

  void test('metrics: protobuf from the SDK decodes field by field', () => {
    const bytes = must(ProtobufMetricsSerializer.serializeRequest(metrics), 'serialized');
    const scan = scanRequest('metrics', bytes);
    assert.equal(scan.items, 5, 'one data point per instrument');
    assert.equal(scan.invalid, 0);
    checkMetrics(decodeRequest('metrics', bytes), metrics);
  });

  void test('metrics: OTLP/JSON from the SDK converts to the same protobuf content', () => {
    const json = utf8(must(JsonMetricsSerializer.serializeRequest(metrics), 'serialized'));
    const bytes = jsonToProtobuf('metrics', json);
    assert.equal(scanRequest('metrics', bytes).items, 5);
    checkMetrics(decodeRequest('metrics', bytes), metrics);
  });

  void test('our partial_success responses decode with the SDK response deserializers', () => {
    const partial = { rejected: 3, message: '3 spans rejected: trace_id is all zeros' };
    const t = ProtobufTraceSerializer.deserializeResponse(encodeResponse('traces', partial, 'protobuf'));
    assert.deepEqual(t.partialSuccess, { rejectedSpans: 3, errorMessage: partial.message });
    const l = ProtobufLogsSerializer.deserializeResponse(encodeResponse('logs', { rejected: 2, message: 'x' }, 'protobuf'));
    assert.deepEqual(l.partialSuccess, { rejectedLogRecords: 2, errorMessage: 'x' });
    const m = ProtobufMetricsSerializer.deserializeResponse(encodeResponse('metrics', { rejected: 7, message: 'y' }, 'protobuf'));
    assert.deepEqual(m.partialSuccess, { rejectedDataPoints: 7, errorMessage: 'y' });
    assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(encodeResponse('traces', undefined, 'protobuf')), {});
    const j = JsonTraceSerializer.deserializeResponse(new TextEncoder().encode(encodeResponse('traces', partial, 'json')));
    assert.equal(Number(j.partialSuccess?.rejectedSpans), 3);
    assert.equal(j.partialSuccess?.errorMessage, partial.message);
  });
});
