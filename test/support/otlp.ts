import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { encodeRequest } from '../../src/otlp/codec.ts';

export interface SpanSpec {
  name?: string;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
  exception?: boolean;
}

function kv(attrs: Record<string, string | number | boolean>) {
  return Object.entries(attrs).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v },
  }));
}

/** Builds an encoded ExportTraceServiceRequest with fresh ids; returns the span ids in hex too. */
export function traceRequest(service: string, spans: SpanSpec[] | number, resource: Record<string, string | number | boolean> = {}): { bytes: Uint8Array; spanIds: string[] } {
  const list: SpanSpec[] = typeof spans === 'number' ? Array.from({ length: spans }, (_, i) => ({ name: `span ${i}` })) : spans;
  const traceId = randomBytes(16);
  const start = 1_700_000_000_000_000_000n;
  const spanIds: string[] = [];
  const encoded = list.map((s, i) => {
    const spanId = randomBytes(8);
    spanIds.push(spanId.toString('hex'));
    return {
      traceId,
      spanId,
      name: s.name ?? `span ${i}`,
      kind: 2,
      startTimeUnixNano: start + BigInt(i),
      endTimeUnixNano: start + BigInt(i) + 1_000_000n,
      attributes: kv(s.attributes ?? {}),
      events: s.exception ? [{ name: 'exception', timeUnixNano: start, attributes: kv({ 'exception.type': 'ValueError', 'exception.message': 'boom' }) }] : [],
      status: s.error ? { code: 2, message: 'failed' } : {},
    };
  });
  const bytes = encodeRequest('traces', {
    resourceSpans: [{ resource: { attributes: kv({ 'service.name': service, ...resource }) }, scopeSpans: [{ scope: { name: 'test' }, spans: encoded }] }],
  });
  return { bytes, spanIds };
}

/** Builds an encoded ExportLogsServiceRequest with the given severities. */
export function logsRequest(service: string, severities: number[]): Uint8Array {
  return encodeRequest('logs', {
    resourceLogs: [
      {
        resource: { attributes: kv({ 'service.name': service }) },
        scopeLogs: [{ scope: { name: 'test' }, logRecords: severities.map((sev, i) => ({ timeUnixNano: 1_700_000_000_000_000_000n + BigInt(i), severityNumber: sev, body: { stringValue: `log ${i}` } })) }],
      },
    ],
  });
}

/** POSTs OTLP protobuf to the relay. */
export async function post(url: string, path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url + path, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', ...headers } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** One OTLP/gRPC trace export of raw protobuf bytes; resolves with the call's error, or null when it succeeded. */
export function grpcExport(port: number, bytes: Uint8Array): Promise<grpc.ServiceError | null> {
  const identity = (b: Buffer) => b;
  const path = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
  const Client = grpc.makeGenericClientConstructor({ Export: { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } }, 'TraceService');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, Buffer.from(bytes), (err: grpc.ServiceError | null) => {
      client.close();
      resolve(err);
    });
  });
}
