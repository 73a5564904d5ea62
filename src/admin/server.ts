/**
 * The admin endpoint: /metrics (Prometheus text), /healthz, /readyz, the status page at / and the JSON
 * and server-sent events it reads. One port, loopback or not as configured; every JSON body passes
 * through the logger's secret scrubber, so no configured secret can leave through it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import { scrub } from '../log.ts';
import { parseHostPort } from '../receivers/otlp/endpoint.ts';
import type { Stats } from '../telemetry/stats.ts';
import { PAGE_CSS } from './page/css.ts';
import { PAGE_HTML } from './page/html.ts';
import { PAGE_JS } from './page/js.ts';
import type { RecentData } from './recent.ts';
import type { Readiness, RelayStatus } from './status.ts';

/** What the admin endpoint reads; the Relay provides it (and may swap what is behind it on reload). */
export interface AdminSource {
  readonly stats: Stats;
  readonly recent: RecentData;
  status(): RelayStatus;
  readiness(): Readiness;
}

const MAX_EVENT_CLIENTS = 32;
const EVENT_CHECK_MS = 500; // how often open pages are told that something changed
const HEARTBEAT_MS = 15_000; // keeps proxies from closing an idle event stream

// The page's own files only: nothing from another origin can load, run or be contacted.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TRACE_ID = /^[0-9a-f]{32}$/;

export class AdminServer {
  readonly #endpoint: string;
  readonly #source: AdminSource;
  readonly #log: Logger;
  readonly #clients = new Set<http.ServerResponse>();
  #server: http.Server | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #lastVersion = '';
  #lastBeat = 0;

  constructor(endpoint: string, source: AdminSource, log: Logger) {
    this.#endpoint = endpoint;
    this.#source = source;
    this.#log = log.child({ component: 'admin' });
  }

  get endpoint(): string {
    return this.#endpoint;
  }

  get address(): AddressInfo | undefined {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  async start(): Promise<void> {
    const { host, port } = parseHostPort(this.#endpoint);
    const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
      try {
        this.#serve(req, res);
      } catch (err) {
        this.#log.error({ err }, 'admin endpoint: internal error');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  async shutdown(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = undefined;
    for (const c of this.#clients) c.end();
    this.#clients.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('the admin endpoint is read-only: GET only\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const service = url.searchParams.get('service') || undefined;
    if (path.startsWith('/api/')) this.#source.recent.watched();
    switch (path) {
      case '/':
      case '/index.html':
        return this.#text(res, 200, 'text/html; charset=utf-8', PAGE_HTML, { 'content-security-policy': CSP });
      case '/app.js':
        return this.#text(res, 200, 'text/javascript; charset=utf-8', PAGE_JS);
      case '/app.css':
        return this.#text(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
      case '/favicon.ico':
        res.writeHead(204).end();
        return;
      case '/healthz':
        return this.#json(res, 200, { status: 'ok' });
      case '/readyz': {
        const r = this.#source.readiness();
        return this.#json(res, r.ready ? 200 : 503, r);
      }
      case '/metrics':
        void this.#metrics(res);
        return;
      case '/api/status':
        return this.#json(res, 200, this.#source.status());
      case '/api/recent': {
        const recent = this.#source.recent;
        return this.#json(res, 200, {
          seq: recent.seq,
          services: recent.services(),
          traces: recent.traces(service),
          errors: recent.errors(service),
          logs: recent.logs(service),
        });
      }
      case '/api/events':
        return this.#events(req, res);
    }
    const m = /^\/api\/traces\/([0-9a-f]+)$/.exec(path);
    if (m && TRACE_ID.test(m[1]!)) {
      const t = this.#source.recent.trace(m[1]!);
      return t ? this.#json(res, 200, t) : this.#json(res, 404, { error: 'trace not in the recent sample (it may have been evicted)' });
    }
    this.#text(res, 404, 'text/plain; charset=utf-8', `not found: ${path}\nthe admin endpoint serves /, /metrics, /healthz, /readyz and /api/*\n`);
  }

  async #metrics(res: http.ServerResponse): Promise<void> {
    try {
      const text = await this.#source.stats.metrics();
      this.#text(res, 200, this.#source.stats.contentType, text);
    } catch (err) {
      this.#log.error({ err }, 'admin endpoint: could not render /metrics');
      this.#text(res, 500, 'text/plain', 'could not render the metrics\n');
    }
  }

  #text(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    const clean = scrub(body);
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(clean), ...headers });
    res.end(res.req.method === 'HEAD' ? undefined : clean);
  }

  #json(res: http.ServerResponse, status: number, value: unknown): void {
    this.#text(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  }

  /** Server-sent events: a `change` event whenever the recent data or the exporters' state moves. */
  #events(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.#clients.size >= MAX_EVENT_CLIENTS) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('too many open status pages\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: change\ndata: ${JSON.stringify({ version: this.#version() })}\n\n`);
    this.#clients.add(res);
    req.on('close', () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0 && this.#ticker) {
        clearInterval(this.#ticker);
        this.#ticker = undefined;
      }
    });
    if (!this.#ticker) {
      this.#ticker = setInterval(() => this.#tick(), EVENT_CHECK_MS);
      this.#ticker.unref();
    }
  }

  #tick(): void {
    const version = this.#version();
    const now = Date.now();
    if (version !== this.#lastVersion) {
      this.#lastVersion = version;
      this.#lastBeat = now;
      for (const c of this.#clients) c.write(`event: change\ndata: ${JSON.stringify({ version })}\n\n`);
    } else if (now - this.#lastBeat >= HEARTBEAT_MS) {
      this.#lastBeat = now;
      for (const c of this.#clients) c.write(': heartbeat\n\n');
    }
  }

  /** A fingerprint of what the page shows: the ring's sequence and each exporter's visible state. */
  #version(): string {
    const s = this.#source.status();
    const exporters = s.exporters.map((e) => `${e.name}:${e.state}:${e.lastError?.at ?? ''}:${e.queueBytes}:${e.sent}:${e.failed}:${e.dropped}`).join('|');
    return `${this.#source.recent.seq}/${exporters}/${s.lastReload?.at ?? ''}`;
  }
}
