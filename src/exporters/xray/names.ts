/** Segment names, namespaces and trace ids: X-Ray's naming rules applied to OTLP spans. */
import type { AttrMap } from '../../otlp/attributes.ts';
import { MAX_NAME_CHARS, MAX_TRACE_ID_AGE_SECONDS, MAX_TRACE_ID_SKEW_SECONDS, NOT_NAME_CHARACTER } from './limits.ts';
import { cutChars, hex, stringOf, type SpanAttrs } from './values.ts';

export const SPAN_KIND = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/** The name used when every candidate sanitizes to nothing. */
export const FALLBACK_NAME = 'span';

/** X-Ray's name rules: allowed characters only, whitespace as spaces, at most 200 characters cut on code points; '' when nothing is left. */
export function sanitizeName(raw: string): string {
  const cleaned = raw.replace(/\s/g, ' ').replace(NOT_NAME_CHARACTER, '').trim();
  return cutChars(cleaned, MAX_NAME_CHARS).trim();
}

/** True when the span is an AWS SDK call (semantic conventions: rpc.system = aws-api). */
export function isAwsSdkSpan(attrs: SpanAttrs): boolean {
  return attrs.string('rpc.system')?.value === 'aws-api';
}

/** "AWS::DynamoDB" / "AWS.SDK.DynamoDB" (aws.remote.service on AWS SDK spans) → "DynamoDB", as X-Ray's own SDKs name AWS nodes. */
function trimAwsPrefix(name: string): string {
  if (name.startsWith('AWS::')) return name.slice('AWS::'.length);
  if (name.startsWith('AWS.SDK.')) return name.slice('AWS.SDK.'.length);
  return name;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const host = new URL(url).hostname;
  return host === '' ? undefined : host.replace(/^\[|\]$/g, '');
}

/** "db@host" from the database name and where it lives (connection string, server.address). */
function databaseName(attrs: SpanAttrs): string | undefined {
  const db = attrs.string('db.namespace', 'db.name')?.value;
  if (db === undefined) return undefined;
  const conn = attrs.string('db.connection_string')?.value;
  const host = hostOf(conn?.replace(/^jdbc:/, '')) ?? attrs.string('server.address', 'net.peer.name')?.value;
  return host === undefined ? db : `${db}@${host}`;
}

/**
 * Candidate names, best first: SERVER spans are named after the service they record, CLIENT and
 * PRODUCER spans after what they call, every other span after itself (as the collector does).
 */
export function nameCandidates(kind: number, spanName: string, attrs: SpanAttrs, resource: AttrMap): string[] {
  const out: string[] = [];
  const push = (v: string | undefined): void => {
    if (v !== undefined && v !== '') out.push(v);
  };
  if (kind === SPAN_KIND.SERVER) {
    push(attrs.string('aws.local.service')?.value);
    push(stringOf(resource, 'service.name'));
  } else if (kind === SPAN_KIND.CLIENT || kind === SPAN_KIND.PRODUCER) {
    const remote = attrs.string('aws.remote.service')?.value;
    push(remote === undefined ? undefined : isAwsSdkSpan(attrs) ? trimAwsPrefix(remote) : remote);
    push(attrs.string('peer.service')?.value);
    if (isAwsSdkSpan(attrs)) push(attrs.string('rpc.service')?.value);
    push(attrs.string('aws.service')?.value);
    push(databaseName(attrs));
    push(attrs.string('rpc.service')?.value);
    push(attrs.string('http.host')?.value);
    push(attrs.string('server.address')?.value);
    push(hostOf(attrs.string('url.full', 'http.url')?.value));
    push(attrs.string('net.peer.name')?.value);
    push(attrs.string('messaging.destination.name')?.value);
    push(attrs.string('db.system.name', 'db.system')?.value);
  }
  push(spanName);
  push(stringOf(resource, 'service.name'));
  return out;
}

/** The first candidate that survives sanitizing; never empty. */
export function segmentName(candidates: readonly string[]): string {
  for (const c of candidates) {
    const name = sanitizeName(c);
    if (name !== '') return name;
  }
  return FALLBACK_NAME;
}

/** `namespace` for subsegments of calls: `aws` for AWS SDK calls, `remote` for other downstream calls. */
export function namespaceOf(kind: number, attrs: SpanAttrs): 'aws' | 'remote' | undefined {
  if (kind !== SPAN_KIND.CLIENT && kind !== SPAN_KIND.PRODUCER) return undefined;
  if (isAwsSdkSpan(attrs) || attrs.has('aws.service') || attrs.string('aws.remote.service')?.value.startsWith('AWS::')) return 'aws';
  return 'remote';
}

/** OTLP trace id → `1-XXXXXXXX-YYYYYYYYYYYYYYYYYYYYYYYY` (the first 4 bytes, then the other 12), never rewritten. */
export function xrayTraceId(traceId: Uint8Array): string {
  const h = hex(traceId);
  return `1-${h.slice(0, 8)}-${h.slice(8)}`;
}

/** Whether the first 32 bits read as an epoch second X-Ray still keeps (strict_trace_ids). */
export function plausibleTraceEpoch(traceId: Uint8Array, nowSeconds: number): boolean {
  if (traceId.length < 4) return false;
  const epoch = ((traceId[0]! << 24) >>> 0) + (traceId[1]! << 16) + (traceId[2]! << 8) + traceId[3]!;
  return epoch >= nowSeconds - MAX_TRACE_ID_AGE_SECONDS && epoch <= nowSeconds + MAX_TRACE_ID_SKEW_SECONDS;
}
