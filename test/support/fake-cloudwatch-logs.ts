import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * A local CloudWatch Logs API (JSON 1.1 protocol: POST /, `X-Amz-Target: Logs_20140328.<Action>`)
 * that enforces the real one's rules, from the API reference of PutLogEvents, CreateLogGroup,
 * CreateLogStream and PutRetentionPolicy:
 * - SigV4: the Authorization header's shape (service `logs`, the configured region, a known access
 *   key) and its signature, recomputed with @smithy/signature-v4 from the signed headers;
 * - names: groups 1–512 of `[.\-_/#A-Za-z0-9]` not starting with `aws/`, streams 1–512 without `:` `*`;
 * - PutLogEvents: group and stream must exist (ResourceNotFoundException); 1–10,000 events; no empty
 *   message; each event ≤ 1 MB and the batch ≤ 1,048,576 bytes counting UTF-8 + 26 per event;
 *   chronological order; events older than 14 days (or the group's retention) or more than 2 hours
 *   ahead are not stored and reported in rejectedLogEventsInfo; the rest may span at most 24 hours;
 * - retention from the allowed list; ResourceAlreadyExistsException for what exists;
 * - throttling and 5xx on demand (`script`).
 * Every refusal is recorded in `refused`, so a test can assert that no call broke a rule.
 */
export interface StoredEvent {
  timestamp: number;
  message: string;
}

export interface LogGroup {
  tags: Record<string, string>;
  retentionDays?: number;
  streams: Map<string, StoredEvent[]>;
}

export interface Call {
  action: string;
  input: Record<string, unknown>;
  /** The error type answered, if any. */
  error?: string;
}

export interface ScriptedError {
  /** Only calls of this action take it (default: any). */
  action?: string;
  /** Only calls for this log stream take it (default: any). */
  stream?: string;
  status: number;
  type: string;
  message?: string;
}

const TARGET_PREFIX = 'Logs_20140328.';
const MAX_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const OVERHEAD = 26;
const MAX_EVENT_BYTES = 1_048_576;
const DAY = 24 * 60 * 60 * 1000;
const MAX_AGE = 14 * DAY;
const MAX_AHEAD = 2 * 60 * 60 * 1000;
const MAX_SPAN = DAY;
const RETENTION = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** node:crypto as the Checksum the signer takes (a keyed one is an HMAC). */
class NodeSha256 {
  readonly #secret: string | Uint8Array | undefined;
  #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined ? undefined : typeof secret === 'string' ? secret : new Uint8Array(ArrayBuffer.isView(secret) ? secret.buffer.slice(secret.byteOffset, secret.byteOffset + secret.byteLength) : secret);
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(chunk: string | Uint8Array): void {
    this.#hash.update(chunk);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

const invalid = (message: string) => new ApiError(400, 'InvalidParameterException', message);

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export class FakeCloudWatchLogs {
  readonly groups = new Map<string, LogGroup>();
  readonly calls: Call[] = [];
  readonly refused: Array<{ action: string; type: string; message: string; scripted: boolean }> = [];
  /** Errors to answer before behaving normally, one per matching call, in order. */
  readonly script: ScriptedError[] = [];
  /** Authorization headers seen, for tests that check their shape. */
  readonly authorizations: string[] = [];
  readonly #keys: Map<string, string>;
  readonly #region: string;
  #server: http.Server | undefined;

  constructor(opts: { credentials: Array<{ accessKeyId: string; secretAccessKey: string }>; region: string }) {
    this.#keys = new Map(opts.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
    this.#region = opts.region;
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

  /** Stored events of one stream (empty when it does not exist). */
  events(group: string, stream: string): StoredEvent[] {
    return this.groups.get(group)?.streams.get(stream) ?? [];
  }

  /** Calls of one action that succeeded. */
  succeeded(action: string): Call[] {
    return this.calls.filter((c) => c.action === action && c.error === undefined);
  }

  /** A group (and streams) that exist before the test, as if made by someone else. */
  seed(group: string, ...streams: string[]): void {
    const g = this.groups.get(group) ?? { tags: {}, streams: new Map<string, StoredEvent[]>() };
    for (const s of streams) if (!g.streams.has(s)) g.streams.set(s, []);
    this.groups.set(group, g);
  }

  /** As if someone deleted the stream. */
  deleteStream(group: string, stream: string): void {
    this.groups.get(group)?.streams.delete(stream);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let input: Record<string, unknown> = {};
    try {
      if (req.method !== 'POST' || req.url !== '/') throw new ApiError(404, 'UnknownOperationException', `${req.method} ${req.url} is not an operation`);
      if (!target.startsWith(TARGET_PREFIX)) throw new ApiError(400, 'UnknownOperationException', `unknown X-Amz-Target "${target}"`);
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') throw new ApiError(400, 'SerializationException', `expected Content-Type application/x-amz-json-1.1, got ${String(req.headers['content-type'])}`);
      await this.#checkSignature(req, body);
      try {
        input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new ApiError(400, 'SerializationException', 'the body is not JSON');
      }
      const scripted = this.script.findIndex((s) => (s.action === undefined || s.action === action) && (s.stream === undefined || s.stream === input['logStreamName']));
      if (scripted !== -1) {
        const s = this.script.splice(scripted, 1)[0]!;
        const e = new ApiError(s.status, s.type, s.message ?? 'scripted');
        this.calls.push({ action, input, error: e.type });
        this.refused.push({ action, type: e.type, message: e.message, scripted: true });
        this.#answerError(res, e);
        return;
      }
      const out = this.#dispatch(action, input);
      this.calls.push({ action, input });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(out));
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalFailure', (err as Error).message);
      this.calls.push({ action, input, error: e.type });
      this.refused.push({ action, type: e.type, message: e.message, scripted: false });
      this.#answerError(res, e);
    }
  }

  #answerError(res: http.ServerResponse, e: ApiError): void {
    res.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': e.type }).end(JSON.stringify({ __type: e.type, message: e.message }));
  }

  /** Refusals for a broken rule (not scripted, not the ResourceNotFound / AlreadyExists answers the protocol expects). */
  violations(): Array<{ action: string; type: string; message: string }> {
    return this.refused.filter((r) => !r.scripted && r.type !== 'ResourceNotFoundException' && r.type !== 'ResourceAlreadyExistsException');
  }

  async #checkSignature(req: http.IncomingMessage, body: Buffer): Promise<void> {
    const auth = String(req.headers['authorization'] ?? '');
    this.authorizations.push(auth);
    const m = AUTH.exec(auth);
    if (!m) throw new ApiError(400, 'IncompleteSignatureException', 'the Authorization header is not AWS4-HMAC-SHA256 Credential=…/date/region/service/aws4_request, SignedHeaders=…, Signature=…');
    const [, keyId, day, region, service, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string, string];
    if (service !== 'logs') throw new ApiError(400, 'InvalidSignatureException', `credential scope names service "${service}", expected "logs"`);
    if (region !== this.#region) throw new ApiError(400, 'InvalidSignatureException', `credential scope names region "${region}", expected "${this.#region}"`);
    const secret = this.#keys.get(keyId);
    if (secret === undefined) throw new ApiError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) throw new ApiError(400, 'IncompleteSignatureException', 'X-Amz-Date is missing or does not match the credential scope');
    const names = signedHeaders.split(';');
    for (const required of ['host', 'x-amz-date', 'x-amz-target']) {
      if (!names.includes(required)) throw new ApiError(400, 'IncompleteSignatureException', `SignedHeaders must include ${required}`);
    }
    const headers: Record<string, string> = {};
    for (const name of names) {
      const v = req.headers[name];
      if (v === undefined) throw new ApiError(400, 'IncompleteSignatureException', `signed header ${name} is missing`);
      headers[name] = Array.isArray(v) ? v.join(',') : v;
    }
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const signer = new SignatureV4({ service: 'logs', region, credentials: { accessKeyId: keyId, secretAccessKey: secret }, sha256: NodeSha256, applyChecksum: names.includes('x-amz-content-sha256') });
    const [host, port] = String(req.headers['host'] ?? '').split(':');
    const signed = await signer.sign(
      { method: req.method ?? 'POST', protocol: 'http:', hostname: host ?? '', port: port === undefined ? undefined : Number(port), path: req.url ?? '/', query: {}, headers, body },
      { signingDate },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization'] ?? signed.headers['Authorization'] ?? ''))?.[1];
    if (expected !== signature) {
      throw new ApiError(403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
    }
  }

  #dispatch(action: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (action) {
      case 'CreateLogGroup':
        return this.#createLogGroup(input);
      case 'CreateLogStream':
        return this.#createLogStream(input);
      case 'PutRetentionPolicy':
        return this.#putRetentionPolicy(input);
      case 'PutLogEvents':
        return this.#putLogEvents(input);
      default:
        throw new ApiError(400, 'UnknownOperationException', `unknown operation ${action}`);
    }
  }

  #groupName(input: Record<string, unknown>): string {
    const name = input['logGroupName'];
    if (typeof name !== 'string' || !GROUP_NAME.test(name)) {
      throw invalid(`1 validation error detected: Value '${String(name)}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`);
    }
    return name;
  }

  #streamName(input: Record<string, unknown>): string {
    const name = input['logStreamName'];
    if (typeof name !== 'string' || name.length < 1 || name.length > 512 || /[:*]/.test(name)) {
      throw invalid(`1 validation error detected: Value '${String(name)}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
    }
    return name;
  }

  #group(name: string): LogGroup {
    const g = this.groups.get(name);
    if (!g) throw new ApiError(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
    return g;
  }

  #createLogGroup(input: Record<string, unknown>): Record<string, unknown> {
    const name = this.#groupName(input);
    if (name.startsWith('aws/')) throw invalid('Log group names starting with "aws/" are reserved.');
    const tags = (input['tags'] ?? {}) as Record<string, string>;
    if (Object.keys(tags).length > 50) throw invalid('A log group can have at most 50 tags.');
    for (const k of Object.keys(tags)) if (k.toLowerCase().startsWith('aws:')) throw invalid('Tag keys starting with "aws:" are reserved.');
    if (this.groups.has(name)) throw new ApiError(400, 'ResourceAlreadyExistsException', 'The specified log group already exists');
    this.groups.set(name, { tags, streams: new Map() });
    return {};
  }

  #createLogStream(input: Record<string, unknown>): Record<string, unknown> {
    const group = this.#group(this.#groupName(input));
    const stream = this.#streamName(input);
    if (group.streams.has(stream)) throw new ApiError(400, 'ResourceAlreadyExistsException', 'The specified log stream already exists');
    group.streams.set(stream, []);
    return {};
  }

  #putRetentionPolicy(input: Record<string, unknown>): Record<string, unknown> {
    const group = this.#group(this.#groupName(input));
    const days = input['retentionInDays'];
    if (typeof days !== 'number' || !RETENTION.has(days)) throw invalid(`1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set`);
    group.retentionDays = days;
    return {};
  }

  #putLogEvents(input: Record<string, unknown>): Record<string, unknown> {
    const groupName = this.#groupName(input);
    const streamName = this.#streamName(input);
    const events = input['logEvents'];
    if (!Array.isArray(events) || events.length < 1 || events.length > MAX_EVENTS) {
      throw invalid(`1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and ${MAX_EVENTS}`);
    }
    const group = this.#group(groupName);
    const stored = group.streams.get(streamName);
    if (!stored) throw new ApiError(400, 'ResourceNotFoundException', 'The specified log stream does not exist.');
    let total = 0;
    let previous = -Infinity;
    for (const [i, e] of (events as Array<{ timestamp?: unknown; message?: unknown }>).entries()) {
      if (typeof e.timestamp !== 'number' || !Number.isInteger(e.timestamp)) throw invalid(`logEvents[${i}].timestamp is missing or not an integer`);
      if (typeof e.message !== 'string' || e.message.length === 0) throw invalid(`1 validation error detected: Value '' at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1`);
      const size = utf8(e.message) + OVERHEAD;
      if (size > MAX_EVENT_BYTES) throw invalid(`Log event too large: ${size} bytes exceeds limit of ${MAX_EVENT_BYTES}`);
      total += size;
      if (e.timestamp < previous) throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
      previous = e.timestamp;
    }
    if (total > MAX_BATCH_BYTES) throw invalid(`Upload too large: ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    const list = events as StoredEvent[];
    const now = Date.now();
    const tooOldEnd = list.filter((e) => e.timestamp < now - MAX_AGE).length;
    const expiredEnd = group.retentionDays === undefined ? 0 : list.filter((e) => e.timestamp < now - group.retentionDays! * DAY).length;
    const tooNewStart = list.findIndex((e) => e.timestamp > now + MAX_AHEAD);
    const valid = list.slice(Math.max(tooOldEnd, expiredEnd), tooNewStart === -1 ? list.length : tooNewStart);
    if (valid.length > 0 && valid.at(-1)!.timestamp - valid[0]!.timestamp > MAX_SPAN) {
      throw invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    for (const e of valid) stored.push({ timestamp: e.timestamp, message: e.message });
    const info: Record<string, number> = {};
    if (tooOldEnd > 0) info['tooOldLogEventEndIndex'] = tooOldEnd;
    if (expiredEnd > 0) info['expiredLogEventEndIndex'] = expiredEnd;
    if (tooNewStart !== -1) info['tooNewLogEventStartIndex'] = tooNewStart;
    return Object.keys(info).length > 0 ? { nextSequenceToken: 'ignored', rejectedLogEventsInfo: info } : { nextSequenceToken: 'ignored' };
  }
}
