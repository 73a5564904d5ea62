/** Building OTLP trace requests for X-Ray exporter tests, through the relay's own OTLP/JSON codec. */
import { decodeRequest, jsonToProtobuf } from '../../../src/otlp/codec.ts';
import type { ExportTraceServiceRequest } from '../../../src/otlp/types.ts';
import type { TranslateOptions } from '../../../src/exporters/xray/translate.ts';
import { attributes, KIND, type Plain } from '../../support/otlp-json.ts';

export { attributes, KIND } from '../../support/otlp-json.ts';

export const XRAY_TRACE = '6553f1000123456789abcdef01234567'; // starts with epoch 1700000000
export const NOW = 1_700_000_100;



export interface SpanSpec {
  name?: string;
  kind?: number;
  spanId: string;
  parentSpanId?: string;
  traceId?: string;
  attributes?: Record<string, Plain>;
  events?: Array<{ name: string; attributes?: Record<string, Plain> }>;
  status?: { code: number; message?: string };
  start?: string;
  end?: string;
}

export function span(s: SpanSpec): Record<string, unknown> {
  return {
    traceId: s.traceId ?? XRAY_TRACE,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name ?? 'op',
    kind: s.kind ?? KIND.SERVER,
    startTimeUnixNano: s.start ?? '1700000000000000000',
    endTimeUnixNano: s.end ?? '1700000000500000000',
    attributes: attributes(s.attributes ?? {}),
    events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: '1700000000100000000', attributes: attributes(e.attributes ?? {}) })),
    ...(s.status ? { status: s.status } : {}),
  };
}

/** One resource with the given spans, as protobuf bytes (what the exporter receives). */
export function requestBytes(resource: Record<string, Plain>, spans: SpanSpec[]): Uint8Array {
  const json = { resourceSpans: [{ resource: { attributes: attributes(resource) }, scopeSpans: [{ scope: { name: 'test' }, spans: spans.map(span) }] }] };
  return jsonToProtobuf('traces', JSON.stringify(json));
}

export function request(resource: Record<string, Plain>, spans: SpanSpec[]): ExportTraceServiceRequest {
  return decodeRequest('traces', requestBytes(resource, spans));
}

export function options(o: Partial<TranslateOptions> = {}): TranslateOptions {
  return { indexedAttributes: [], indexAllAttributes: false, strictTraceIds: false, annotationKeyDots: 'keep', nowSeconds: NOW, ...o };
}

/** `n` distinct span ids. */
export function spanIds(n: number, prefix = 'b'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${(i + 1).toString(16).padStart(15, '0')}`);
}
