// The schema against an independent transcription of opentelemetry-proto v1.10, and our encoder's bytes read back by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { encodeRequest } from '../../src/otlp/codec.ts';
import { GRPC_EXPORT_PATH, PROTO_DIR, lookupType, requestType, responseType, retryInfoType, root, statusType } from '../../src/otlp/schema.ts';
import { readRaw, type RawField } from './helpers.ts';

// name=number:type; a leading * marks repeated; ? marks proto3 optional; enum/message types by short name.
const EXPECTED: Record<string, string> = {
  'opentelemetry.proto.common.v1.AnyValue':
    'string_value=1:string bool_value=2:bool int_value=3:int64 double_value=4:double array_value=5:ArrayValue kvlist_value=6:KeyValueList bytes_value=7:bytes string_value_strindex=8:int32',
  'opentelemetry.proto.common.v1.ArrayValue': '*values=1:AnyValue',
  'opentelemetry.proto.common.v1.KeyValueList': '*values=1:KeyValue',
  'opentelemetry.proto.common.v1.KeyValue': 'key=1:string value=2:AnyValue key_strindex=3:int32',
  'opentelemetry.proto.common.v1.InstrumentationScope': 'name=1:string version=2:string *attributes=3:KeyValue dropped_attributes_count=4:uint32',
  'opentelemetry.proto.common.v1.EntityRef': 'schema_url=1:string type=2:string *id_keys=3:string *description_keys=4:string',
  'opentelemetry.proto.resource.v1.Resource': '*attributes=1:KeyValue dropped_attributes_count=2:uint32 *entity_refs=3:EntityRef',
  'opentelemetry.proto.trace.v1.ResourceSpans': 'resource=1:Resource *scope_spans=2:ScopeSpans schema_url=3:string',
  'opentelemetry.proto.trace.v1.ScopeSpans': 'scope=1:InstrumentationScope *spans=2:Span schema_url=3:string',
  'opentelemetry.proto.trace.v1.Span':
    'trace_id=1:bytes span_id=2:bytes trace_state=3:string parent_span_id=4:bytes flags=16:fixed32 name=5:string kind=6:SpanKind ' +
    'start_time_unix_nano=7:fixed64 end_time_unix_nano=8:fixed64 *attributes=9:KeyValue dropped_attributes_count=10:uint32 ' +
    '*events=11:Event dropped_events_count=12:uint32 *links=13:Link dropped_links_count=14:uint32 status=15:Status',
  'opentelemetry.proto.trace.v1.Span.Event': 'time_unix_nano=1:fixed64 name=2:string *attributes=3:KeyValue dropped_attributes_count=4:uint32',
  'opentelemetry.proto.trace.v1.Span.Link':
    'trace_id=1:bytes span_id=2:bytes trace_state=3:string *attributes=4:KeyValue dropped_attributes_count=5:uint32 flags=6:fixed32',
  'opentelemetry.proto.trace.v1.Status': 'message=2:string code=3:StatusCode',
  'opentelemetry.proto.logs.v1.ResourceLogs': 'resource=1:Resource *scope_logs=2:ScopeLogs schema_url=3:string',
  'opentelemetry.proto.logs.v1.ScopeLogs': 'scope=1:InstrumentationScope *log_records=2:LogRecord schema_url=3:string',
  'opentelemetry.proto.logs.v1.LogRecord':
    'time_unix_nano=1:fixed64 observed_time_unix_nano=11:fixed64 severity_number=2:SeverityNumber severity_text=3:string ' +
    'body=5:AnyValue *attributes=6:KeyValue dropped_attributes_count=7:uint32 flags=8:fixed32 trace_id=9:bytes span_id=10:bytes event_name=12:string',
  'opentelemetry.proto.metrics.v1.ResourceMetrics': 'resource=1:Resource *scope_metrics=2:ScopeMetrics schema_url=3:string',
  'opentelemetry.proto.metrics.v1.ScopeMetrics': 'scope=1:InstrumentationScope *metrics=2:Metric schema_url=3:string',
  'opentelemetry.proto.metrics.v1.Metric':
    'name=1:string description=2:string unit=3:string gauge=5:Gauge sum=7:Sum histogram=9:Histogram ' +
    'exponential_histogram=10:ExponentialHistogram summary=11:Summary *metadata=12:KeyValue',
  'opentelemetry.proto.metrics.v1.Gauge': '*data_points=1:NumberDataPoint',
  'opentelemetry.proto.metrics.v1.Sum': '*data_points=1:NumberDataPoint aggregation_temporality=2:AggregationTemporality is_monotonic=3:bool',
  'opentelemetry.proto.metrics.v1.Histogram': '*data_points=1:HistogramDataPoint aggregation_temporality=2:AggregationTemporality',
  'opentelemetry.proto.metrics.v1.ExponentialHistogram':
    '*data_points=1:ExponentialHistogramDataPoint aggregation_temporality=2:AggregationTemporality',
  'opentelemetry.proto.metrics.v1.Summary': '*data_points=1:SummaryDataPoint',
  'opentelemetry.proto.metrics.v1.NumberDataPoint':
    '*attributes=7:KeyValue start_time_unix_nano=2:fixed64 time_unix_nano=3:fixed64 as_double=4:double as_int=6:sfixed64 *exemplars=5:Exemplar flags=8:uint32',
  'opentelemetry.proto.metrics.v1.HistogramDataPoint':
    '*attributes=9:KeyValue start_time_unix_nano=2:fixed64 time_unix_nano=3:fixed64 count=4:fixed64 ?sum=5:double ' +
    '*bucket_counts=6:fixed64 *explicit_bounds=7:double *exemplars=8:Exemplar flags=10:uint32 ?min=11:double ?max=12:double',
  'opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint':
    '*attributes=1:KeyValue start_time_unix_nano=2:fixed64 time_unix_nano=3:fixed64 count=4:fixed64 ?sum=5:double scale=6:sint32 ' +
    'zero_count=7:fixed64 positive=8:Buckets negative=9:Buckets flags=10:uint32 *exemplars=11:Exemplar ?min=12:double ?max=13:double zero_threshold=14:double',
  'opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.Buckets': 'offset=1:sint32 *bucket_counts=2:uint64',
  'opentelemetry.proto.metrics.v1.SummaryDataPoint':
    '*attributes=7:KeyValue start_time_unix_nano=2:fixed64 time_unix_nano=3:fixed64 count=4:fixed64 sum=5:double *quantile_values=6:ValueAtQuantile flags=8:uint32',
  'opentelemetry.proto.metrics.v1.SummaryDataPoint.ValueAtQuantile': 'quantile=1:double value=2:double',
  'opentelemetry.proto.metrics.v1.Exemplar':
    '*filtered_attributes=7:KeyValue time_unix_nano=2:fixed64 as_double=3:double as_int=6:sfixed64 span_id=4:bytes trace_id=5:bytes',
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest': '*resource_spans=1:ResourceSpans',
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse': 'partial_success=1:ExportTracePartialSuccess',
  'opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess': 'rejected_spans=1:int64 error_message=2:string',
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest': '*resource_logs=1:ResourceLogs',
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse': 'partial_success=1:ExportLogsPartialSuccess',
  'opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess': 'rejected_log_records=1:int64 error_message=2:string',
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest': '*resource_metrics=1:ResourceMetrics',
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse': 'partial_success=1:ExportMetricsPartialSuccess',
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess': 'rejected_data_points=1:int64 error_message=2:string',
  'google.rpc.Status': 'code=1:int32 message=2:string *details=3:Any',
  'google.rpc.RetryInfo': 'retry_delay=1:Duration',
  'google.protobuf.Any': 'type_url=1:string value=2:bytes',
  'google.protobuf.Duration': 'seconds=1:int64 nanos=2:int32',
};

const ENUMS: Record<string, Record<string, number>> = {
  'opentelemetry.proto.trace.v1.Span.SpanKind': {
    SPAN_KIND_UNSPECIFIED: 0,
    SPAN_KIND_INTERNAL: 1,
    SPAN_KIND_SERVER: 2,
    SPAN_KIND_CLIENT: 3,
    SPAN_KIND_PRODUCER: 4,
    SPAN_KIND_CONSUMER: 5,
  },
  'opentelemetry.proto.trace.v1.Status.StatusCode': { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 },
  'opentelemetry.proto.metrics.v1.AggregationTemporality': {
    AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
    AGGREGATION_TEMPORALITY_DELTA: 1,
    AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
  },
};

function describeField(f: protobuf.Field): string {
  f.resolve();
  const type = f.resolvedType ? f.resolvedType.name : f.type;
  const optional = f.partOf && f.partOf.name.startsWith('_') ? '?' : '';
  return `${f.repeated ? '*' : ''}${optional}${f.protoName ?? f.name}=${f.id}:${type}`;
}

void test('every OTLP message has exactly the upstream fields, numbers and types', () => {
  for (const [name, spec] of Object.entries(EXPECTED)) {
    const t = lookupType(name);
    const actual = t.fieldsArray.map(describeField).sort();
    assert.deepEqual(actual, spec.split(' ').sort(), name);
  }
});

void test('enum values match upstream', () => {
  for (const [name, values] of Object.entries(ENUMS)) {
    assert.deepEqual({ ...root.lookupEnum(name).values }, values, name);
  }
  const severity = root.lookupEnum('opentelemetry.proto.logs.v1.SeverityNumber').values;
  assert.equal(severity['SEVERITY_NUMBER_INFO'], 9);
  assert.equal(severity['SEVERITY_NUMBER_FATAL4'], 24);
  assert.equal(Object.keys(severity).length, 25);
});

void test('exported type accessors and gRPC paths', () => {
  assert.equal(requestType('traces').fullName, '.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  assert.equal(responseType('logs').fullName, '.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
  assert.equal(statusType().fullName, '.google.rpc.Status');
  assert.equal(retryInfoType().fullName, '.google.rpc.RetryInfo');
  assert.equal(GRPC_EXPORT_PATH.traces, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
  for (const [signal, path] of Object.entries(GRPC_EXPORT_PATH)) {
    const [, service, method] = /^\/(.+)\/(\w+)$/.exec(path) ?? [];
    const svc = root.lookupService(service!);
    assert.equal(svc.methods[method!]?.resolvedRequestType, requestType(signal as keyof typeof GRPC_EXPORT_PATH), signal);
  }
});

void test('the .proto files load standalone with a fresh protobufjs root (no reliance on our loader)', () => {
  const r = new protobuf.Root();
  r.resolvePath = (_o, target) => `${PROTO_DIR}${target}`;
  r.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  r.resolveAll();
  assert.ok(r.lookupType('opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint'));
});

function only(fields: RawField[], no: number): RawField {
  const matching = fields.filter((f) => f.no === no);
  assert.equal(matching.length, 1, `field ${no} once`);
  return matching[0]!;
}

function sub(fields: RawField[], no: number): RawField[] {
  const f = only(fields, no);
  assert.equal(f.wireType, 2, `field ${no} is length-delimited`);
  return readRaw(f.value as Uint8Array);
}

void test('our encoder writes spans with the upstream tags and wire types', () => {
  const bytes = encodeRequest('traces', {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: new Uint8Array(16).fill(1),
                spanId: new Uint8Array(8).fill(2),
                parentSpanId: new Uint8Array(8).fill(3),
                name: 'n',
                kind: 3,
                flags: 0x301,
                startTimeUnixNano: 1700000000123456789n,
                endTimeUnixNano: '1700000000987654321',
                attributes: [{ key: 'k', value: { intValue: -5n } }],
                status: { code: 2, message: 'm' },
              },
            ],
          },
        ],
      },
    ],
  });
  const span = sub(sub(sub(readRaw(bytes), 1), 2), 2);
  assert.deepEqual(only(span, 1), { no: 1, wireType: 2, value: new Uint8Array(16).fill(1) });
  assert.equal(only(span, 16).wireType, 5);
  assert.equal(only(span, 16).value, 0x301n);
  assert.equal(only(span, 6).value, 3n);
  assert.deepEqual(only(span, 7), { no: 7, wireType: 1, value: 1700000000123456789n });
  assert.deepEqual(only(span, 8), { no: 8, wireType: 1, value: 1700000000987654321n });
  const anyValue = sub(sub(span, 9), 2);
  // int64 -5 is a 10-byte two's complement varint.
  assert.deepEqual(only(anyValue, 3), { no: 3, wireType: 0, value: (1n << 64n) - 5n });
  const status = sub(span, 15);
  assert.equal(only(status, 3).value, 2n);
});

void test('our encoder packs repeated numeric fields and zigzags sint32', () => {
  const bytes = encodeRequest('metrics', {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'h', histogram: { dataPoints: [{ count: 3n, bucketCounts: [1n, 2n], explicitBounds: [0.5], sum: 0 }] } },
              { name: 'e', exponentialHistogram: { dataPoints: [{ scale: -2, positive: { offset: -1, bucketCounts: [300n] } }] } },
            ],
          },
        ],
      },
    ],
  });
  const metrics = sub(sub(readRaw(bytes), 1), 2).filter((f) => f.no === 2).map((f) => readRaw(f.value as Uint8Array));
  const hp = sub(sub(metrics[0]!, 9), 1);
  assert.equal(only(hp, 4).wireType, 1);
  const buckets = only(hp, 6);
  assert.equal(buckets.wireType, 2, 'bucket_counts packed');
  assert.equal((buckets.value as Uint8Array).length, 16);
  assert.equal(only(hp, 5).wireType, 1, 'optional sum written even when 0');
  const ep = sub(sub(metrics[1]!, 10), 1);
  assert.equal(only(ep, 6).value, 3n, 'sint32 -2 zigzags to 3');
  const positive = sub(ep, 8);
  assert.equal(only(positive, 1).value, 1n, 'sint32 -1 zigzags to 1');
  assert.deepEqual(only(positive, 2).value, Uint8Array.from([0xac, 0x02]), 'uint64 bucket_counts packed as varints');
});
