import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Rollbar item API (POST /api/1/item/) that enforces the real one's rules, written from the API
 * reference (https://docs.rollbar.com/reference/create-item, rollbar-php's POST_FORMAT.md) and the answers
 * Rollbar is seen giving (rollbar-php#421, rollbar-gem#971, rollbar.js#322), independently of the exporter:
 * - the access token in `X-Rollbar-Access-Token` (or the body): missing → 422, unknown → 403 echoing the
 *   token as Rollbar does, without post_server_item scope → 403;
 * - bodies over 128 KB → 413; not JSON → 400; an item breaking the schema → 422 naming the field;
 * - a per-token rate limit with the real headers on every answer; over it → 429 and the item is not processed;
 * - a uuid seen before is accepted and discarded as a duplicate.
 */

export const MAX_BODY_BYTES = 128 * 1024;
const LEVELS = new Set(['critical', 'error', 'warning', 'info', 'debug']);
const BODY_KINDS = ['trace', 'trace_chain', 'message', 'crash_report'] as const;

type Json = Record<string, unknown>;

export interface Accepted {
  token: string;
  headers: http.IncomingHttpHeaders;
  data: Json;
}

export interface Answered {
  status: number;
  message?: string;
  uuid?: string;
}

export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RateLimit {
  /** Items per window. */
  limit: number;
  windowSeconds: number;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function chars(s: string): number {
  return Array.from(s).length;
}

/** Why Rollbar would answer 422 to this payload, in its own style, or undefined when it is valid. */
export function itemProblem(payload: unknown): string | undefined {
  const missing = (path: string) => `Invalid format. ${path} is missing and it is required.`;
  const wrong = (path: string, what: string) => `Invalid format. ${path} ${what}.`;
  const optionalString = (o: Json, key: string, path: string, max?: number): string | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return wrong(`${path}.${key}`, 'must be a string');
    if (max !== undefined && chars(v) > max) return wrong(`${path}.${key}`, `is longer than ${max} characters`);
    return undefined;
  };
  const traceProblem = (t: unknown, path: string): string | undefined => {
    if (!isObject(t)) return wrong(path, 'must be an object');
    if (t['frames'] === undefined) return missing(`${path}.frames`);
    if (!Array.isArray(t['frames'])) return wrong(`${path}.frames`, 'must be an array');
    for (const [i, f] of (t['frames'] as unknown[]).entries()) {
      const fp = `${path}.frames[${i}]`;
      if (!isObject(f)) return wrong(fp, 'must be an object');
      if (f['filename'] === undefined) return missing(`${fp}.filename`);
      if (typeof f['filename'] !== 'string' || f['filename'] === '') return wrong(`${fp}.filename`, 'must be a non-empty string');
      for (const k of ['lineno', 'colno']) if (f[k] !== undefined && !Number.isInteger(f[k])) return wrong(`${fp}.${k}`, 'must be an integer');
      for (const k of ['method', 'code', 'class_name']) {
        const p = optionalString(f, k, fp);
        if (p) return p;
      }
      if (f['context'] !== undefined) {
        const c = f['context'];
        if (!isObject(c)) return wrong(`${fp}.context`, 'must be an object');
        for (const k of ['pre', 'post']) {
          if (c[k] !== undefined && !(Array.isArray(c[k]) && (c[k] as unknown[]).every((x) => typeof x === 'string'))) return wrong(`${fp}.context.${k}`, 'must be a list of strings');
        }
      }
    }
    const e = t['exception'];
    if (e === undefined) return missing(`${path}.exception`);
    if (!isObject(e)) return wrong(`${path}.exception`, 'must be an object');
    if (e['class'] === undefined) return missing(`${path}.exception.class`);
    if (typeof e['class'] !== 'string' || e['class'] === '') return wrong(`${path}.exception.class`, 'must be a non-empty string');
    return optionalString(e, 'message', `${path}.exception`) ?? optionalString(e, 'description', `${path}.exception`);
  };

  if (!isObject(payload)) return wrong('payload', 'must be a JSON object');
  const data = payload['data'];
  if (data === undefined) return missing('data');
  if (!isObject(data)) return wrong('data', 'must be an object');
  if (data['environment'] === undefined) return missing('data.environment');
  if (typeof data['environment'] !== 'string' || data['environment'] === '') return wrong('data.environment', 'must be a non-empty string');
  if (chars(data['environment']) > 255) return wrong('data.environment', 'is longer than 255 characters');
  const body = data['body'];
  if (body === undefined) return missing('data.body');
  if (!isObject(body)) return wrong('data.body', 'must be an object');
  const kinds = BODY_KINDS.filter((k) => body[k] !== undefined);
  if (kinds.length !== 1) return wrong('data.body', `must have exactly one of trace, trace_chain, message, crash_report (has ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
  const kind = kinds[0]!;
  if (kind === 'trace') {
    const p = traceProblem(body['trace'], 'data.body.trace');
    if (p) return p;
  } else if (kind === 'trace_chain') {
    const chain = body['trace_chain'];
    if (!Array.isArray(chain) || chain.length === 0) return wrong('data.body.trace_chain', 'must be a non-empty list of traces');
    for (const [i, t] of (chain as unknown[]).entries()) {
      const p = traceProblem(t, `data.body.trace_chain[${i}]`);
      if (p) return p;
    }
  } else if (kind === 'message') {
    const m = body['message'];
    if (!isObject(m)) return wrong('data.body.message', 'must be an object');
    if (m['body'] === undefined) return missing('data.body.message.body');
    if (typeof m['body'] !== 'string') return wrong('data.body.message.body', 'must be a string');
  } else {
    const c = body['crash_report'];
    if (!isObject(c) || typeof c['raw'] !== 'string') return missing('data.body.crash_report.raw');
  }
  if (data['level'] !== undefined && (typeof data['level'] !== 'string' || !LEVELS.has(data['level']))) return wrong('data.level', 'must be one of critical, error, warning, info, debug');
  if (data['timestamp'] !== undefined && !Number.isInteger(data['timestamp'])) return wrong('data.timestamp', 'must be an integer (unix seconds)');
  const limits: Array<[string, number | undefined]> = [
    ['code_version', 40],
    ['uuid', 36],
    ['title', 255],
    ['fingerprint', undefined], // longer than 40: Rollbar hashes it
    ['platform', undefined],
    ['language', undefined],
    ['framework', undefined],
    ['context', 255],
  ];
  for (const [key, max] of limits) {
    const p = optionalString(data, key, 'data', max);
    if (p) return p;
  }
  for (const key of ['request', 'server', 'custom', 'client', 'notifier']) if (data[key] !== undefined && !isObject(data[key])) return wrong(`data.${key}`, 'must be an object');
  const person = data['person'];
  if (person !== undefined) {
    if (!isObject(person)) return wrong('data.person', 'must be an object');
    if (person['id'] === undefined) return missing('data.person.id');
    if (typeof person['id'] !== 'string' || chars(person['id']) > 40) return wrong('data.person.id', 'must be a string of at most 40 characters');
    const p = optionalString(person, 'username', 'data.person', 255) ?? optionalString(person, 'email', 'data.person', 255);
    if (p) return p;
  }
  return undefined;
}

export class FakeRollbar {
  /** Items accepted and processed, in arrival order (duplicates not repeated). */
  readonly items: Accepted[] = [];
  /** Every answer, in order. */
  readonly answers: Answered[] = [];
  /** Items accepted again under a uuid already seen (Rollbar discards them). */
  duplicates = 0;
  /** Answers to give before behaving normally, one per request (for 5xx tests). */
  readonly script: Scripted[] = [];
  /** Per-token rate limit; absent: none. Changeable between requests. */
  rateLimit: RateLimit | undefined;
  /** The clock, in ms; tests may move it. */
  now: () => number = Date.now;
  readonly #tokens: Map<string, string[]>;
  readonly #uuids = new Set<string>();
  readonly #windows = new Map<string, { start: number; used: number }>();
  #server: http.Server | undefined;

  /** `tokens`: access token → its scopes (a project's post_server_item token has ["post_server_item"]). */
  constructor(tokens: Record<string, string[]>) {
    this.#tokens = new Map(Object.entries(tokens));
  }

  get url(): string {
    const a = this.#server?.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  /** The item URL, as configured in the exporter's `endpoint`. */
  get itemUrl(): string {
    return `${this.url}/api/1/item/`;
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

  /** Forgets everything received (uuids and rate-limit windows too) and the script, for the next test. */
  reset(): void {
    this.items.length = 0;
    this.answers.length = 0;
    this.script.length = 0;
    this.duplicates = 0;
    this.rateLimit = undefined;
    this.now = Date.now;
    this.#uuids.clear();
    this.#windows.clear();
  }

  /** The accepted items' data, by uuid. */
  byUuid(): Map<string, Json> {
    return new Map(this.items.map((i) => [String(i.data['uuid']), i.data]));
  }

  count(status: number): number {
    return this.answers.filter((a) => a.status === status).length;
  }

  #answer(res: http.ServerResponse, status: number, body: Json, headers: Record<string, string> = {}, uuid?: string): void {
    const message = typeof body['message'] === 'string' ? body['message'] : undefined;
    this.answers.push({ status, ...(message === undefined ? {} : { message }), ...(uuid === undefined ? {} : { uuid }) });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  }

  #error(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    this.#answer(res, status, { err: 1, message }, headers);
  }

  /** Counts one item against the token's window; the headers Rollbar sends, and whether it is over the limit. */
  #rate(token: string): { headers: Record<string, string>; limited: boolean } {
    const limit = this.rateLimit;
    if (!limit) return { headers: {}, limited: false };
    const now = this.now();
    const windowMs = limit.windowSeconds * 1000;
    let w = this.#windows.get(token);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, used: 0 };
      this.#windows.set(token, w);
    }
    const limited = w.used >= limit.limit;
    if (!limited) w.used++;
    const resetMs = w.start + windowMs;
    return {
      limited,
      headers: {
        'X-Rate-Limit-Limit': String(limit.limit),
        'X-Rate-Limit-Remaining': String(Math.max(0, limit.limit - w.used)),
        'X-Rate-Limit-Reset': String(Math.ceil(resetMs / 1000)),
        'X-Rate-Limit-Remaining-Seconds': String(Math.max(0, Math.ceil((resetMs - now) / 1000))),
      },
    };
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size <= MAX_BODY_BYTES + 1) chunks.push(c as Buffer);
    }
    const path = (req.url ?? '').split('?')[0]!;
    if (path !== '/api/1/item/' && path !== '/api/1/item') return this.#error(res, 404, 'Not Found');
    if (req.method !== 'POST') return this.#error(res, 405, 'Method Not Allowed');
    const next = this.script.shift();
    if (next) {
      this.answers.push({ status: next.status });
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(next.body ?? '{"err":1,"message":"scripted"}');
      return;
    }
    if (size > MAX_BODY_BYTES) return this.#error(res, 413, `Request entity too large: ${size} bytes; the limit is ${MAX_BODY_BYTES}`);
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return this.#error(res, 400, 'Malformed JSON: the body could not be parsed');
    }
    const header = req.headers['x-rollbar-access-token'];
    const token = typeof header === 'string' && header !== '' ? header : isObject(payload) && typeof payload['access_token'] === 'string' ? payload['access_token'] : undefined;
    if (token === undefined) return this.#error(res, 422, 'Invalid format. access_token is missing and it is required.');
    const scopes = this.#tokens.get(token);
    // Rollbar's own words, token included (rollbar-php#421): the relay must scrub it from its logs.
    if (!scopes) return this.#error(res, 403, `access token not found: ${token}`);
    if (!scopes.includes('post_server_item')) return this.#error(res, 403, `insufficient privileges: post_server_item scope is required but the access token only has ${scopes.join(', ') || 'no scopes'}.`);
    const rate = this.#rate(token);
    if (rate.limited) return this.#error(res, 429, 'Rate limit reached for this access token; the item was not processed.', rate.headers);
    const problem = itemProblem(payload);
    if (problem) return this.#error(res, 422, problem, rate.headers);
    const data = (payload as { data: Json }).data;
    const uuid = typeof data['uuid'] === 'string' ? data['uuid'] : `fake-${this.items.length + this.duplicates}`;
    if (this.#uuids.has(uuid)) this.duplicates++;
    else {
      this.#uuids.add(uuid);
      this.items.push({ token, headers: req.headers, data });
    }
    this.#answer(res, 200, { err: 0, result: { id: null, uuid } }, rate.headers, uuid);
  }
}
