import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';
import { type Signal } from './signal.ts';

/** The repo's proto/ directory: two levels above both src/otlp/ and dist/otlp/. */
export const PROTO_DIR: string = fileURLToPath(new URL('../../proto/', import.meta.url));

/** The .proto files the relay serves, relative to PROTO_DIR (also usable with @grpc/proto-loader). */
export const PROTO_FILES: readonly string[] = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'google/rpc/status.proto',
  'google/rpc/error_details.proto',
];

const COLLECTOR_PACKAGE: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1',
  logs: 'opentelemetry.proto.collector.logs.v1',
  metrics: 'opentelemetry.proto.collector.metrics.v1',
};

const MESSAGE_STEM: Record<Signal, string> = { traces: 'Trace', logs: 'Logs', metrics: 'Metrics' };

/** Fully qualified gRPC method path per signal, e.g. `/opentelemetry.proto.collector.trace.v1.TraceService/Export`. */
export const GRPC_EXPORT_PATH: Record<Signal, string> = {
  traces: `/${COLLECTOR_PACKAGE.traces}.TraceService/Export`,
  logs: `/${COLLECTOR_PACKAGE.logs}.LogsService/Export`,
  metrics: `/${COLLECTOR_PACKAGE.metrics}.MetricsService/Export`,
};

/** The request's top-level repeated field (camelCase, as in decoded messages and OTLP/JSON). */
export const RESOURCE_FIELD = {
  traces: 'resourceSpans',
  logs: 'resourceLogs',
  metrics: 'resourceMetrics',
} as const satisfies Record<Signal, string>;

/** The partial_success counter field per signal (camelCase). */
export const REJECTED_FIELD = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
} as const satisfies Record<Signal, string>;

// protobufjs caps nesting at 100, but 32 AnyValue levels (scanRequest's cap) inside an exemplar reach depth ~104.
const PROTOBUF_NESTING_LIMIT = 128;
protobuf.util.recursionLimit = Math.max(protobuf.util.recursionLimit, PROTOBUF_NESTING_LIMIT);
protobuf.Reader.recursionLimit = Math.max(protobuf.Reader.recursionLimit, PROTOBUF_NESTING_LIMIT);

function load(): Root {
  const r = new protobuf.Root();
  // Imports are written relative to the proto root (as protoc -I proto), not to the importing file.
  r.resolvePath = (_origin: string, target: string): string => path.join(PROTO_DIR, target);
  r.loadSync(PROTO_FILES as string[], { keepCase: false });
  r.resolveAll();
  return r;
}

/** The loaded schema, camelCase fields; google.protobuf.* come from protobufjs's bundle, so Any keeps `type_url`. */
export const root: Root = load();

const requestTypes = new Map<Signal, Type>();
const responseTypes = new Map<Signal, Type>();

/** Export<Signal>ServiceRequest. */
export function requestType(signal: Signal): Type {
  let t = requestTypes.get(signal);
  if (t === undefined) {
    t = root.lookupType(`${COLLECTOR_PACKAGE[signal]}.Export${MESSAGE_STEM[signal]}ServiceRequest`);
    requestTypes.set(signal, t);
  }
  return t;
}

/** Export<Signal>ServiceResponse. */
export function responseType(signal: Signal): Type {
  let t = responseTypes.get(signal);
  if (t === undefined) {
    t = root.lookupType(`${COLLECTOR_PACKAGE[signal]}.Export${MESSAGE_STEM[signal]}ServiceResponse`);
    responseTypes.set(signal, t);
  }
  return t;
}

const STATUS = root.lookupType('google.rpc.Status');
const RETRY_INFO = root.lookupType('google.rpc.RetryInfo');

/** google.rpc.Status. */
export function statusType(): Type {
  return STATUS;
}

/** google.rpc.RetryInfo. */
export function retryInfoType(): Type {
  return RETRY_INFO;
}

/** Any message type by its fully qualified name, e.g. `opentelemetry.proto.resource.v1.Resource`. */
export function lookupType(fullName: string): Type {
  return root.lookupType(fullName);
}
