/**
 * An X-Ray segment document → OTLP spans, so routes can send X-Ray-instrumented services to other
 * destinations (Honeycomb, Rollbar). Pure: no I/O, no clock, no randomness. The segment and each
 * embedded subsegment become one span; known X-Ray fields become OpenTelemetry semantic-convention
 * attributes, and everything else is kept under `aws.xray.*` so nothing the SDK recorded is lost.
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
 */
import type { ExportRequestInput } from '../../otlp/codec.ts';
import type { AnyValue, MessageInput, Span, SpanEvent, SpanLink } from '../../otlp/types.ts';
import { renderStack, sdkLanguage } from './stack.ts';

type Json = Record<string, unknown>;
type ValueInput = MessageInput<AnyValue>;
type KeyValueInput = { key: string; value: ValueInput };
type SpanInput = MessageInput<Span> & { spanId: Uint8Array; attributes: KeyValueInput[]; events: Array<MessageInput<SpanEvent>>; links: Array<MessageInput<SpanLink>> };

/** The instrumentation scope of every translated span: these spans were made by the relay from X-Ray segments. */
export const SCOPE_NAME = 'otlp-relay/xray';

/** OTLP span kinds (opentelemetry/proto/trace/v1/trace.proto). */
const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
const STATUS_ERROR = 2;

/** `origin` → `cloud.platform` (https://opentelemetry.io/docs/specs/semconv/resource/cloud/). */
const PLATFORM: Readonly<Record<string, string>> = {
  'AWS::EC2::Instance': 'aws_ec2',
  'AWS::ECS::Container': 'aws_ecs',
  'AWS::ECS::EC2': 'aws_ecs',
  'AWS::ECS::Fargate': 'aws_ecs',
  'AWS::EKS::Container': 'aws_eks',
  'AWS::ElasticBeanstalk::Environment': 'aws_elastic_beanstalk',
  'AWS::Lambda::Function': 'aws_lambda',
  'AWS::AppRunner::Service': 'aws_app_runner',
};

/** Fields the translation reads itself; any other top-level field is kept as `aws.xray.<field>`. */
const HANDLED = new Set([
  'name', 'id', 'trace_id', 'parent_id', 'type', 'start_time', 'end_time', 'in_progress', 'namespace', 'subsegments',
  'http', 'sql', 'aws', 'annotations', 'metadata', 'cause', 'error', 'fault', 'throttle', 'user', 'origin', 'service', 'links',
]);
/** `aws` fields that describe where the service runs: resource attributes of the segment, not span attributes. */
const RESOURCE_AWS = new Set(['ec2', 'ecs', 'eks', 'elastic_beanstalk', 'xray', 'cloudwatch_logs']);

const TRACE_ID = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/;
const SPAN_ID = /^[0-9a-fA-F]{16}$/;

export type SegmentSpans =
  /** `skipped`: embedded subsegments left out (with the first reason), their own subsegments included. */
  | { kind: 'spans'; request: ExportRequestInput<'traces'>; spans: number; skipped: number; skipReason?: string }
  /** An in-progress segment: its completed version (same id) follows, so it gives no span now. */
  | { kind: 'in_progress' }
  | { kind: 'invalid'; reason: string };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** X-Ray's float epoch seconds (microsecond precision) → exact nanoseconds; t·1e6 stays below 2^53 until the year 2255. */
function nanos(t: number): bigint {
  return BigInt(Math.round(t * 1e6)) * 1000n;
}

function traceIdBytes(id: unknown): Buffer | undefined {
  const m = typeof id === 'string' ? TRACE_ID.exec(id) : null;
  if (!m) return undefined;
  const bytes = Buffer.from(m[1]! + m[2]!, 'hex');
  return bytes.some((b) => b !== 0) ? bytes : undefined;
}

function spanIdBytes(id: unknown): Buffer | undefined {
  if (typeof id !== 'string' || !SPAN_ID.test(id)) return undefined;
  const bytes = Buffer.from(id, 'hex');
  return bytes.some((b) => b !== 0) ? bytes : undefined;
}

/** A JSON value as an OTLP AnyValue: primitives as themselves, arrays of primitives as arrays, anything else as JSON text. */
function anyValue(v: unknown): ValueInput | undefined {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    return Number.isSafeInteger(v) ? { intValue: v } : { doubleValue: v };
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)))) {
    return { arrayValue: { values: v.map((x) => anyValue(x)!) } };
  }
  if (v === null || v === undefined) return undefined;
  return { stringValue: JSON.stringify(v) };
}

/** Attributes by key, in first-insertion order; a later `set` of a key replaces its value (callers ask `has` where a clash matters). */
class Attrs {
  readonly #map = new Map<string, ValueInput>();
  set(key: string, v: unknown): void {
    const value = anyValue(v);
    if (value !== undefined) this.#map.set(key, value);
  }
  has(key: string): boolean {
    return this.#map.has(key);
  }
  /** Every field of a block not read by name, as `<prefix>.<field>`. */
  rest(prefix: string, block: Json, read: ReadonlySet<string>): void {
    for (const [k, v] of Object.entries(block)) if (!read.has(k)) this.set(`${prefix}.${k}`, v);
  }
  list(): KeyValueInput[] {
    return [...this.#map].map(([key, value]) => ({ key, value }));
  }
}

/** The spans of one segment document (or independent subsegment) as one OTLP ResourceSpans. */
export function segmentToSpans(doc: Json): SegmentSpans {
  const traceId = traceIdBytes(doc['trace_id']);
  if (!traceId) return { kind: 'invalid', reason: `trace_id ${JSON.stringify(doc['trace_id'])} is not 1-XXXXXXXX-YYYYYYYYYYYYYYYYYYYYYYYY (hex, not all zero)` };
  if (doc['in_progress'] === true) return { kind: 'in_progress' };
  const independent = doc['type'] === 'subsegment';
  const rootProblem = entityProblem(doc);
  if (rootProblem) return { kind: 'invalid', reason: rootProblem };
  const language = sdkLanguage(isObject(doc['aws']) && isObject(doc['aws']['xray']) ? str(doc['aws']['xray']['sdk']) : undefined);

  const spans: SpanInput[] = [];
  let skipped = 0;
  let skipReason: string | undefined;
  // Depth-first without recursion: a deeply nested document cannot exhaust the stack.
  const todo: Array<{ entity: Json; parent: Buffer | undefined; root: boolean }> = [{ entity: doc, parent: spanIdBytes(doc['parent_id']), root: true }];
  while (todo.length > 0) {
    const { entity, parent, root } = todo.pop()!;
    const problem = root ? undefined : entityProblem(entity);
    if (problem) {
      const n = countEntities(entity);
      skipped += n;
      skipReason ??= `an embedded subsegment was left out with its ${n - 1} subsegments: ${problem}`;
      continue;
    }
    const span = entitySpan(entity, traceId, parent, root && !independent, language);
    spans.push(span);
    const children = entity['subsegments'];
    if (Array.isArray(children)) {
      const id = Buffer.from(span.spanId);
      for (let i = children.length - 1; i >= 0; i--) {
        const child: unknown = children[i];
        if (isObject(child)) todo.push({ entity: child, parent: id, root: false });
        else {
          skipped++;
          skipReason ??= 'an embedded subsegment was left out: it is not a JSON object';
        }
      }
    }
  }
  const request: ExportRequestInput<'traces'> = {
    resourceSpans: [{ resource: { attributes: resourceAttributes(doc, independent, language).list() }, scopeSpans: [{ scope: { name: SCOPE_NAME }, spans }] }],
  };
  const out: SegmentSpans = { kind: 'spans', request, spans: spans.length, skipped };
  if (skipReason !== undefined) out.skipReason = skipReason;
  return out;
}

/** Why an entity cannot be a span (the document rules a span needs), or undefined. */
function entityProblem(e: Json): string | undefined {
  if (!spanIdBytes(e['id'])) return `id ${JSON.stringify(e['id'])} is not 16 hex digits (not all zero)`;
  if (str(e['name']) === undefined) return `segment ${String(e['id'])} has no name`;
  if (typeof e['start_time'] !== 'number' || !Number.isFinite(e['start_time']) || e['start_time'] <= 0) return `segment ${String(e['id'])} has no valid start_time`;
  const end = e['end_time'];
  if (end !== undefined && (typeof end !== 'number' || !Number.isFinite(end))) return `segment ${String(e['id'])} has an invalid end_time`;
  if (end === undefined && e['in_progress'] !== true) return `segment ${String(e['id'])} has neither end_time nor in_progress: true`;
  return undefined;
}

function countEntities(e: Json): number {
  let n = 0;
  const todo: unknown[] = [e];
  while (todo.length > 0) {
    const x = todo.pop();
    n++;
    if (isObject(x) && Array.isArray(x['subsegments'])) todo.push(...(x['subsegments'] as unknown[]));
  }
  return n;
}

function entitySpan(e: Json, traceId: Buffer, parent: Buffer | undefined, segment: boolean, language: string | undefined): SpanInput {
  const attrs = new Attrs();
  const namespace = e['namespace'];
  const kind = segment ? KIND.SERVER : namespace === 'aws' || namespace === 'remote' ? KIND.CLIENT : KIND.INTERNAL;
  const start = nanos(e['start_time'] as number);
  const inProgress = typeof e['end_time'] !== 'number';
  const end = inProgress ? start : nanos(e['end_time'] as number);
  if (inProgress) attrs.set('aws.xray.in_progress', true);
  if (typeof namespace === 'string') attrs.set('aws.xray.namespace', namespace);
  if (namespace === 'aws') {
    attrs.set('rpc.system', 'aws-api');
    attrs.set('rpc.service', e['name']);
  }
  attrs.set('enduser.id', str(e['user']));
  if (isObject(e['http'])) httpAttributes(e['http'], attrs);
  if (isObject(e['sql'])) sqlAttributes(e['sql'], attrs);
  if (isObject(e['aws'])) awsAttributes(e['aws'], attrs, namespace === 'aws', segment);
  if (!segment && typeof e['origin'] === 'string') attrs.set('aws.xray.origin', e['origin']);
  for (const flag of ['error', 'fault', 'throttle'] as const) if (e[flag] === true) attrs.set(`aws.xray.${flag}`, true);
  for (const [k, v] of Object.entries(e)) if (!HANDLED.has(k)) attrs.set(`aws.xray.${k}`, v);

  const events: SpanInput['events'] = [];
  let firstException: string | undefined;
  const cause = e['cause'];
  if (typeof cause === 'string') attrs.set('aws.xray.cause_id', cause);
  else if (isObject(cause)) {
    // `id`: the subsegment whose exception this is (the SDKs point a parent at a child's exception so).
    attrs.set('aws.xray.cause_id', str(cause['id']));
    attrs.set('aws.xray.cause.working_directory', str(cause['working_directory']));
    if (Array.isArray(cause['paths'])) attrs.set('aws.xray.cause.paths', cause['paths']);
    for (const x of Array.isArray(cause['exceptions']) ? (cause['exceptions'] as unknown[]) : []) {
      if (!isObject(x)) continue;
      const ev = exceptionAttributes(x, language);
      firstException ??= [str(x['type']), str(x['message'])].filter(Boolean).join(': ') || 'exception';
      events.push({ timeUnixNano: end, name: 'exception', attributes: ev.list() });
    }
  }
  // Annotations keep their own key (what users search by); a clash with a mapped attribute keeps both.
  if (isObject(e['annotations'])) for (const [k, v] of Object.entries(e['annotations'])) attrs.set(attrs.has(k) ? `aws.xray.annotations.${k}` : k, v);
  if (isObject(e['metadata'])) {
    for (const [ns, values] of Object.entries(e['metadata'])) {
      if (isObject(values)) for (const [k, v] of Object.entries(values)) attrs.set(`aws.xray.metadata.${ns}.${k}`, v);
      else attrs.set(`aws.xray.metadata.${ns}`, values);
    }
  }

  const span: SpanInput = {
    traceId,
    spanId: spanIdBytes(e['id'])!, // entityProblem checked it
    name: e['name'] as string,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs.list(),
    events,
    links: linksOf(e['links']),
  };
  if (parent) span.parentSpanId = parent;
  // A fault (5xx, an unhandled exception) is an error; a client error (4xx) only on the calling side (OTel HTTP semconv).
  const failed = e['fault'] === true || (e['error'] === true && kind !== KIND.SERVER) || (firstException !== undefined && e['error'] !== true);
  if (failed) span.status = { code: STATUS_ERROR, message: firstException ?? (typeof cause === 'string' ? `cause ${cause}` : '') };
  return span;
}

const HTTP_REQUEST_READ = new Set(['method', 'url', 'user_agent', 'client_ip', 'x_forwarded_for', 'traced']);
const HTTP_RESPONSE_READ = new Set(['status', 'content_length']);

function httpAttributes(h: Json, attrs: Attrs): void {
  const req = h['request'];
  if (isObject(req)) {
    attrs.set('http.request.method', str(req['method']));
    const url = str(req['url']);
    if (url !== undefined) {
      attrs.set('url.full', url);
      if (URL.canParse(url)) {
        const u = new URL(url);
        attrs.set('url.scheme', u.protocol.slice(0, -1));
        attrs.set('url.path', u.pathname);
        attrs.set('server.address', u.hostname);
      }
    }
    attrs.set('user_agent.original', str(req['user_agent']));
    attrs.set('client.address', str(req['client_ip']));
    if (req['x_forwarded_for'] === true) attrs.set('aws.xray.http.request.x_forwarded_for', true);
    if (req['traced'] === true) attrs.set('aws.xray.http.request.traced', true);
    attrs.rest('aws.xray.http.request', req, HTTP_REQUEST_READ);
  }
  const res = h['response'];
  if (isObject(res)) {
    if (Number.isInteger(res['status'])) attrs.set('http.response.status_code', res['status']);
    if (Number.isInteger(res['content_length'])) attrs.set('http.response.body.size', res['content_length']);
    attrs.rest('aws.xray.http.response', res, HTTP_RESPONSE_READ);
  }
  attrs.rest('aws.xray.http', h, new Set(['request', 'response']));
}

function sqlAttributes(s: Json, attrs: Attrs): void {
  attrs.set('db.query.text', str(s['sanitized_query']));
  const type = str(s['database_type']);
  if (type !== undefined) attrs.set('db.system.name', type.toLowerCase());
  attrs.rest('aws.xray.sql', s, new Set(['sanitized_query', 'database_type']));
}

function awsAttributes(a: Json, attrs: Attrs, awsCall: boolean, segment: boolean): void {
  if (awsCall) attrs.set('rpc.method', str(a['operation']));
  else attrs.set('aws.xray.aws.operation', str(a['operation']));
  // A segment's account is where the service runs (a resource attribute); a subsegment's, the one it calls.
  if (!segment) attrs.set('cloud.account.id', str(a['account_id']));
  attrs.set('cloud.region', str(a['region']));
  attrs.set('aws.request_id', str(a['request_id']));
  attrs.set('aws.sqs.queue.url', str(a['queue_url']));
  const table = str(a['table_name']);
  if (table !== undefined) attrs.set('aws.dynamodb.table_names', [table]);
  const read = new Set(['operation', 'account_id', 'region', 'request_id', 'queue_url', 'table_name', ...RESOURCE_AWS]);
  attrs.rest('aws.xray.aws', a, read);
}

function exceptionAttributes(x: Json, language: string | undefined): Attrs {
  const ev = new Attrs();
  ev.set('exception.type', str(x['type']));
  ev.set('exception.message', str(x['message']));
  const stack = Array.isArray(x['stack']) ? (x['stack'] as unknown[]).filter(isObject) : [];
  if (stack.length > 0) ev.set('exception.stacktrace', renderStack(str(x['type']), str(x['message']), stack, language));
  ev.set('aws.xray.exception.id', str(x['id']));
  if (x['remote'] === true) ev.set('aws.xray.exception.remote', true);
  ev.set('aws.xray.exception.cause', str(x['cause']));
  if (Number.isInteger(x['truncated'])) ev.set('aws.xray.exception.truncated', x['truncated']);
  if (Number.isInteger(x['skipped'])) ev.set('aws.xray.exception.skipped', x['skipped']);
  return ev;
}

function linksOf(v: unknown): SpanInput['links'] {
  if (!Array.isArray(v)) return [];
  const out: SpanInput['links'] = [];
  for (const l of v) {
    if (!isObject(l)) continue;
    const traceId = traceIdBytes(l['trace_id']);
    const spanId = spanIdBytes(l['id']);
    if (!traceId || !spanId) continue;
    const attrs = new Attrs();
    if (isObject(l['attributes'])) for (const [k, x] of Object.entries(l['attributes'])) attrs.set(k, x);
    out.push({ traceId, spanId, attributes: attrs.list() });
  }
  return out;
}

/** Where and what the service is: from the segment only (an independent subsegment does not say which service sent it). */
function resourceAttributes(doc: Json, independent: boolean, language: string | undefined): Attrs {
  const r = new Attrs();
  if (independent) {
    // OTel's fallback service name (https://opentelemetry.io/docs/specs/semconv/resource/#service).
    r.set('service.name', 'unknown_service');
    return r;
  }
  r.set('service.name', doc['name']);
  const service = doc['service'];
  if (isObject(service)) {
    r.set('service.version', str(service['version']));
    r.set('process.runtime.name', str(service['runtime']));
    r.set('process.runtime.version', str(service['runtime_version']));
    r.rest('aws.xray.service', service, new Set(['version', 'runtime', 'runtime_version']));
  }
  const aws = isObject(doc['aws']) ? doc['aws'] : {};
  const xray = aws['xray'];
  if (isObject(xray)) {
    r.set('telemetry.sdk.name', str(xray['sdk']));
    r.set('telemetry.sdk.version', str(xray['sdk_version']));
    r.set('telemetry.sdk.language', language);
    r.rest('aws.xray.sdk', xray, new Set(['sdk', 'sdk_version']));
  }
  r.set('cloud.account.id', str(aws['account_id']));
  const origin = str(doc['origin']);
  const onAws = origin !== undefined || ['ec2', 'ecs', 'eks', 'elastic_beanstalk'].some((k) => isObject(aws[k]));
  if (onAws) r.set('cloud.provider', 'aws');
  if (origin !== undefined) {
    r.set('cloud.platform', PLATFORM[origin]);
    r.set('aws.xray.origin', origin);
    if (origin === 'AWS::ECS::Fargate') r.set('aws.ecs.launchtype', 'fargate');
    if (origin === 'AWS::ECS::EC2') r.set('aws.ecs.launchtype', 'ec2');
  }
  const ec2 = aws['ec2'];
  if (isObject(ec2)) {
    r.set('host.id', str(ec2['instance_id']));
    r.set('cloud.availability_zone', str(ec2['availability_zone']));
    r.set('host.type', str(ec2['instance_size']));
    r.set('host.image.id', str(ec2['ami_id']));
  }
  const ecs = aws['ecs'];
  if (isObject(ecs)) {
    r.set('container.name', str(ecs['container']));
    r.set('container.id', str(ecs['container_id']));
    r.set('aws.ecs.container.arn', str(ecs['container_arn']));
    if (!r.has('cloud.availability_zone')) r.set('cloud.availability_zone', str(ecs['availability_zone']));
  }
  const eks = aws['eks'];
  if (isObject(eks)) {
    r.set('k8s.pod.name', str(eks['pod']));
    r.set('k8s.cluster.name', str(eks['cluster_name']));
    if (!r.has('container.id')) r.set('container.id', str(eks['container_id']));
  }
  const eb = aws['elastic_beanstalk'];
  if (isObject(eb)) {
    r.set('deployment.environment.name', str(eb['environment_name']));
    if (!r.has('service.version')) r.set('service.version', str(eb['version_label']));
    if (eb['deployment_id'] !== undefined) r.set('service.instance.id', String(eb['deployment_id']));
  }
  const logs = aws['cloudwatch_logs'];
  if (logs !== undefined) r.set('aws.xray.aws.cloudwatch_logs', logs);
  return r;
}
