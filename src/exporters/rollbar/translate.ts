/**
 * OTLP error spans and error log records → Rollbar items (https://docs.rollbar.com/reference/create-item).
 * Pure: no I/O, no clock, no randomness (uuids derive from ids and content), so the same request always
 * gives the same items and a retried batch repeats uuids Rollbar discards as duplicates.
 *
 * What becomes an item: one per `exception` event of a span (a `trace`, or a `trace_chain` when the
 * stack trace shows chained causes); one `message` for a span with status ERROR (or, by option, a 5xx
 * SERVER span) and no exception event; one per log record at or above `min_severity` or carrying
 * `exception.*` attributes. Everything else is skipped and counted.
 */
import { attrMap, attrValue, type AttrMap } from '../../otlp/attributes.ts';
import type { AnyValue, ExportLogsServiceRequest, ExportTraceServiceRequest, InstrumentationScope, LogRecord, Span } from '../../otlp/types.ts';
import { MAX_STACKTRACE_CHARS, parseStackTrace, type ParsedException, type StackFrame } from '../../stacktrace/index.ts';
import { openingParen } from '../../stacktrace/lines.ts';
import { fitItem, type TrimStage } from './fit.ts';
import { fingerprintOf, itemUuid } from './ids.ts';
import { bodyKind, type BodyKind, type JsonValue, type RollbarBody, type RollbarData, type RollbarFrame, type RollbarPerson, type RollbarRequest, type RollbarTrace } from './item.ts';
import {
  CLIENT_PLATFORMS,
  MAX_CODE_VERSION_CHARS,
  MAX_ENVIRONMENT_CHARS,
  MAX_ITEM_BYTES,
  MAX_PERSON_FIELD_CHARS,
  MAX_PERSON_ID_CHARS,
  MAX_TITLE_CHARS,
  type Level,
} from './limits.ts';
import { traceLink } from './template.ts';
import { attributesJson, cutChars, firstLine, hex, intOf, isSensitiveKey, isValidId, SCRUBBED, shorten, stringOf, toJson, unixSeconds } from './values.ts';

export interface TranslateOptions {
  /** Every item's environment; absent: the resource's, else "unknown". */
  environment?: string;
  /** Log records at or above this OTLP severity number become items. */
  minSeverity: number;
  /** 5xx SERVER spans become items without status ERROR. */
  httpServerErrors: boolean;
  fingerprint: boolean;
  /** A validated trace link template (template.ts). */
  traceUrl?: string;
  /** `notifier.version`. */
  version: string;
  /** Tests shrink it to exercise trimming. */
  maxItemBytes?: number;
}

export interface BuiltItem {
  uuid: string;
  /** The span or log record it came from, by position in the request (resources, scopes, items in order). */
  record: number;
  kind: BodyKind;
  /** The request body, `{"data": …}`. */
  json: string;
  /** Where it came from, for messages: `span "GET /" in trace 0af7…`. */
  where: string;
}

export interface Translation {
  items: BuiltItem[];
  /** Spans or log records read. */
  records: number;
  /** Records that are not errors, so made no item. */
  skipped: number;
  /** Items still over the size limit fully trimmed: not sent. */
  tooLarge: Array<{ record: number; where: string }>;
  /** Items trimmed to fit, per stage (an item counts once per stage it needed). */
  trimmed: Partial<Record<TrimStage, number>>;
  /** One example per stage, for the message that explains it. */
  examples: Partial<Record<TrimStage, string>>;
}

const STATUS_ERROR = 2;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const EXCEPTION_EVENT = 'exception';
/** The exception attributes an item's trace shows; other exception.* attributes stay in `custom`. */
const EXCEPTION_FIELDS: ReadonlySet<string> = new Set(['exception.type', 'exception.message', 'exception.stacktrace']);
const UNKNOWN_CLASS = '<unknown>';
const UNKNOWN_FILE = '<unknown>';
const HEADER_PREFIX = 'http.request.header.';
const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

/**
 * `telemetry.sdk.language` (https://opentelemetry.io/docs/specs/semconv/resource/#telemetry-sdk) → the
 * names Rollbar's own notifiers send in `language`; others pass through.
 */
const LANGUAGE: Readonly<Record<string, string>> = {
  nodejs: 'javascript',
  webjs: 'javascript',
  dotnet: 'c#',
  cpp: 'c++',
};

/** What every item from one resource shares, read once per resource. */
interface ResourceContext {
  service: string;
  environment: string;
  /** telemetry.sdk.language, for the stack parser. */
  sdkLanguage?: string;
  language?: string;
  platform?: string;
  framework?: string;
  codeVersion?: string;
  host: string;
  json: Record<string, JsonValue>;
}

function resourceContext(resource: AttrMap, o: TranslateOptions): ResourceContext {
  const service = stringOf(resource, 'service.name') ?? 'unknown_service';
  const rc: ResourceContext = {
    service,
    host: stringOf(resource, 'host.name') ?? service,
    environment: cutChars(o.environment ?? stringOf(resource, 'deployment.environment.name', 'deployment.environment') ?? 'unknown', MAX_ENVIRONMENT_CHARS),
    json: attributesJson(resource),
  };
  const sdkLanguage = stringOf(resource, 'telemetry.sdk.language');
  if (sdkLanguage !== undefined) {
    rc.sdkLanguage = sdkLanguage;
    rc.language = LANGUAGE[sdkLanguage.toLowerCase()] ?? sdkLanguage.toLowerCase();
  }
  // Client platforms need a post_client_item token; the relay posts with a server token.
  const os = stringOf(resource, 'os.type');
  if (os !== undefined && !CLIENT_PLATFORMS.has(os.toLowerCase())) rc.platform = os;
  const runtime = stringOf(resource, 'process.runtime.name');
  if (runtime !== undefined) rc.framework = runtime;
  const version = stringOf(resource, 'service.version');
  if (version !== undefined) rc.codeVersion = cutChars(version, MAX_CODE_VERSION_CHARS);
  return rc;
}

// ---- exceptions ----

/**
 * "Ns.Type.Method(String a)" → "Ns.Type": what stands in for the file of a frame printed without one
 * (.NET release builds, Go functions whose location line was cut), so Rollbar shows and groups by the
 * type rather than "<unknown>". Dots inside brackets (generic arguments) do not split.
 */
export function typeOfLabel(label: string): string | undefined {
  let text = label.trimEnd();
  if (text.endsWith(')')) {
    const open = openingParen(text);
    if (open > 0) text = text.slice(0, open);
  }
  let depth = 0;
  for (let i = text.length - 1; i > 0; i--) {
    const c = text[i];
    if (c === ']' || c === '>') depth++;
    else if (c === '[' || c === '<') depth = Math.max(0, depth - 1);
    else if (c === '.' && depth === 0) return text.slice(0, i);
  }
  return undefined;
}

function toFrame(f: StackFrame): RollbarFrame {
  const frame: RollbarFrame = { filename: f.path ?? (f.label === undefined ? undefined : typeOfLabel(f.label)) ?? UNKNOWN_FILE };
  if (f.line !== undefined) frame.lineno = f.line;
  if (f.column !== undefined) frame.colno = f.column;
  if (f.label !== undefined) frame.method = f.label;
  if (f.code !== undefined) frame.code = f.code;
  return frame;
}

function hasFrames(e: ParsedException | undefined): boolean {
  for (let x = e; x; x = x.cause) if (x.frames.length > 0) return true;
  return false;
}

/** What else the runtime printed, and what the relay knows was left out, as the exception's description. */
function describe(parsed: ParsedException | undefined, extra: string | undefined): string | undefined {
  const parts: string[] = [];
  if (extra !== undefined && extra !== '') parts.push(extra);
  if (parsed?.unparsed) parts.push(parsed.unparsed.join('\n'));
  if (parsed?.omittedFrames) parts.push(`[${parsed.omittedFrames} frames left out by the runtime]`);
  if (parsed?.truncated) parts.push('[the stack trace was cut short before it reached the relay]');
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

function traceOf(parsed: ParsedException | undefined, cls: string | undefined, message: string | undefined, extra: string | undefined): RollbarTrace {
  const className = cls ?? parsed?.type;
  const text = message ?? parsed?.message;
  const trace: RollbarTrace = {
    // Rollbar wants the oldest call first; the parser gives the most recent first.
    frames: (parsed?.frames ?? []).map(toFrame).reverse(),
    exception: { class: className !== undefined && className !== '' ? className : UNKNOWN_CLASS },
  };
  if (text !== undefined && text !== '') trace.exception.message = text;
  const description = describe(parsed, extra);
  if (description !== undefined) trace.exception.description = description;
  return trace;
}

/**
 * The traces of one exception (its exception.* attributes): the exception itself first, then each
 * chained cause. A stack trace no parser reads is kept whole in the description; a parser failure
 * never stops the item.
 */
export function exceptionTraces(ea: AttrMap, sdkLanguage: string | undefined, logMessage?: string): RollbarTrace[] {
  const type = stringOf(ea, 'exception.type');
  const message = stringOf(ea, 'exception.message');
  const text = typeof ea['exception.stacktrace'] === 'string' ? ea['exception.stacktrace'] : undefined;
  let parsed: ParsedException | undefined;
  try {
    parsed = text === undefined ? undefined : parseStackTrace(text, sdkLanguage, { source: true });
  } catch {
    parsed = undefined; // the parsers are total; this guard keeps a parser bug from losing the item
  }
  const extras: string[] = [];
  if (logMessage !== undefined && logMessage !== '' && logMessage !== message) extras.push(logMessage);
  // Nothing read as a frame: the text itself is the best description (beyond a lone header line).
  const cut = text?.slice(0, MAX_STACKTRACE_CHARS).trim();
  const raw = cut !== undefined && cut !== '' && !hasFrames(parsed) && (parsed === undefined || cut.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '').length > 1) ? cut : undefined;
  if (raw !== undefined) extras.push(raw);
  const extra = extras.length > 0 ? extras.join('\n\n') : undefined;
  const traces = [traceOf(raw !== undefined ? undefined : parsed, type, message, extra)];
  if (raw === undefined) for (let c = parsed?.cause; c; c = c.cause) traces.push(traceOf(c, undefined, undefined, undefined));
  return traces;
}

function titleOfTrace(trace: RollbarTrace): string {
  const message = trace.exception.message === undefined ? '' : firstLine(trace.exception.message);
  return shorten(message === '' ? trace.exception.class : `${trace.exception.class}: ${message}`, MAX_TITLE_CHARS);
}

// ---- request, person ----

function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, '$1@');
}

/** "content-type" → "Content-Type", as Rollbar shows request headers. */
function headerName(key: string): string {
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

function urlFromParts(a: AttrMap): string | undefined {
  const scheme = stringOf(a, 'url.scheme', 'http.scheme') ?? 'http';
  const hostHeader = stringOf(a, 'http.host');
  const host = hostHeader ?? stringOf(a, 'server.address', 'http.server_name', 'net.host.name');
  const port = hostHeader === undefined ? intOf(a, 'server.port', 'net.host.port') : undefined;
  let target = stringOf(a, 'http.target');
  if (target === undefined) {
    const path = stringOf(a, 'url.path');
    const query = stringOf(a, 'url.query');
    if (path !== undefined || query !== undefined) target = `${path ?? '/'}${query === undefined ? '' : `?${query}`}`;
  }
  if (host === undefined) return target;
  const portPart = port === undefined || DEFAULT_PORT[scheme] === port ? '' : `:${port}`;
  const shownHost = host.includes(':') && !host.startsWith('[') && hostHeader === undefined ? `[${host}]` : host;
  return `${scheme}://${shownHost}${portPart}${target ?? '/'}`;
}

/** `request` from HTTP semantic conventions (old and new names); undefined without a method or URL. */
export function requestOf(a: AttrMap, isServer: boolean): RollbarRequest | undefined {
  const method = stringOf(a, 'http.request.method', 'http.method');
  const full = stringOf(a, 'url.full', 'http.url');
  const url = full ?? urlFromParts(a);
  if (method === undefined && url === undefined) return undefined;
  const request: RollbarRequest = {};
  if (url !== undefined) request.url = withoutPassword(url);
  if (method !== undefined) request.method = method;
  const headers: Record<string, string> = {};
  for (const key of Object.keys(a)) {
    const value = a[key];
    if (!key.startsWith(HEADER_PREFIX) || value === undefined) continue;
    const name = key.slice(HEADER_PREFIX.length);
    const text = Array.isArray(value) ? value.map((v) => String(v)).join(', ') : typeof value === 'object' ? JSON.stringify(toJson(value)) : String(value);
    headers[headerName(name)] = isSensitiveKey(name) ? SCRUBBED : text;
  }
  if (Object.keys(headers).length > 0) request.headers = headers;
  const query = stringOf(a, 'url.query');
  if (query !== undefined) request.query_string = query;
  // The client's address is only the user's on the server side of the call.
  const ip = isServer ? stringOf(a, 'client.address', 'http.client_ip', 'net.sock.peer.addr') : stringOf(a, 'http.client_ip');
  if (ip !== undefined) request.user_ip = ip;
  return request;
}

/** `person` from enduser.id (user.id in newer conventions), with user.name and user.email when present. */
export function personOf(a: AttrMap): RollbarPerson | undefined {
  const id = stringOf(a, 'enduser.id', 'user.id');
  if (id === undefined) return undefined;
  const person: RollbarPerson = { id: cutChars(id, MAX_PERSON_ID_CHARS) };
  const username = stringOf(a, 'user.name');
  if (username !== undefined) person.username = cutChars(username, MAX_PERSON_FIELD_CHARS);
  const email = stringOf(a, 'user.email');
  if (email !== undefined) person.email = cutChars(email, MAX_PERSON_FIELD_CHARS);
  return person;
}

// ---- items ----

interface ItemParts {
  rc: ResourceContext;
  uuidName: string;
  level: Level;
  timestamp: number | undefined;
  body: RollbarBody;
  title: string | undefined;
  context: string | undefined;
  request: RollbarRequest | undefined;
  person: RollbarPerson | undefined;
  custom: Record<string, JsonValue>;
}

/** Fields in the order the API reference lists them, so items read naturally. */
function itemData(p: ItemParts, o: TranslateOptions): RollbarData {
  const data = { environment: p.rc.environment, level: p.level } as RollbarData;
  if (p.timestamp !== undefined) data.timestamp = p.timestamp;
  if (p.title !== undefined && p.title !== '') data.title = p.title;
  if (p.context !== undefined) data.context = shorten(p.context, MAX_TITLE_CHARS);
  data.body = p.body;
  if (p.rc.codeVersion !== undefined) data.code_version = p.rc.codeVersion;
  if (p.rc.platform !== undefined) data.platform = p.rc.platform;
  if (p.rc.language !== undefined) data.language = p.rc.language;
  if (p.rc.framework !== undefined) data.framework = p.rc.framework;
  data.server = p.rc.codeVersion === undefined ? { host: p.rc.host } : { host: p.rc.host, code_version: p.rc.codeVersion };
  if (p.request !== undefined) data.request = p.request;
  if (p.person !== undefined) data.person = p.person;
  if (o.fingerprint) {
    const first = 'trace' in p.body ? p.body.trace : 'trace_chain' in p.body ? p.body.trace_chain[0] : undefined;
    if (first !== undefined) data.fingerprint = fingerprintOf(first);
  }
  data.custom = p.custom;
  data.uuid = itemUuid(p.uuidName);
  data.notifier = { name: 'otlp-relay', version: o.version };
  return data;
}

class Builder {
  readonly t: Translation = { items: [], records: 0, skipped: 0, tooLarge: [], trimmed: {}, examples: {} };
  readonly #o: TranslateOptions;
  constructor(o: TranslateOptions) {
    this.#o = o;
  }

  add(record: number, where: string, parts: ItemParts): void {
    const data = itemData(parts, this.#o);
    const fitted = fitItem(data, this.#o.maxItemBytes ?? MAX_ITEM_BYTES);
    if (fitted === undefined) {
      this.t.tooLarge.push({ record, where });
      return;
    }
    for (const stage of fitted.trimmed) {
      this.t.trimmed[stage] = (this.t.trimmed[stage] ?? 0) + 1;
      this.t.examples[stage] ??= where;
    }
    this.t.items.push({ uuid: data.uuid, record, kind: bodyKind(data.body), json: fitted.json, where });
  }

  traceLink(rc: ResourceContext, traceId: Uint8Array, spanId: Uint8Array): string | undefined {
    if (this.#o.traceUrl === undefined || !isValidId(traceId)) return undefined;
    const t = hex(traceId);
    return traceLink(this.#o.traceUrl, {
      trace_id: t,
      span_id: isValidId(spanId) ? hex(spanId) : '',
      xray_trace_id: `1-${t.slice(0, 8)}-${t.slice(8)}`,
      'service.name': rc.service,
      environment: rc.environment,
    });
  }
}

function scopeJson(scope: InstrumentationScope | null): JsonValue | undefined {
  if (!scope || scope.name === '') return undefined;
  return scope.version === '' ? { name: scope.name } : { name: scope.name, version: scope.version };
}

function bodyOf(traces: RollbarTrace[]): RollbarBody {
  return traces.length === 1 ? { trace: traces[0]! } : { trace_chain: traces };
}

function spanItems(b: Builder, span: Span, scope: InstrumentationScope | null, rc: ResourceContext, o: TranslateOptions, record: number): boolean {
  const attrs = attrMap(span.attributes);
  const statusError = span.status?.code === STATUS_ERROR;
  const isServer = span.kind === SPAN_KIND_SERVER;
  const httpStatus = intOf(attrs, 'http.response.status_code', 'http.status_code');
  const serverError = o.httpServerErrors && isServer && httpStatus !== undefined && httpStatus >= 500 && httpStatus <= 599;
  const events: Array<{ e: Span['events'][number]; index: number }> = [];
  for (let index = 0; index < span.events.length; index++) {
    const e = span.events[index]!;
    if (e.name === EXCEPTION_EVENT) events.push({ e, index });
  }
  if (!statusError && !serverError && events.length === 0) return false;

  const traceHex = hex(span.traceId);
  const spanHex = hex(span.spanId);
  const where = `span ${JSON.stringify(span.name)} in trace ${traceHex}`;
  // An exception recorded on a span that did not fail was handled: a warning, not an error.
  const level: Level = statusError || serverError ? 'error' : 'warning';
  const custom: Record<string, JsonValue> = { trace_id: traceHex, span_id: spanHex };
  if (isValidId(span.parentSpanId)) custom['parent_span_id'] = hex(span.parentSpanId);
  const link = b.traceLink(rc, span.traceId, span.spanId);
  if (link !== undefined) custom['trace_url'] = link;
  custom['service'] = rc.service;
  custom['span'] = { name: span.name, kind: SPAN_KIND_NAMES[span.kind] ?? String(span.kind) };
  if (span.status && span.status.code !== 0) custom['status'] = span.status.message === '' ? { code: span.status.code === STATUS_ERROR ? 'ERROR' : 'OK' } : { code: span.status.code === STATUS_ERROR ? 'ERROR' : 'OK', message: span.status.message };
  custom['attributes'] = attributesJson(attrs);
  const scopeValue = scopeJson(scope);
  if (scopeValue !== undefined) custom['scope'] = scopeValue;
  custom['resource'] = rc.json;

  const shared = {
    rc,
    level,
    context: stringOf(attrs, 'http.route') ?? span.name,
    request: requestOf(attrs, isServer),
    person: personOf(attrs),
  };
  const spanTime = unixSeconds(span.endTimeUnixNano) ?? unixSeconds(span.startTimeUnixNano);
  for (const { e, index } of events) {
    const ea = attrMap(e.attributes);
    const traces = exceptionTraces(ea, rc.sdkLanguage);
    const eventCustom = { ...custom };
    const others = attributesJson(ea, (k) => EXCEPTION_FIELDS.has(k));
    if (Object.keys(others).length > 0) eventCustom['exception_attributes'] = others;
    b.add(record, where, {
      ...shared,
      uuidName: `span/${traceHex}/${spanHex}/event/${index}`,
      timestamp: unixSeconds(e.timeUnixNano) ?? spanTime,
      body: bodyOf(traces),
      title: titleOfTrace(traces[0]!),
      custom: eventCustom,
    });
  }
  if (events.length === 0) {
    const why = span.status?.message ? span.status.message : httpStatus !== undefined && httpStatus >= 400 ? `HTTP ${httpStatus}` : 'status ERROR';
    const text = `${span.name}: ${why}`;
    b.add(record, where, { ...shared, uuidName: `span/${traceHex}/${spanHex}/status`, timestamp: spanTime, body: { message: { body: text } }, title: shorten(firstLine(text), MAX_TITLE_CHARS), custom });
  }
  return true;
}

/** A log body as text: strings as they are, other values as JSON. */
function bodyText(body: AnyValue | null): string {
  const v = attrValue(body);
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(toJson(v));
}

/** OTLP severity (https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber) → Rollbar level; an unset number reads the text. */
export function levelOfSeverity(n: number, text: string): Level {
  if (n >= 21) return 'critical';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warning';
  if (n >= 9) return 'info';
  if (n >= 1) return 'debug';
  const t = text.toLowerCase();
  if (/fatal|crit|emerg|alert|panic/.test(t)) return 'critical';
  if (/warn/.test(t)) return 'warning';
  if (/info|notice/.test(t)) return 'info';
  if (/debug|trace/.test(t)) return 'debug';
  return 'error'; // it is here because it carries an exception, or the text says error
}

function logItem(b: Builder, rec: LogRecord, scope: InstrumentationScope | null, rc: ResourceContext, o: TranslateOptions, record: number): boolean {
  const attrs = attrMap(rec.attributes);
  let hasException = false;
  for (const kv of rec.attributes) if (kv.key.startsWith('exception.')) hasException = true; // attrs holds the same keys
  if (rec.severityNumber < o.minSeverity && !hasException) return false;
  const text = bodyText(rec.body);
  const traceHex = isValidId(rec.traceId) ? hex(rec.traceId) : undefined;
  const spanHex = isValidId(rec.spanId) ? hex(rec.spanId) : undefined;
  const time = rec.timeUnixNano > 0n ? rec.timeUnixNano : rec.observedTimeUnixNano;
  const where = `log record of ${JSON.stringify(rc.service)}${traceHex ? ` in trace ${traceHex}` : ''}`;

  const custom: Record<string, JsonValue> = {};
  if (traceHex) custom['trace_id'] = traceHex;
  if (spanHex) custom['span_id'] = spanHex;
  const link = b.traceLink(rc, rec.traceId, rec.spanId);
  if (link !== undefined) custom['trace_url'] = link;
  custom['service'] = rc.service;
  custom['severity'] = rec.severityText === '' ? { number: rec.severityNumber } : { number: rec.severityNumber, text: rec.severityText };
  if (rec.eventName !== '') custom['event_name'] = rec.eventName;
  custom['attributes'] = attributesJson(attrs, (k) => EXCEPTION_FIELDS.has(k));
  const scopeValue = scopeJson(scope);
  if (scopeValue !== undefined) custom['scope'] = scopeValue;
  custom['resource'] = rc.json;

  // A record's identity is its content: the SDK gives log records no id.
  const identity = JSON.stringify([rc.service, scope?.name ?? '', traceHex ?? '', spanHex ?? '', String(rec.timeUnixNano), String(rec.observedTimeUnixNano), rec.severityNumber, rec.severityText, text, custom['attributes']]);
  let body: RollbarBody;
  let title: string | undefined;
  if (hasException) {
    const traces = exceptionTraces(attrs, rc.sdkLanguage, text);
    body = bodyOf(traces);
    title = titleOfTrace(traces[0]!);
  } else {
    const message = text !== '' ? text : rec.eventName !== '' ? rec.eventName : `(an empty ${rec.severityText || 'error'} log record)`;
    body = { message: { body: message } };
    title = shorten(firstLine(message), MAX_TITLE_CHARS);
  }
  b.add(record, where, {
    rc,
    uuidName: `log/${identity}`,
    level: levelOfSeverity(rec.severityNumber, rec.severityText),
    timestamp: unixSeconds(time),
    body,
    title,
    context: stringOf(attrs, 'http.route', 'code.function.name', 'code.function'),
    request: requestOf(attrs, false),
    person: personOf(attrs),
    custom,
  });
  return true;
}

/** Every error span of a decoded request → items; the rest counted as skipped. */
export function translateTraces(request: ExportTraceServiceRequest, o: TranslateOptions): Translation {
  const b = new Builder(o);
  for (const rs of request.resourceSpans) {
    const rc = resourceContext(attrMap(rs.resource?.attributes), o);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        if (!spanItems(b, span, ss.scope, rc, o, b.t.records++)) b.t.skipped++;
      }
    }
  }
  return b.t;
}

/** Every error log record of a decoded request → items; the rest counted as skipped. */
export function translateLogs(request: ExportLogsServiceRequest, o: TranslateOptions): Translation {
  const b = new Builder(o);
  for (const rl of request.resourceLogs) {
    const rc = resourceContext(attrMap(rl.resource?.attributes), o);
    for (const sl of rl.scopeLogs) {
      for (const rec of sl.logRecords) {
        if (!logItem(b, rec, sl.scope, rc, o, b.t.records++)) b.t.skipped++;
      }
    }
  }
  return b.t;
}
