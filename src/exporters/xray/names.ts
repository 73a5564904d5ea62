/** Segment names, namespaces and trace ids: X-Ray's naming rules applied to OTLP spans. */
import { MAX_NAME_CHARS, MAX_TRACE_ID_AGE_SECONDS, MAX_TRACE_ID_SKEW_SECONDS, NOT_NAME_CHARACTER } from './limits.ts';
import { cutChars, hex, K, xrayTraceId16, type SpanAttrs } from './values.ts';

export const SPAN_KIND = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/** The name used when every candidate sanitizes to nothing. */
export const FALLBACK_NAME = 'span';

/** X-Ray's name rules: allowed characters only, whitespace as spaces, at most 200 characters cut on code points; '' when nothing is left. */
export function sanitizeName(raw: string): string {
  const ascii = sanitizeAscii(raw);
  if (ascii !== undefined) return ascii;
  const cleaned = raw.replace(/\s/g, ' ').replace(NOT_NAME_CHARACTER, '').trim();
  return cutChars(cleaned, MAX_NAME_CHARS).trim();
}

/** Per ASCII character, what the rules above do with it: 1 kept, 2 becomes a space, 0 dropped (derived from the same patterns). */
const ASCII_RULE = Uint8Array.from({ length: 0x80 }, (_, c) => {
  const ch = String.fromCharCode(c);
  if (/\s/.test(ch)) return ch === ' ' ? 1 : 2;
  return ch.replace(NOT_NAME_CHARACTER, '') === '' ? 0 : 1;
});

/** sanitizeName for ASCII text without a regex (most names); undefined for any other text. */
function sanitizeAscii(raw: string): string | undefined {
  let out = ''; // the text before `from`, rewritten; used only once a character changed
  let from = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x80) return undefined;
    const rule = ASCII_RULE[c];
    if (rule === 1) continue;
    out += rule === 2 ? `${raw.slice(from, i)} ` : raw.slice(from, i);
    from = i + 1;
  }
  const cleaned = (from === 0 ? raw : out + raw.slice(from)).trim();
  return cleaned.length <= MAX_NAME_CHARS ? cleaned : cleaned.slice(0, MAX_NAME_CHARS).trim();
}

/** True when the span is an AWS SDK call (semantic conventions: rpc.system = aws-api). */
export function isAwsSdkSpan(attrs: SpanAttrs): boolean {
  return attrs.string(K['rpc.system']) === 'aws-api';
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
  const db = attrs.string(K['db.namespace'], K['db.name']);
  if (db === undefined) return undefined;
  const conn = attrs.string(K['db.connection_string']);
  const host = hostOf(conn?.replace(/^jdbc:/, '')) ?? attrs.string(K['server.address'], K['net.peer.name']);
  return host === undefined ? db : `${db}@${host}`;
}

/** A candidate's sanitized name, '' when there is none or nothing of it is left. */
function clean(candidate: string | undefined): string {
  return candidate === undefined || candidate === '' ? '' : sanitizeName(candidate);
}

/**
 * The segment name: the first candidate that survives sanitizing, never empty. SERVER spans are
 * named after the service they record, CLIENT and PRODUCER spans after what they call, every other
 * span after itself (as the collector does). Candidates are read best first, and only until one fits.
 */
export function segmentNameOf(kind: number, spanName: string, attrs: SpanAttrs, serviceName: string | undefined): string {
  let name: string;
  if (kind === SPAN_KIND.SERVER) {
    if ((name = clean(attrs.string(K['aws.local.service']))) !== '') return name;
    if ((name = clean(serviceName)) !== '') return name;
  } else if (kind === SPAN_KIND.CLIENT || kind === SPAN_KIND.PRODUCER) {
    const sdk = isAwsSdkSpan(attrs);
    const remote = attrs.string(K['aws.remote.service']);
    if ((name = clean(remote === undefined ? undefined : sdk ? trimAwsPrefix(remote) : remote)) !== '') return name;
    if ((name = clean(attrs.string(K['peer.service']))) !== '') return name;
    if (sdk && (name = clean(attrs.string(K['rpc.service']))) !== '') return name;
    if ((name = clean(attrs.string(K['aws.service']))) !== '') return name;
    if ((name = clean(databaseName(attrs))) !== '') return name;
    if ((name = clean(attrs.string(K['rpc.service']))) !== '') return name;
    if ((name = clean(attrs.string(K['http.host']))) !== '') return name;
    if ((name = clean(attrs.string(K['server.address']))) !== '') return name;
    if ((name = clean(hostOf(attrs.string(K['url.full'], K['http.url'])))) !== '') return name;
    if ((name = clean(attrs.string(K['net.peer.name']))) !== '') return name;
    if ((name = clean(attrs.string(K['messaging.destination.name']))) !== '') return name;
    if ((name = clean(attrs.string(K['db.system.name'], K['db.system']))) !== '') return name;
  }
  if ((name = clean(spanName)) !== '') return name;
  if ((name = clean(serviceName)) !== '') return name;
  return FALLBACK_NAME;
}

/** The first of `candidates` that survives sanitizing; never empty. */
export function segmentName(candidates: readonly string[]): string {
  for (const c of candidates) {
    const name = clean(c);
    if (name !== '') return name;
  }
  return FALLBACK_NAME;
}

/** `namespace` for subsegments of calls: `aws` for AWS SDK calls, `remote` for other downstream calls. */
export function namespaceOf(kind: number, attrs: SpanAttrs): 'aws' | 'remote' | undefined {
  if (kind !== SPAN_KIND.CLIENT && kind !== SPAN_KIND.PRODUCER) return undefined;
  if (isAwsSdkSpan(attrs) || attrs.has(K['aws.service']) || attrs.string(K['aws.remote.service'])?.startsWith('AWS::') === true) return 'aws';
  return 'remote';
}

/** OTLP trace id → `1-XXXXXXXX-YYYYYYYYYYYYYYYYYYYYYYYY` (the first 4 bytes, then the other 12), never rewritten. */
export function xrayTraceId(traceId: Uint8Array): string {
  if (traceId.length === 16) return xrayTraceId16(traceId);
  const h = hex(traceId);
  return `1-${h.slice(0, 8)}-${h.slice(8)}`;
}

/** Whether the first 32 bits read as an epoch second X-Ray still keeps (strict_trace_ids). */
export function plausibleTraceEpoch(traceId: Uint8Array, nowSeconds: number): boolean {
  if (traceId.length < 4) return false;
  const epoch = ((traceId[0]! << 24) >>> 0) + (traceId[1]! << 16) + (traceId[2]! << 8) + traceId[3]!;
  return epoch >= nowSeconds - MAX_TRACE_ID_AGE_SECONDS && epoch <= nowSeconds + MAX_TRACE_ID_SKEW_SECONDS;
}
