/**
 * OTLP spans → X-Ray segment documents. Pure: no I/O, no clock, no randomness (the caller passes
 * "now" for strict_trace_ids, and exception ids derive from span ids), so the same request always
 * gives the same documents and a retried batch overwrites rather than duplicates.
 */
import { attrMap, type AttrMap } from '../../otlp/attributes.ts';
import { decodeSpanAt, indexSpans } from '../../otlp/decode.ts';
import type { ExportTraceServiceRequest, Span } from '../../otlp/types.ts';
import { annotationKey, type AnnotationBudget, type KeyDots } from './annotations.ts';
import { awsBlock, awsResourceFields, httpBlock, originOf, sqlBlock, type AwsResourceFields } from './blocks.ts';
import { causeOf, flagsOf } from './cause.ts';
import type { AnnotationValue, JsonValue, SegmentDocument, SpanLinkEntry } from './document.ts';
import { fitDocument, type TrimReason } from './fit.ts';
import { MAX_ANNOTATION_VALUE_CHARS } from './limits.ts';
import { namespaceOf, plausibleTraceEpoch, segmentNameOf, SPAN_KIND, xrayTraceId } from './names.ts';
import { cutChars, epochSeconds, hex, K, SpanAttrs, stringOf, toAnnotationValue, toJson } from './values.ts';

export interface TranslateOptions {
  /** Span attribute keys (resource ones as `otel.resource.<key>`) to index as annotations. */
  indexedAttributes: readonly string[];
  /** Index every primitive attribute the blocks did not consume. */
  indexAllAttributes: boolean;
  /** Refuse spans whose trace id does not start with a plausible epoch second. */
  strictTraceIds: boolean;
  annotationKeyDots: KeyDots;
  /** Unix seconds, for strict_trace_ids. */
  nowSeconds: number;
}

/** Why a span produced no document. */
export type DropReason = 'implausible_trace_id' | 'invalid_span_id' | 'document_too_large' | 'undecodable';
/** What was changed so a document follows X-Ray's rules (counted once per document). */
export type AdjustReason =
  | TrimReason
  | 'annotation_limit'
  | 'annotation_key_collision'
  | 'annotation_key_renamed'
  | 'annotation_value_truncated'
  | 'implausible_link_trace_id';

export interface TranslatedDocument {
  /** The segment id (the span id), as X-Ray echoes it in UnprocessedTraceSegments. */
  id: string;
  traceId: string;
  json: string;
}

export interface Translation {
  documents: TranslatedDocument[];
  spans: number;
  dropped: Partial<Record<DropReason, number>>;
  adjusted: Partial<Record<AdjustReason, number>>;
  /** One example per reason ("span \"GET /\" in trace 1-…"), for the warning that explains it. */
  examples: Partial<Record<DropReason | AdjustReason, string>>;
  /** Attribute key → the annotation key it became, where they differ. */
  renamedKeys: Map<string, string>;
}

const RESOURCE_PREFIX = 'otel.resource.';
const DEFAULT_NAMESPACE = 'default';

/** Counts what the translation refused or changed, once per document per reason, with a first example. */
export class Notes {
  readonly t: Translation;
  #spanName = '';
  #traceId = '';
  #adjustedHere = new Set<AdjustReason>();
  /** For fitDocument: what the 64 KB fit trimmed, counted as an adjustment of the current span. */
  readonly trimmed = (reason: TrimReason): void => this.adjusted(reason);
  constructor(t: Translation) {
    this.t = t;
  }
  begin(spanName: string, traceId: string): void {
    this.#spanName = spanName;
    this.#traceId = traceId;
    if (this.#adjustedHere.size > 0) this.#adjustedHere.clear();
  }
  /** Where the current span is, for examples: written only when one is kept. */
  #where(): string {
    return `span ${JSON.stringify(this.#spanName)} in trace ${this.#traceId}`;
  }
  adjusted(reason: AdjustReason, detail = ''): void {
    if (this.#adjustedHere.has(reason)) return;
    this.#adjustedHere.add(reason);
    this.t.adjusted[reason] = (this.t.adjusted[reason] ?? 0) + 1;
    this.t.examples[reason] ??= `${this.#where()}${detail}`;
  }
  dropped(reason: DropReason, example?: string): void {
    this.t.dropped[reason] = (this.t.dropped[reason] ?? 0) + 1;
    this.t.examples[reason] ??= example ?? this.#where();
  }
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

interface Candidate {
  key: string;
  value: AnnotationValue;
}

/** A resource's attributes and what every segment of it shares, read once per resource rather than once per span. */
export interface ResourceView {
  attrs: AttrMap;
  /** `otel.resource.<key>` → the value as JSON, for segments' metadata. */
  metadata: Array<[string, JsonValue]>;
  /** `otel.resource.<key>` → the value, for each attribute that can be an annotation. */
  annotations: Candidate[];
  serviceName: string | undefined;
  language: string | undefined;
  version: string | undefined;
  origin: string | undefined;
  aws: AwsResourceFields | undefined;
}

export function resourceView(attrs: AttrMap): ResourceView {
  const metadata: Array<[string, JsonValue]> = [];
  const annotations: Candidate[] = [];
  for (const [key, raw] of Object.entries(attrs)) {
    if (raw !== undefined) metadata.push([RESOURCE_PREFIX + key, toJson(raw)]);
    const value = toAnnotationValue(raw);
    if (value !== undefined) annotations.push({ key: RESOURCE_PREFIX + key, value });
  }
  return {
    attrs,
    metadata,
    annotations,
    serviceName: stringOf(attrs, 'service.name'),
    language: stringOf(attrs, 'telemetry.sdk.language'),
    version: stringOf(attrs, 'service.version'),
    origin: originOf(attrs),
    aws: awsResourceFields(attrs),
  };
}

/** What stays the same for every span of one translateRequest call. */
export interface TranslateContext {
  options: TranslateOptions;
  indexed: ReadonlySet<string>;
  budget: AnnotationBudget;
  notes: Notes;
}

/** Builds one span's document (before the 64 KB fit); undefined when the span is refused. */
export function spanToDocument(span: Span, view: ResourceView, ctx: TranslateContext): SegmentDocument | undefined {
  const { options, notes } = ctx;
  const traceId = xrayTraceId(span.traceId);
  notes.begin(span.name, traceId);
  if (span.spanId.length !== 8 || isZero(span.spanId)) {
    notes.dropped('invalid_span_id');
    return undefined;
  }
  if (options.strictTraceIds && !plausibleTraceEpoch(span.traceId, options.nowSeconds)) {
    notes.dropped('implausible_trace_id');
    return undefined;
  }
  const attrs = new SpanAttrs(span.attributes);
  const kind = span.kind;
  const hasParent = span.parentSpanId.length === 8 && !isZero(span.parentSpanId);
  const isSegment = kind === SPAN_KIND.SERVER || kind === SPAN_KIND.CONSUMER || !hasParent;
  const spanId = hex(span.spanId);

  // Fields in the order the X-Ray documentation lists them, so documents read naturally.
  const doc = { name: segmentNameOf(kind, span.name, attrs, view.serviceName), id: spanId, trace_id: traceId } as SegmentDocument;
  if (hasParent) doc.parent_id = hex(span.parentSpanId);
  if (!isSegment) doc.type = 'subsegment';
  doc.start_time = epochSeconds(span.startTimeUnixNano);
  if (span.endTimeUnixNano > 0n) doc.end_time = epochSeconds(span.endTimeUnixNano);
  else doc.in_progress = true;
  const namespace = isSegment ? undefined : namespaceOf(kind, attrs);
  if (namespace) doc.namespace = namespace;
  if (isSegment && view.origin) doc.origin = view.origin;
  const user = attrs.takeString(K['enduser.id']);
  if (user !== undefined) doc.user = user;

  const http = httpBlock(kind, attrs);
  const remote = kind === SPAN_KIND.CLIENT || kind === SPAN_KIND.PRODUCER;
  const cause = causeOf(span, attrs, spanId, view.language, remote);
  const flags = flagsOf(http?.response?.status, span.status?.code);
  if (flags.error) doc.error = true;
  if (flags.throttle) doc.throttle = true;
  if (flags.fault) doc.fault = true;
  if (http) doc.http = http;
  const aws = awsBlock(attrs, isSegment ? view.aws : undefined);
  if (aws) doc.aws = aws;
  const sql = sqlBlock(attrs);
  if (sql) doc.sql = sql;
  if (isSegment && view.version !== undefined) doc.service = { version: view.version };
  if (cause) doc.cause = cause;

  const annotated = annotate(doc, attrs, isSegment ? view : undefined, traceId, ctx);

  let metadata: Record<string, JsonValue> | undefined;
  for (let i = 0; i < attrs.size; i++) {
    const raw = attrs.values[i];
    const key = attrs.keys[i]!;
    if (raw === undefined || attrs.isUsed(i) || annotated?.has(key) === true) continue;
    // A plain object, as JSON.stringify orders its keys: array-index keys first.
    (metadata ??= {})[key] = toJson(raw);
  }
  if (isSegment) {
    for (const [full, value] of view.metadata) if (annotated?.has(full) !== true) (metadata ??= {})[full] = value;
  }
  if (metadata !== undefined && Object.keys(metadata).length > 0) doc.metadata = { [DEFAULT_NAMESPACE]: metadata };

  let links: SpanLinkEntry[] | undefined;
  for (const link of span.links) {
    if (link.spanId.length !== 8 || link.traceId.length !== 16) continue;
    if (options.strictTraceIds && !plausibleTraceEpoch(link.traceId, options.nowSeconds)) {
      notes.adjusted('implausible_link_trace_id');
      continue;
    }
    const entry: SpanLinkEntry = { trace_id: xrayTraceId(link.traceId), id: hex(link.spanId) };
    const la = attrMap(link.attributes);
    if (Object.keys(la).length > 0) entry.attributes = Object.fromEntries(Object.entries(la).map(([k, v]) => [k, toJson(v)]));
    (links ??= []).push(entry);
  }
  if (links) doc.links = links;
  return doc;
}

/**
 * Annotations: the configured keys (or all primitive ones), within the per-trace budget; the rest
 * stay metadata. Returns the attribute keys that became annotations, or undefined for none.
 */
function annotate(doc: SegmentDocument, attrs: SpanAttrs, segmentOf: ResourceView | undefined, traceId: string, ctx: TranslateContext): Set<string> | undefined {
  const { options, indexed, notes } = ctx;
  if (!options.indexAllAttributes && indexed.size === 0) return undefined;
  const candidates: Candidate[] = [];
  for (let i = 0; i < attrs.size; i++) {
    const key = attrs.keys[i]!;
    if (options.indexAllAttributes ? attrs.isUsed(i) : !indexed.has(key)) continue;
    const value = toAnnotationValue(attrs.values[i]);
    if (value !== undefined) candidates.push({ key, value });
  }
  if (segmentOf) {
    for (const c of segmentOf.annotations) if (options.indexAllAttributes || indexed.has(c.key)) candidates.push(c);
  }
  if (candidates.length === 0) return undefined;
  const annotated = new Set<string>();
  const annotations: Record<string, AnnotationValue> = {};
  for (const c of candidates) {
    const key = annotationKey(c.key, options.annotationKeyDots);
    if (key === '') continue;
    if (Object.hasOwn(annotations, key)) {
      notes.adjusted('annotation_key_collision', `: ${JSON.stringify(c.key)} and another attribute both become ${JSON.stringify(key)}`);
      continue;
    }
    if (!ctx.budget.admit(traceId, key)) {
      notes.adjusted('annotation_limit');
      continue;
    }
    if (key !== c.key) {
      notes.adjusted('annotation_key_renamed');
      notes.t.renamedKeys.set(c.key, key);
    }
    let value = c.value;
    if (typeof value === 'string' && value.length > MAX_ANNOTATION_VALUE_CHARS) {
      const short = cutChars(value, MAX_ANNOTATION_VALUE_CHARS);
      if (short !== value) notes.adjusted('annotation_value_truncated', `: ${JSON.stringify(c.key)}`);
      value = short;
    }
    annotations[key] = value;
    annotated.add(c.key);
  }
  if (Object.keys(annotations).length > 0) doc.annotations = annotations;
  return annotated;
}

/** Every span of a decoded request → one document each, within X-Ray's rules; what was refused or changed is counted. */
export function translateRequest(request: ExportTraceServiceRequest, options: TranslateOptions, budget: AnnotationBudget): Translation {
  const t = emptyTranslation();
  translateInto(request, newContext(t, options, budget));
  return t;
}

/**
 * The same translation from the encoded request (validated by scanRequest), one span at a time: a
 * request decoded whole (500 spans, a few MB of objects) outlived V8's young generation and was
 * copied and promoted; a span's objects die young: ~15 % less CPU per span with the image's 2 MiB
 * young generation (docs/PERFORMANCE.md, round 3).
 */
export function translateEncoded(bytes: Uint8Array, options: TranslateOptions, budget: AnnotationBudget): Translation {
  const t = emptyTranslation();
  const ctx = newContext(t, options, budget);
  for (const entry of indexSpans(bytes)) {
    const at = entry.spans;
    if (entry.error !== undefined) {
      for (let i = 0; i < at.length; i += 2) undecodable(ctx, `a resource: ${entry.error}`);
      continue;
    }
    const resource = resourceView(attrMap(entry.resource?.attributes));
    for (let i = 0; i < at.length; i += 2) {
      let span: Span;
      try {
        span = decodeSpanAt(bytes, at[i]!, at[i + 1]!);
      } catch (err) {
        undecodable(ctx, `a span: ${(err as Error).message}`);
        continue;
      }
      translateSpan(span, resource, ctx);
    }
  }
  return t;
}

/** A span the receiver accepted (the wire scan checks structure, not UTF-8) that cannot be decoded: refused alone, so it cannot cost its batch. */
function undecodable(ctx: TranslateContext, what: string): void {
  ctx.notes.t.spans++;
  ctx.notes.dropped('undecodable', what);
}

function emptyTranslation(): Translation {
  return { documents: [], spans: 0, dropped: {}, adjusted: {}, examples: {}, renamedKeys: new Map() };
}

function newContext(t: Translation, options: TranslateOptions, budget: AnnotationBudget): TranslateContext {
  return { options, indexed: new Set(options.indexedAttributes), budget, notes: new Notes(t) };
}

function translateInto(request: ExportTraceServiceRequest, ctx: TranslateContext): void {
  for (const rs of request.resourceSpans) {
    const resource = resourceView(attrMap(rs.resource?.attributes));
    for (const ss of rs.scopeSpans) for (const span of ss.spans) translateSpan(span, resource, ctx);
  }
}

function translateSpan(span: Span, resource: ResourceView, ctx: TranslateContext): void {
  const t = ctx.notes.t;
  t.spans++;
  const doc = spanToDocument(span, resource, ctx);
  if (!doc) return;
  const json = fitDocument(doc, ctx.notes.trimmed);
  if (json === undefined) {
    ctx.notes.dropped('document_too_large');
    return;
  }
  t.documents.push({ id: doc.id, traceId: doc.trace_id, json });
}
