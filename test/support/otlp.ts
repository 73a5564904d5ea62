import { randomBytes } from 'node:crypto';
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
