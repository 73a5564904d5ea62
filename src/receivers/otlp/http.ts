import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log.ts';
import { OnceLogger } from '../../log.ts';
import { encodeResponse, encodeStatus } from '../../otlp/codec.ts';
import type { Signal } from '../../otlp/signal.ts';
import type { Stats } from '../../telemetry/stats.ts';
import { BodyError, readBody, type Body } from './body.ts';
import { Cors, type CorsSettings } from './cors.ts';
import type { ExportHandler, ExportResult, Format } from './handler.ts';
import { parseHostPort } from './endpoint.ts';

export interface HttpReceiverSettings {
  endpoint: string;
  maxRequestBodyBytes: number;
  pathPrefix: string;
  cors?: CorsSettings;
  readHeaderTimeoutMs: number;
  readTimeoutMs: number;
}

// https://github.com/open-telemetry/opentelemetry-proto/blob/main/docs/specification.md#otlphttp-request
const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

// google.rpc.Code values used in Status bodies: https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto
const CODE = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

function formatOf(contentType: string | undefined): Format | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  return undefined;
}

const CONTENT_TYPE: Record<Format, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** OTLP/HTTP receiver: POST /v1/{traces,logs,metrics}, protobuf and JSON, compressed bodies, CORS. */
export class OtlpHttpReceiver {
  readonly #s: HttpReceiverSettings;
  readonly #handler: ExportHandler;
  readonly #log: Logger;
  readonly #once: OnceLogger;
  readonly #stats: Stats;
  readonly #cors: Cors | undefined;
  readonly #routes = new Map<string, Signal>();
  #server: http.Server | undefined;
  #stopping = false;

  constructor(s: HttpReceiverSettings, handler: ExportHandler, log: Logger, stats: Stats) {
    this.#s = s;
    this.#handler = handler;
    this.#log = log.child({ receiver: 'otlp/http' });
    this.#once = new OnceLogger(this.#log);
    this.#stats = stats;
    this.#cors = s.cors && s.cors.allowedOrigins.length > 0 ? new Cors(s.cors) : undefined;
    for (const [p, signal] of Object.entries(PATHS)) {
      this.#routes.set(p, signal);
      if (s.pathPrefix) this.#routes.set(s.pathPrefix.replace(/\/$/, '') + p, signal);
    }
  }

  get address(): AddressInfo | undefined {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  async start(): Promise<void> {
    const { host, port } = parseHostPort(this.#s.endpoint);
    // The headers are part of the request: Node refuses headersTimeout > requestTimeout (it throws), so
    // read_timeout: 5s with the default read_header_timeout (10s) must cap the header wait, not crash.
    const headersTimeout = Math.min(this.#s.readHeaderTimeoutMs, this.#s.readTimeoutMs);
    const server = http.createServer(
      {
        headersTimeout,
        requestTimeout: this.#s.readTimeoutMs,
        keepAliveTimeout: 65_000, // longer than SDK agents' idle timeouts, so they never reuse a closing socket
        maxHeaderSize: 32 * 1024,
        connectionsCheckingInterval: Math.min(1000, headersTimeout), // Node checks the timeouts above only this often (default 30 s)
      },
      (req, res) => void this.#serve(req, res),
    );
    server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket) => {
      const raw = err.rawPacket?.subarray(0, 24).toString('latin1') ?? '';
      if (raw.startsWith('PRI * HTTP/2.0')) {
        this.#once.warn('h2-on-http', {}, `a gRPC (HTTP/2) client connected to the OTLP/HTTP port ${port}: use the gRPC port (4317) for OTEL_EXPORTER_OTLP_PROTOCOL=grpc, or set http/protobuf`);
      }
      if (socket.writable) socket.end(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const addr = this.address;
    this.#log.info({ endpoint: `${addr?.address}:${addr?.port}` }, 'OTLP/HTTP receiver listening');
  }

  async shutdown(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#stopping = true; // responses from now on close their connection (see #head)
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.#stopping) res.setHeader('Connection', 'close');
    const path = (req.url ?? '/').split('?')[0]!;
    const signal = this.#routes.get(path);
    this.#cors?.apply(req, res);
    const format = formatOf(req.headers['content-type']) ?? 'json';
    if (signal === undefined) return this.#notFound(req, res, path, format);
    if (req.method === 'OPTIONS' && this.#cors) return this.#cors.preflight(req, res);
    if (req.method !== 'POST') {
      res.setHeader('Allow', this.#cors ? 'POST, OPTIONS' : 'POST');
      return this.#fail(res, 405, CODE.UNIMPLEMENTED, `method ${req.method} is not allowed on ${path}: OTLP/HTTP takes POST`, format);
    }
    const requestFormat = formatOf(req.headers['content-type']);
    if (!requestFormat) {
      this.#count(signal, 'unsupported_media_type');
      return this.#fail(res, 415, CODE.INVALID_ARGUMENT, `unsupported Content-Type "${req.headers['content-type'] ?? ''}": send application/x-protobuf or application/json`, 'json');
    }
    const declared = Number(req.headers['content-length']);
    const early = this.#handler.refuseEarly(signal, 'otlp/http', Number.isFinite(declared) && declared > 0 ? declared : 1);
    if (early) {
      req.resume(); // the body is discarded unread (no inflate, no garbage); the connection stays usable
      return this.#answer(res, signal, early, requestFormat, req);
    }
    let body: Body;
    try {
      body = await readBody(req, this.#s.maxRequestBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      this.#count(signal, err.status === 413 ? 'too_large' : 'bad_body');
      // The rest of the body is never read (over the limit, or the decompressor failed mid-stream): close the
      // connection, or the next request on it would wait behind the unread bytes until read_timeout (408).
      res.setHeader('Connection', 'close');
      return this.#fail(res, err.status, err.status === 413 ? CODE.RESOURCE_EXHAUSTED : CODE.INVALID_ARGUMENT, err.message, requestFormat);
    }
    let result;
    try {
      result = await this.#handler.accept(signal, body.bytes, requestFormat, 'otlp/http', body.gzip);
    } catch (err) {
      this.#log.error({ err }, 'internal error while handling an export request');
      return this.#fail(res, 500, CODE.INTERNAL, 'internal error in the relay', requestFormat);
    }
    this.#answer(res, signal, result, requestFormat, req);
  }

  #answer(res: http.ServerResponse, signal: Signal, result: ExportResult, requestFormat: Format, req: http.IncomingMessage): void {
    switch (result.kind) {
      case 'ok':
        this.#head(res, 200, requestFormat);
        res.end(encodeResponse(signal, result.partial, requestFormat));
        return;
      case 'invalid':
        this.#once.warn(`invalid:${req.headers['user-agent'] ?? ''}`, { userAgent: req.headers['user-agent'], signal }, `refused an invalid ${signal} request (said once per client): ${result.message}`);
        return this.#fail(res, 400, CODE.INVALID_ARGUMENT, result.message, requestFormat);
      case 'unavailable':
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
        return this.#fail(res, result.status ?? 429, CODE.UNAVAILABLE, result.message, requestFormat, result.retryAfterMs);
    }
  }

  #count(signal: Signal, reason: string): void {
    this.#stats.inc('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', signal, reason });
  }

  #notFound(req: http.IncomingMessage, res: http.ServerResponse, path: string, format: Format): void {
    req.resume(); // drain whatever body was sent, so the connection can be reused
    const served = [...this.#routes.keys()].join(', ');
    let hint = '';
    if (/\/v1\/(traces|logs|metrics)\/.*v1\/(traces|logs|metrics)/.test(path)) {
      hint = ' The path is doubled: OTEL_EXPORTER_OTLP_ENDPOINT is a base URL (SDKs append /v1/traces); set it to http://<relay>:4318 without a path.';
    } else if (path === '/' || path === '') {
      hint = ' A signal-specific variable such as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given: include the path (http://<relay>:4318/v1/traces), or set OTEL_EXPORTER_OTLP_ENDPOINT instead.';
    }
    const message = `${req.method} ${path} is not served. The relay serves POST ${served}.${hint}`;
    this.#once.warn(`404:${path}`, { path, userAgent: req.headers['user-agent'] }, `${message} (said once per path)`);
    this.#stats.inc('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', signal: 'unknown', reason: 'not_found' });
    this.#fail(res, 404, CODE.NOT_FOUND, message, format);
  }

  /**
   * server.close() only closes the connections idle at that moment: one whose request was in flight
   * would then idle in keep-alive for keepAliveTimeout (65 s) and hold up shutdown. Close it instead.
   */
  #head(res: http.ServerResponse, status: number, format: Format): void {
    if (this.#stopping) res.setHeader('Connection', 'close');
    res.writeHead(status, { 'Content-Type': CONTENT_TYPE[format] });
  }

  #fail(res: http.ServerResponse, status: number, code: number, message: string, format: Format, retryAfterMs?: number): void {
    if (res.headersSent) return;
    this.#head(res, status, format);
    res.end(encodeStatus(code, message, format, retryAfterMs));
  }
}
