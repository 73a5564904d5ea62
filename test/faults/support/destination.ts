import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { decodeRequest } from '../../../src/otlp/codec.ts';
import type { Signal } from '../../../src/otlp/signal.ts';

/** What the destination does with one request. */
export type Fault =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Never answers (until release() or stop()). */
  | { kind: 'hang' }
  /** Reads part of the body, then destroys the connection. */
  | { kind: 'reset' }
  /** Answers 200 after a delay. */
  | { kind: 'slow'; ms: number };

export interface Attempt {
  at: number;
  signal: Signal;
  bytes: number;
  fault: Fault['kind'];
  status: number | undefined;
}

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs' };

/**
 * An OTLP/HTTP destination (Honeycomb's paths and gzip) that misbehaves on demand, and an exact
 * ledger of what it accepted: how many times each span id and each log record (by body) arrived.
 */
export class FaultyDestination {
  /** Faults for the next requests, one each, before `mode` applies. */
  readonly script: Fault[] = [];
  /** What every request gets once the script is used up. */
  mode: Fault = { kind: 'ok' };
  /** Larger bodies (after decompression) get 413. */
  maxBody = Infinity;
  readonly attempts: Attempt[] = [];
  readonly spans = new Map<string, number>();
  readonly logs = new Map<string, number>();
  readonly #hanging = new Set<http.ServerResponse>();
  readonly #sockets = new Set<Socket>();
  #server: http.Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get delivered(): number {
    let n = 0;
    for (const c of this.spans.values()) n += c;
    for (const c of this.logs.values()) n += c;
    return n;
  }

  /** Deliveries beyond the first of each item. */
  get duplicates(): number {
    let n = 0;
    for (const c of this.spans.values()) n += c - 1;
    for (const c of this.logs.values()) n += c - 1;
    return n;
  }

  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and cuts every connection: the relay's sends get ECONNREFUSED until start(port) again. */
  async refuse(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const r of this.#hanging) r.destroy();
    this.#hanging.clear();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }

  /** Listens again on the same port. */
  accept(): Promise<this> {
    return this.start(this.#port);
  }

  stop(): Promise<void> {
    return this.refuse();
  }

  /** Ends a hang: the held requests get 503 (a recovering service), later ones `mode`. */
  release(): void {
    for (const r of this.#hanging) r.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"recovering"}');
    this.#hanging.clear();
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const signal = PATHS[(req.url ?? '').split('?')[0]!];
    const fault = this.script.shift() ?? this.mode;
    const attempt: Attempt = { at: Date.now(), signal: signal ?? 'traces', bytes: 0, fault: fault.kind, status: undefined };
    this.attempts.push(attempt);
    if (fault.kind === 'reset') {
      req.once('data', () => req.socket.destroy());
      req.once('end', () => req.socket.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return; // the relay gave up on this request (its timeout): nothing was delivered
    }
    const answer = (status: number, headers: Record<string, string> = {}, body = '') => {
      attempt.status = status;
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
    };
    if (!signal) return answer(404, {}, '{"error":"unknown path"}');
    if (fault.kind === 'hang') {
      this.#hanging.add(res);
      res.on('close', () => this.#hanging.delete(res));
      return;
    }
    if (fault.kind === 'status') return answer(fault.status, fault.headers, fault.body ?? JSON.stringify({ error: `scripted ${fault.status}` }));
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
    attempt.bytes = body.byteLength;
    if (body.byteLength > this.maxBody) return answer(413, {}, '{"error":"request body too large"}');
    if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (res.destroyed) return; // the relay timed out first: it will retry, so this copy does not count
    this.#record(signal, body);
    answer(200);
  }

  #record(signal: Signal, body: Buffer): void {
    const req = decodeRequest(signal, body) as Record<string, unknown>;
    const [outer, mid, inner, ledger] =
      signal === 'traces' ? (['resourceSpans', 'scopeSpans', 'spans', this.spans] as const) : (['resourceLogs', 'scopeLogs', 'logRecords', this.logs] as const);
    for (const r of (req[outer] as Array<Record<string, unknown>>) ?? []) {
      for (const s of (r[mid] as Array<Record<string, unknown>>) ?? []) {
        for (const item of (s[inner] as Array<Record<string, unknown>>) ?? []) {
          const id = signal === 'traces' ? Buffer.from(item['spanId'] as Uint8Array).toString('hex') : String((item['body'] as { stringValue?: string } | undefined)?.stringValue);
          ledger.set(id, (ledger.get(id) ?? 0) + 1);
        }
      }
    }
  }
}
