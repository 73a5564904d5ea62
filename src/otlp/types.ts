/** Decoded requests (codec.ts): camelCase, int64 bigint, enums int, scalars/arrays always set, absent messages null, oneofs only when set. */
// Type aliases rather than interfaces, so decoded requests stay assignable to Record<string, unknown>.
import { type Signal } from './signal.ts';

export type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: bigint;
  doubleValue?: number;
  arrayValue?: ArrayValue;
  kvlistValue?: KeyValueList;
  bytesValue?: Uint8Array;
  /** Profiling-only string table index: treat as absent for traces, logs and metrics. */
  stringValueStrindex?: number;
};

export type ArrayValue = {
  values: AnyValue[];
};

export type KeyValueList = {
  values: KeyValue[];
};

export type KeyValue = {
  key: string;
  value: AnyValue | null;
  /** Profiling-only string table index. */
  keyStrindex: number;
};

export type InstrumentationScope = {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
};

export type EntityRef = {
  schemaUrl: string;
  type: string;
  idKeys: string[];
  descriptionKeys: string[];
};

export type Resource = {
  attributes: KeyValue[];
  droppedAttributesCount: number;
  entityRefs: EntityRef[];
};

// ---- traces ----

export type SpanEvent = {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
};

export type SpanLink = {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
};

export type SpanStatus = {
  message: string;
  /** 0 UNSET, 1 OK, 2 ERROR. */
  code: number;
};

export type Span = {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  /** Bits 0-7 W3C trace flags, bit 8 has-is-remote, bit 9 is-remote. */
  flags: number;
  name: string;
  /** 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: SpanStatus | null;
};

export type ScopeSpans = {
  scope: InstrumentationScope | null;
  spans: Span[];
  schemaUrl: string;
};

export type ResourceSpans = {
  resource: Resource | null;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
};

export type ExportTraceServiceRequest = {
  resourceSpans: ResourceSpans[];
};

// ---- logs ----

export type LogRecord = {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** 0 UNSPECIFIED, 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL. */
  severityNumber: number;
  severityText: string;
  body: AnyValue | null;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
};

export type ScopeLogs = {
  scope: InstrumentationScope | null;
  logRecords: LogRecord[];
  schemaUrl: string;
};

export type ResourceLogs = {
  resource: Resource | null;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
};

export type ExportLogsServiceRequest = {
  resourceLogs: ResourceLogs[];
};

// ---- metrics ----

export type Exemplar = {
  filteredAttributes: KeyValue[];
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  spanId: Uint8Array;
  traceId: Uint8Array;
};

export type NumberDataPoint = {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  exemplars: Exemplar[];
  flags: number;
};

export type HistogramDataPoint = {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  bucketCounts: bigint[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  flags: number;
  min?: number;
  max?: number;
};

export type ExponentialHistogramBuckets = {
  offset: number;
  bucketCounts: bigint[];
};

export type ExponentialHistogramDataPoint = {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  scale: number;
  zeroCount: bigint;
  positive: ExponentialHistogramBuckets | null;
  negative: ExponentialHistogramBuckets | null;
  flags: number;
  exemplars: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold: number;
};

export type ValueAtQuantile = {
  quantile: number;
  value: number;
};

export type SummaryDataPoint = {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum: number;
  quantileValues: ValueAtQuantile[];
  flags: number;
};

export type Gauge = {
  dataPoints: NumberDataPoint[];
};

export type Sum = {
  dataPoints: NumberDataPoint[];
  /** 0 UNSPECIFIED, 1 DELTA, 2 CUMULATIVE. */
  aggregationTemporality: number;
  isMonotonic: boolean;
};

export type Histogram = {
  dataPoints: HistogramDataPoint[];
  aggregationTemporality: number;
};

export type ExponentialHistogram = {
  dataPoints: ExponentialHistogramDataPoint[];
  aggregationTemporality: number;
};

export type Summary = {
  dataPoints: SummaryDataPoint[];
};

export type Metric = {
  name: string;
  description: string;
  unit: string;
  /** Exactly one of gauge / sum / histogram / exponentialHistogram / summary is set (or none). */
  gauge?: Gauge;
  sum?: Sum;
  histogram?: Histogram;
  exponentialHistogram?: ExponentialHistogram;
  summary?: Summary;
  metadata: KeyValue[];
};

export type ScopeMetrics = {
  scope: InstrumentationScope | null;
  metrics: Metric[];
  schemaUrl: string;
};

export type ResourceMetrics = {
  resource: Resource | null;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
};

export type ExportMetricsServiceRequest = {
  resourceMetrics: ResourceMetrics[];
};

// ---- per signal ----

export type RequestBySignal = {
  traces: ExportTraceServiceRequest;
  logs: ExportLogsServiceRequest;
  metrics: ExportMetricsServiceRequest;
};

/** The decoded Export<Signal>ServiceRequest. */
export type ExportRequest<S extends Signal> = RequestBySignal[S];

/** encodeRequest input: the decoded shape, every field optional (null = absent), int64 as bigint, number or string. */
export type MessageInput<T> = T extends bigint
  ? bigint | number | string
  : T extends Uint8Array
    ? Uint8Array
    : T extends readonly (infer E)[]
      ? MessageInput<E>[]
      : T extends object
        ? { [K in keyof T]?: MessageInput<T[K]> | null }
        : T;

export type ExportRequestInput<S extends Signal> = MessageInput<ExportRequest<S>>;
