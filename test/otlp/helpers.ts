/** Test helpers: a tiny independent protobuf writer/reader, and real SDK telemetry to encode. */
import { ROOT_CONTEXT, SeverityNumber, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

// ---- a minimal protobuf writer, independent of protobufjs, for crafting (malformed) inputs ----

export function varint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function tag(no: number, wireType: number): Uint8Array {
  return varint(no * 8 + wireType);
}

export function fVarint(no: number, value: number | bigint): Uint8Array {
  return cat(tag(no, 0), varint(value));
}

export function fLen(no: number, ...payload: Uint8Array[]): Uint8Array {
  const body = cat(...payload);
  return cat(tag(no, 2), varint(body.length), body);
}

export function fStr(no: number, s: string): Uint8Array {
  return fLen(no, new TextEncoder().encode(s));
}

export function fFixed64(no: number, value: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return cat(tag(no, 1), b);
}

export function fFixed32(no: number, value: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return cat(tag(no, 5), b);
}

export function bytesOf(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

// Raw OTLP pieces (field numbers from the spec, written by hand on purpose).
export const TRACE_ID = bytesOf(16, 0xab);
export const SPAN_ID = bytesOf(8, 0xcd);

export function rawSpan(opts: { traceId?: Uint8Array; spanId?: Uint8Array; parent?: Uint8Array; name?: string; extra?: Uint8Array[] } = {}): Uint8Array {
  const parts = [fLen(1, opts.traceId ?? TRACE_ID), fLen(2, opts.spanId ?? SPAN_ID)];
  if (opts.parent !== undefined) parts.push(fLen(4, opts.parent));
  parts.push(fStr(5, opts.name ?? 'op'), fFixed64(7, 1700000000000000000n), fFixed64(8, 1700000000000000001n));
  parts.push(...(opts.extra ?? []));
  return cat(...parts);
}

/** ExportTraceServiceRequest with one ResourceSpans per entry of `resources`, each a list of spans in one scope. */
export function rawTraceRequest(resources: Uint8Array[][], serviceNames?: string[]): Uint8Array {
  return cat(
    ...resources.map((spans, i) =>
      fLen(
        1,
        fLen(1, fLen(1, fStr(1, 'service.name'), fLen(2, fStr(1, serviceNames?.[i] ?? `svc-${i}`)))),
        fLen(2, fLen(1, fStr(1, 'scope')), ...spans.map((s) => fLen(2, s))),
      ),
    ),
  );
}

export function rawLogRecord(opts: { traceId?: Uint8Array; spanId?: Uint8Array; body?: Uint8Array } = {}): Uint8Array {
  const parts = [fFixed64(1, 1700000000000000000n), fVarint(2, 9), fStr(3, 'INFO')];
  parts.push(fLen(5, opts.body ?? fStr(1, 'hello')));
  if (opts.traceId !== undefined) parts.push(fLen(9, opts.traceId));
  if (opts.spanId !== undefined) parts.push(fLen(10, opts.spanId));
  return cat(...parts);
}

export function rawLogsRequest(records: Uint8Array[]): Uint8Array {
  return fLen(1, fLen(2, ...records.map((r) => fLen(2, r))));
}

/** A NumberDataPoint. */
export function rawNumberPoint(value: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return cat(fFixed64(3, 1700000000000000000n), tag(4, 1), b);
}

// ---- an independent raw reader, for checking what our encoder wrote ----

export interface RawField {
  no: number;
  wireType: number;
  /** varint / fixed values as bigint, length-delimited payloads as bytes. */
  value: bigint | Uint8Array;
}

export function readRaw(bytes: Uint8Array): RawField[] {
  const out: RawField[] = [];
  let p = 0;
  const readVar = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[p++];
      if (b === undefined) throw new Error('truncated');
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (p < bytes.length) {
    const t = Number(readVar());
    const no = t >>> 3;
    const wireType = t & 7;
    if (wireType === 0) out.push({ no, wireType, value: readVar() });
    else if (wireType === 1) {
      out.push({ no, wireType, value: Buffer.from(bytes.subarray(p, p + 8)).readBigUInt64LE() });
      p += 8;
    } else if (wireType === 5) {
      out.push({ no, wireType, value: BigInt(Buffer.from(bytes.subarray(p, p + 4)).readUInt32LE()) });
      p += 4;
    } else if (wireType === 2) {
      const n = Number(readVar());
      out.push({ no, wireType, value: Uint8Array.from(bytes.subarray(p, p + n)) });
      p += n;
    } else throw new Error(`wire type ${wireType}`);
  }
  return out;
}

// ---- real SDK telemetry ----

export const PARENT = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true };
export const LINKED = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: false };
export const RESOURCE_ATTRS = { 'service.name': 'checkout', 'service.version': '1.4.2', 'host.cores': 8 };

export async function sdkSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes(RESOURCE_ATTRS), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('checkout-lib', '2.0.1');
  const ctx = trace.setSpanContext(ROOT_CONTEXT, PARENT);
  const server = tracer.startSpan(
    'POST /orders',
    {
      kind: SpanKind.SERVER,
      startTime: [1700000000, 123456789],
      attributes: { 'http.method': 'POST', 'http.status_code': 201, ratio: 0.25, ok: true, tags: ['a', 'b'], big: 2 ** 60 },
      links: [{ context: LINKED, attributes: { 'link.kind': 'follows' } }],
    },
    ctx,
  );
  server.addEvent('validated', { 'items.count': 3 }, [1700000000, 523456789]);
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  server.end([1700000001, 987654321]);
  const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: [1700000000, 200000000] }, trace.setSpan(ctx, server));
  child.end([1700000000, 300000000]);
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

export async function sdkLogRecords(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes(RESOURCE_ATTRS), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('checkout-logger', '0.3.0');
  logger.emit({
    eventName: 'order.declined',
    timestamp: [1700000000, 111111111],
    observedTimestamp: [1700000000, 222222222],
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: { reason: 'card', codes: [51, 'x'] },
    attributes: { 'order.id': 'o-1', attempt: 2 },
    context: trace.setSpanContext(ROOT_CONTEXT, PARENT),
  });
  logger.emit({ timestamp: [1700000001, 5], severityNumber: SeverityNumber.INFO, body: 'plain text' });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export async function sdkMetrics(): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE_ATTRS),
    readers: [reader],
    views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('checkout-meter', '1.0.0');
  meter.createCounter('orders.created', { unit: '{order}', description: 'orders' }).add(5, { region: 'eu' });
  meter.createUpDownCounter('orders.open').add(-2);
  meter.createGauge('queue.depth').record(7.5, { queue: 'q1' });
  const h = meter.createHistogram('latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
  for (const v of [5, 50, 500]) h.record(v);
  const e = meter.createHistogram('payload.size');
  for (const v of [1, 2, 4, 1000]) e.record(v);
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new AggregateError(errors);
  await provider.shutdown();
  return resourceMetrics;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** HrTime [s, ns] as exact nanoseconds. */
export function nanos(t: readonly [number, number]): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}
