import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * A local X-Ray API (PutTraceSegments, GetSamplingRules, GetSamplingTargets) that enforces the real
 * one's rules: SigV4 signed for service `xray` with the test credentials (recomputed with
 * @smithy/signature-v4), POST /TraceSegments with at most 50 documents per call, and each document
 * checked against the segment document rules
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html); invalid documents
 * come back in UnprocessedTraceSegments. It can throttle whole calls or single documents.
 * Like X-Ray, a document sent again with the same id replaces the earlier one.
 * POST /GetSamplingRules answers `samplingRules`; POST /SamplingTargets checks the statistics
 * documents (https://docs.aws.amazon.com/xray/latest/api/API_GetSamplingTargets.html) and answers a
 * target for each known rule.
 */

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface Unprocessed {
  Id?: string;
  ErrorCode: string;
  Message: string;
}

export interface Refusal {
  status: number;
  type: string;
  message: string;
}

const MAX_DOCUMENTS = 50;
const MAX_DOCUMENT_BYTES = 64 * 1024;
const MAX_NAME_CHARS = 200;
const MAX_ANNOTATION_KEY_CHARS = 500;
const MAX_ANNOTATION_VALUE_CHARS = 1000;
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
// Written out here, independently of the exporter's own constants.
const NAME = /^[\p{L}\p{N}\s_.:/%&#=+\\\-@]+$/u;
const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const ANNOTATION_KEY = /^[A-Za-z0-9_.]+$/;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function chars(s: string): number {
  return Array.from(s).length;
}

/** Why X-Ray would not process this document, or undefined when it would. */
export function documentProblem(text: string): Omit<Unprocessed, 'Id'> | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) return { ErrorCode: 'SegmentTooLarge', Message: `document is ${Buffer.byteLength(text)} bytes; the limit is 64 KB` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ErrorCode: 'MalformedSegment', Message: 'document is not JSON' };
  }
  if (!isObject(doc)) return { ErrorCode: 'MalformedSegment', Message: 'document is not a JSON object' };
  const bad = (ErrorCode: string, Message: string) => ({ ErrorCode, Message });
  if (typeof doc['name'] !== 'string' || doc['name'] === '') return bad('MissingName', 'name is required');
  if (chars(doc['name']) > MAX_NAME_CHARS) return bad('InvalidName', `name has ${chars(doc['name'])} characters; at most ${MAX_NAME_CHARS}`);
  if (!NAME.test(doc['name'])) return bad('InvalidName', `name ${JSON.stringify(doc['name'])} has characters outside X-Ray's set`);
  if (doc['id'] === undefined) return bad('MissingId', 'id is required');
  if (typeof doc['id'] !== 'string' || !HEX16.test(doc['id'])) return bad('InvalidId', `id ${JSON.stringify(doc['id'])} is not 16 lower-case hex digits`);
  if (doc['trace_id'] === undefined) return bad('MissingTraceId', 'trace_id is required');
  if (typeof doc['trace_id'] !== 'string' || !TRACE_ID.test(doc['trace_id'])) return bad('InvalidTraceId', `trace_id ${JSON.stringify(doc['trace_id'])} is not 1-XXXXXXXX-YYYYYYYYYYYYYYYYYYYYYYYY`);
  if (typeof doc['start_time'] !== 'number' || !Number.isFinite(doc['start_time']) || doc['start_time'] <= 0) return bad('InvalidStartTime', 'start_time must be epoch seconds');
  const hasEnd = doc['end_time'] !== undefined;
  if (hasEnd && (typeof doc['end_time'] !== 'number' || !Number.isFinite(doc['end_time']))) return bad('InvalidEndTime', 'end_time must be epoch seconds');
  if (hasEnd === (doc['in_progress'] === true)) return bad('MissingEndTime', 'exactly one of end_time and in_progress: true is required');
  if (doc['parent_id'] !== undefined && (typeof doc['parent_id'] !== 'string' || !HEX16.test(doc['parent_id']))) return bad('InvalidParentId', 'parent_id is not 16 lower-case hex digits');
  if (doc['type'] !== undefined) {
    if (doc['type'] !== 'subsegment') return bad('InvalidType', 'type must be "subsegment"');
    if (doc['parent_id'] === undefined) return bad('MissingParentId', 'an independent subsegment needs parent_id');
  }
  if (doc['namespace'] !== undefined && doc['namespace'] !== 'aws' && doc['namespace'] !== 'remote') return bad('InvalidNamespace', 'namespace must be "aws" or "remote"');
  for (const flag of ['error', 'fault', 'throttle', 'in_progress']) {
    if (doc[flag] !== undefined && typeof doc[flag] !== 'boolean') return bad('InvalidSegment', `${flag} must be a boolean`);
  }
  if (doc['annotations'] !== undefined) {
    if (!isObject(doc['annotations'])) return bad('InvalidAnnotation', 'annotations must be an object');
    for (const [key, value] of Object.entries(doc['annotations'])) {
      if (!ANNOTATION_KEY.test(key) || key.length > MAX_ANNOTATION_KEY_CHARS) return bad('InvalidAnnotation', `annotation key ${JSON.stringify(key)} is not alphanumeric (with _ or .)`);
      if (typeof value === 'string') {
        if (chars(value) > MAX_ANNOTATION_VALUE_CHARS) return bad('InvalidAnnotation', `annotation ${key} is longer than ${MAX_ANNOTATION_VALUE_CHARS} characters`);
      } else if (typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
        return bad('InvalidAnnotation', `annotation ${key} is not a string, number or boolean`);
      }
    }
  }
  if (doc['metadata'] !== undefined) {
    if (!isObject(doc['metadata'])) return bad('InvalidMetadata', 'metadata must be an object of namespaces');
    for (const [ns, values] of Object.entries(doc['metadata'])) {
      if (ns.startsWith('AWS.')) return bad('InvalidMetadata', `metadata namespace ${ns} is reserved`);
      if (!isObject(values)) return bad('InvalidMetadata', `metadata.${ns} must be an object`);
    }
  }
  if (doc['cause'] !== undefined) {
    const cause = doc['cause'];
    if (typeof cause === 'string') {
      if (!HEX16.test(cause)) return bad('InvalidCause', 'cause id is not 16 hex digits');
    } else {
      if (!isObject(cause) || !Array.isArray(cause['exceptions'])) return bad('InvalidCause', 'cause must have an exceptions array');
      for (const e of cause['exceptions'] as unknown[]) {
        if (!isObject(e) || typeof e['id'] !== 'string' || !HEX16.test(e['id'])) return bad('InvalidCause', 'exception id is not 16 hex digits');
        if (e['cause'] !== undefined && (typeof e['cause'] !== 'string' || !HEX16.test(e['cause']))) return bad('InvalidCause', 'exception cause is not an exception id');
        if (e['stack'] !== undefined) {
          if (!Array.isArray(e['stack'])) return bad('InvalidCause', 'stack must be an array');
          for (const f of e['stack'] as unknown[]) {
            if (!isObject(f)) return bad('InvalidCause', 'stack frame must be an object');
            // null reads as absent: the X-Ray SDK for Node.js sends `"line": null` for frames it cannot place (ESM file: URLs, node internals).
            if (f['line'] != null && !Number.isInteger(f['line'])) return bad('InvalidCause', 'stack frame line must be an integer');
            if ((f['path'] != null && typeof f['path'] !== 'string') || (f['label'] != null && typeof f['label'] !== 'string')) return bad('InvalidCause', 'stack frame path and label must be strings');
          }
        }
      }
    }
  }
  const status = isObject(doc['http']) && isObject(doc['http']['response']) ? doc['http']['response']['status'] : undefined;
  if (status !== undefined && !Number.isInteger(status)) return bad('InvalidSegment', 'http.response.status must be an integer');
  return undefined;
}

class Sha256 {
  #secret: Uint8Array | string | undefined;
  #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined || typeof secret === 'string' ? secret : new Uint8Array(ArrayBuffer.isView(secret) ? secret.buffer.slice(secret.byteOffset, secret.byteOffset + secret.byteLength) : secret);
    this.#h = this.#make();
  }
  #make(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: Uint8Array | string): void {
    this.#h.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#h.digest()));
  }
  reset(): void {
    this.#h = this.#make();
  }
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function amzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/** A sampling rule as GetSamplingRules returns it (API_SamplingRule.html). */
export interface SamplingRule {
  RuleName: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  ResourceARN: string;
  Version: number;
  Attributes: Record<string, string>;
}

export interface SamplingCall {
  operation: 'GetSamplingRules' | 'SamplingTargets';
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

const MAX_STATISTICS_DOCUMENTS = 25;
const CLIENT_ID = /^[0-9a-f]{24}$/;
/** When the fake's rules last changed, as X-Ray reports it (epoch seconds). */
export const RULES_MODIFIED_AT = 1_700_000_000;

export interface Received {
  documents: string[];
  unprocessed: Unprocessed[];
  headers: http.IncomingHttpHeaders;
}

export class FakeXray {
  readonly creds: TestCredentials;
  /** Every PutTraceSegments call it answered 200. */
  readonly received: Received[] = [];
  /** Every call it refused as a whole. */
  readonly refused: Refusal[] = [];
  /** Answers to give before behaving normally, one per call. */
  readonly script: Refusal[] = [];
  /** The next N calls are throttled (429 ThrottledException). */
  throttleCalls = 0;
  /** The next N documents come back unprocessed with ErrorCode ThrottledException. */
  throttleDocuments = 0;
  /** Accepted documents by trace id + id: a later write of the same id replaces the earlier one. */
  readonly #segments = new Map<string, Json>();
  /** How many times each trace id + id was written. */
  readonly writes = new Map<string, number>();
  /** Distinct annotation keys per trace, to show the 50-per-trace rule holds. */
  readonly annotationKeys = new Map<string, Set<string>>();
  /** What GetSamplingRules answers (besides X-Ray's Default rule, always last). */
  samplingRules: SamplingRule[] = [];
  /** Every sampling call it answered 200. */
  readonly samplingCalls: SamplingCall[] = [];
  #server: http.Server | undefined;

  constructor(creds: TestCredentials) {
    this.creds = creds;
  }

  get url(): string {
    const a = this.#server?.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }

  /** Accepted segment documents, one per id (the last write wins). */
  segments(): Json[] {
    return [...this.#segments.values()];
  }

  #refuse(res: http.ServerResponse, status: number, type: string, message: string): void {
    this.refused.push({ status, type, message });
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type }).end(JSON.stringify({ __type: type, message }));
  }

  async #verifySignature(req: http.IncomingMessage, body: Buffer): Promise<Refusal | undefined> {
    const auth = req.headers['authorization'];
    if (typeof auth !== 'string') return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    const m = AUTH.exec(auth);
    if (!m) return { status: 403, type: 'IncompleteSignatureException', message: 'Authorization header is not a SigV4 header' };
    const [, keyId, day, region, service, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
    if (keyId !== this.creds.accessKeyId) return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    if (service !== 'xray') return { status: 403, type: 'InvalidSignatureException', message: `Credential should be scoped to correct service: 'xray'.` };
    if (region !== this.creds.region) return { status: 403, type: 'InvalidSignatureException', message: `Credential should be scoped to a valid region, not '${region}'.` };
    const dateHeader = req.headers['x-amz-date'];
    const date = typeof dateHeader === 'string' ? amzDate(dateHeader) : undefined;
    if (!date) return { status: 403, type: 'IncompleteSignatureException', message: 'X-Amz-Date is missing or malformed' };
    if (dateHeader!.slice(0, 8) !== day) return { status: 403, type: 'InvalidSignatureException', message: 'Credential date does not match X-Amz-Date' };
    if (Math.abs(Date.now() - date.getTime()) > MAX_CLOCK_SKEW_MS) return { status: 403, type: 'InvalidSignatureException', message: 'Signature expired' };
    const signed = signedList.split(';');
    if (!signed.includes('host') || !signed.includes('x-amz-date')) return { status: 403, type: 'IncompleteSignatureException', message: 'host and x-amz-date must be signed' };
    const headers: Record<string, string> = {};
    for (const name of signed) {
      const v = req.headers[name];
      if (v === undefined) return { status: 403, type: 'IncompleteSignatureException', message: `signed header ${name} is missing` };
      headers[name] = Array.isArray(v) ? v.join(',') : v;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const signer = new SignatureV4({ service: 'xray', region: this.creds.region, credentials: { accessKeyId: this.creds.accessKeyId, secretAccessKey: this.creds.secretAccessKey }, sha256: Sha256, applyChecksum: false });
    const again = await signer.sign(
      { method: req.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: body.toString('utf8') },
      { signingDate: date },
    );
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(again.headers['authorization']))?.[1];
    if (expected !== signature) return { status: 403, type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' };
    return undefined;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0];
    const known = ['/TraceSegments', '/GetSamplingRules', '/SamplingTargets'];
    if (req.method !== 'POST' || path === undefined || !known.includes(path)) return this.#refuse(res, 404, 'UnknownOperationException', `no operation at ${req.method} ${path}`);
    const auth = await this.#verifySignature(req, body);
    if (auth) return this.#refuse(res, auth.status, auth.type, auth.message);
    if (path === '/GetSamplingRules') return this.#rules(req, res, body);
    if (path === '/SamplingTargets') return this.#targets(req, res, body);
    const next = this.script.shift();
    if (next) return this.#refuse(res, next.status, next.type, next.message);
    if (this.throttleCalls > 0) {
      this.throttleCalls--;
      return this.#refuse(res, 429, 'ThrottledException', 'Rate exceeded');
    }
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return this.#refuse(res, 400, 'SerializationException', 'body is not JSON');
    }
    const docs = isObject(input) ? input['TraceSegmentDocuments'] : undefined;
    if (!Array.isArray(docs) || !docs.every((d) => typeof d === 'string')) return this.#refuse(res, 400, 'InvalidRequestException', 'TraceSegmentDocuments must be a list of strings');
    if (docs.length === 0) return this.#refuse(res, 400, 'InvalidRequestException', 'TraceSegmentDocuments must not be empty');
    if (docs.length > MAX_DOCUMENTS) return this.#refuse(res, 400, 'InvalidRequestException', `Exceeding maximum segment count: ${MAX_DOCUMENTS}`);
    const unprocessed: Unprocessed[] = [];
    for (const text of docs as string[]) {
      let id: string | undefined;
      try {
        const parsed = JSON.parse(text) as unknown;
        if (isObject(parsed) && typeof parsed['id'] === 'string') id = parsed['id'];
      } catch {
        // documentProblem says so
      }
      const problem = documentProblem(text);
      if (problem) {
        unprocessed.push(id === undefined ? problem : { Id: id, ...problem });
        continue;
      }
      if (this.throttleDocuments > 0) {
        this.throttleDocuments--;
        unprocessed.push({ Id: id!, ErrorCode: 'ThrottledException', Message: 'Rate exceeded' });
        continue;
      }
      const doc = JSON.parse(text) as Json;
      const key = `${String(doc['trace_id'])}/${id}`;
      this.#segments.set(key, doc);
      this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
      if (isObject(doc['annotations'])) {
        const keys = this.annotationKeys.get(String(doc['trace_id'])) ?? new Set<string>();
        for (const k of Object.keys(doc['annotations'])) keys.add(k);
        this.annotationKeys.set(String(doc['trace_id']), keys);
      }
    }
    this.received.push({ documents: docs as string[], unprocessed, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ UnprocessedTraceSegments: unprocessed }));
  }

  #allRules(): SamplingRule[] {
    const fallback: SamplingRule = { RuleName: 'Default', Priority: 10000, FixedRate: 0.05, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {} };
    return [...this.samplingRules, fallback];
  }

  #rules(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return this.#refuse(res, 400, 'SerializationException', 'body is not JSON');
    }
    if (!isObject(input)) return this.#refuse(res, 400, 'InvalidRequestException', 'body must be a JSON object');
    this.samplingCalls.push({ operation: 'GetSamplingRules', body: input, headers: req.headers });
    const records = this.#allRules().map((r) => ({ SamplingRule: { ...r, RuleARN: `arn:aws:xray:${this.creds.region}:123456789012:sampling-rule/${r.RuleName}` }, CreatedAt: RULES_MODIFIED_AT, ModifiedAt: RULES_MODIFIED_AT }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SamplingRuleRecords: records }));
  }

  #targets(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return this.#refuse(res, 400, 'SerializationException', 'body is not JSON');
    }
    const docs = isObject(input) ? input['SamplingStatisticsDocuments'] : undefined;
    if (!Array.isArray(docs) || docs.length === 0) return this.#refuse(res, 400, 'InvalidRequestException', 'SamplingStatisticsDocuments is required');
    if (docs.length > MAX_STATISTICS_DOCUMENTS) return this.#refuse(res, 400, 'InvalidRequestException', `SamplingStatisticsDocuments: at most ${MAX_STATISTICS_DOCUMENTS} items`);
    for (const d of docs as unknown[]) {
      if (!isObject(d) || typeof d['RuleName'] !== 'string' || typeof d['ClientID'] !== 'string' || !CLIENT_ID.test(d['ClientID'])) {
        return this.#refuse(res, 400, 'InvalidRequestException', 'each statistics document needs a RuleName and a 24-hex-digit ClientID');
      }
      for (const k of ['RequestCount', 'SampledCount', 'Timestamp']) {
        if (typeof d[k] !== 'number') return this.#refuse(res, 400, 'InvalidRequestException', `statistics document ${d['RuleName']}: ${k} is required`);
      }
    }
    this.samplingCalls.push({ operation: 'SamplingTargets', body: input, headers: req.headers });
    const rules = new Map(this.#allRules().map((r) => [r.RuleName, r]));
    const now = Math.floor(Date.now() / 1000);
    const targets = [];
    const unprocessed = [];
    for (const d of docs as Json[]) {
      const rule = rules.get(d['RuleName'] as string);
      if (rule) targets.push({ RuleName: rule.RuleName, FixedRate: rule.FixedRate, ReservoirQuota: rule.ReservoirSize, ReservoirQuotaTTL: now + 10, Interval: 10 });
      else unprocessed.push({ RuleName: d['RuleName'], ErrorCode: '400', Message: 'Unknown rule' });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SamplingTargetDocuments: targets, LastRuleModification: RULES_MODIFIED_AT, UnprocessedStatistics: unprocessed }));
  }
}
