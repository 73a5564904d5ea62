/** Building OTLP requests for Rollbar exporter tests, through the relay's own OTLP/JSON codec. */
import { readFileSync } from 'node:fs';
import { decodeRequest, jsonToProtobuf } from '../../../src/otlp/codec.ts';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest } from '../../../src/otlp/types.ts';
import type { TranslateOptions } from '../../../src/exporters/rollbar/translate.ts';
import { anyValue, attributes, KIND, type Plain } from '../../support/otlp-json.ts';

export { attributes, KIND } from '../../support/otlp-json.ts';

export const TRACE = '6553f1000123456789abcdef01234567';

export const OPTIONS: TranslateOptions = { minSeverity: 17, httpServerErrors: false, fingerprint: false, version: '0.0.0-test' };

/** A real stack trace from test/stacktrace/fixtures. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../../stacktrace/fixtures/${name}`, import.meta.url), 'utf8');
}


export interface SpanSpec {
  name?: string;
  kind?: number;
  spanId: string;
  parentSpanId?: string;
  traceId?: string;
  attributes?: Record<string, Plain>;
  events?: Array<{ name: string; time?: string; attributes?: Record<string, Plain> }>;
  status?: { code: number; message?: string };
}

export function span(s: SpanSpec): Record<string, unknown> {
  return {
    traceId: s.traceId ?? TRACE,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name ?? 'op',
    kind: s.kind ?? KIND.SERVER,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000500000000',
    attributes: attributes(s.attributes ?? {}),
    events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: e.time ?? '1700000000250000000', attributes: attributes(e.attributes ?? {}) })),
    ...(s.status ? { status: s.status } : {}),
  };
}

/** An exception event as the OTel SDKs record it. */
export function exception(type: string | undefined, message: string | undefined, stacktrace?: string, extra: Record<string, Plain> = {}): { name: string; attributes: Record<string, Plain> } {
  const attrs: Record<string, Plain> = { ...extra };
  if (type !== undefined) attrs['exception.type'] = type;
  if (message !== undefined) attrs['exception.message'] = message;
  if (stacktrace !== undefined) attrs['exception.stacktrace'] = stacktrace;
  return { name: 'exception', attributes: attrs };
}

export function traceJson(resource: Record<string, Plain>, spans: SpanSpec[]): Record<string, unknown> {
  return { resourceSpans: [{ resource: { attributes: attributes(resource) }, scopeSpans: [{ scope: { name: 'test', version: '1.0.0' }, spans: spans.map(span) }] }] };
}

export function traceBytes(resource: Record<string, Plain>, spans: SpanSpec[]): Uint8Array {
  return jsonToProtobuf('traces', JSON.stringify(traceJson(resource, spans)));
}

export function traces(resource: Record<string, Plain>, spans: SpanSpec[]): ExportTraceServiceRequest {
  return decodeRequest('traces', traceBytes(resource, spans));
}

export interface LogSpec {
  severityNumber?: number;
  severityText?: string;
  body?: Plain;
  attributes?: Record<string, Plain>;
  traceId?: string;
  spanId?: string;
  time?: string;
}

export function logJson(resource: Record<string, Plain>, records: LogSpec[]): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: attributes(resource) },
        scopeLogs: [
          {
            scope: { name: 'test-logger' },
            logRecords: records.map((r, i) => ({
              timeUnixNano: r.time ?? String(1_700_000_000_000_000_000n + BigInt(i)),
              severityNumber: r.severityNumber ?? 17,
              ...(r.severityText === undefined ? {} : { severityText: r.severityText }),
              ...(r.body === undefined ? {} : { body: anyValue(r.body) }),
              attributes: attributes(r.attributes ?? {}),
              ...(r.traceId ? { traceId: r.traceId } : {}),
              ...(r.spanId ? { spanId: r.spanId } : {}),
            })),
          },
        ],
      },
    ],
  };
}

export function logBytes(resource: Record<string, Plain>, records: LogSpec[]): Uint8Array {
  return jsonToProtobuf('logs', JSON.stringify(logJson(resource, records)));
}

export function logs(resource: Record<string, Plain>, records: LogSpec[]): ExportLogsServiceRequest {
  return decodeRequest('logs', logBytes(resource, records));
}

/** `count` distinct span ids: "<prefix>00000000000001", … */
export function spanIds(count: number, prefix = 'a'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(16 - prefix.length, '0')}`);
}

/** The `data` of a built item. */
export function dataOf(json: string): Record<string, unknown> & { body: Record<string, unknown>; custom?: Record<string, unknown> } {
  return (JSON.parse(json) as { data: Record<string, unknown> & { body: Record<string, unknown> } }).data;
}
