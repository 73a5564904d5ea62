import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Signal } from '../../otlp/signal.ts';
import type { Outcome } from '../../pipeline/outcome.ts';
import type { BatchParts, ExportClient } from '../../pipeline/types.ts';
import { classify } from './classify.ts';

const gzip = promisify(zlib.gzip);

/**
 * gzip level 1 keeps most of gzip's gain for a fraction of its CPU. The output buffer is sized for the
 * whole result (OTLP protobuf compresses to ~15 % at level 1): zlib's default 16 KiB chunks cost one
 * libuv pool round trip and one Buffer each, which measured 30 % more CPU per batch and made the V8 GC
 * run more often (it is driven by the ArrayBuffer bytes allocated; docs/PERFORMANCE.md).
 */
export function gzipOptions(inputBytes: number): zlib.ZlibOptions {
  return { level: 1, chunkSize: Math.min(8 * 1024 * 1024, Math.max(64 * 1024, Math.ceil(inputBytes / 4))) };
}

export interface HoneycombClientOptions {
  apiKey: string;
  /** Base URL; the signal path is appended. */
  endpoint: string;
  dataset?: string;
  headers?: Record<string, string>;
  userAgent: string;
  compression: 'gzip' | 'none';
}

const PATH: Record<Signal, string> = { traces: '/v1/traces', logs: '/v1/logs', metrics: '/v1/metrics' };

/** Honeycomb answers with a few hundred bytes; more than this is not read (a misconfigured endpoint could stream anything). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * OTLP/HTTP protobuf to Honeycomb (https://docs.honeycomb.io/send-data/opentelemetry/): the bytes pass
 * through unchanged. Node's own HTTP client: undici alone added ~14 MB of RSS to a sidecar that
 * makes a few requests a second (docs/PERFORMANCE.md).
 */
export class HoneycombClient implements ExportClient {
  readonly reusesGzip: boolean;
  readonly #o: HoneycombClientOptions;
  readonly #agent: http.Agent;
  readonly #base: string;
  readonly #request: typeof http.request;

  constructor(o: HoneycombClientOptions) {
    this.#o = o;
    this.reusesGzip = o.compression === 'gzip';
    this.#base = o.endpoint.replace(/\/+$/, '');
    const tls = this.#base.startsWith('https:');
    const agentOptions = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 16, timeout: 60_000 };
    this.#agent = tls ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.#request = tls ? https.request : http.request;
  }

  headersFor(): Record<string, string> {
    const h: Record<string, string> = {
      ...this.#o.headers,
      'content-type': 'application/x-protobuf',
      'user-agent': this.#o.userAgent,
      'x-honeycomb-team': this.#o.apiKey,
    };
    if (this.#o.compression === 'gzip') h['content-encoding'] = 'gzip';
    // Classic keys need it for traces and metrics; environment keys use it for logs and metrics.
    if (this.#o.dataset) h['x-honeycomb-dataset'] = this.#o.dataset;
    return h;
  }

  async send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal, parts?: BatchParts): Promise<Outcome> {
    const body = this.#o.compression !== 'gzip' ? bytes : parts ? await gzipMembers(parts) : await gzip(bytes, gzipOptions(bytes.byteLength));
    const res = await this.#post(this.#base + PATH[signal], body, abort);
    return classify(res.status, res.headers, res.body, items, signal);
  }

  #post(url: string, body: Uint8Array, abort: AbortSignal): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Uint8Array }> {
    return new Promise((resolve, reject) => {
      const headers = { ...this.headersFor(), 'content-length': String(body.byteLength) };
      const req = this.#request(url, { method: 'POST', headers, agent: this.#agent, signal: abort }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.#agent.destroy();
  }
}

/**
 * The batch as one gzip stream of members: the senders' own gzip where kept, the other runs of parts
 * compressed here. Concatenated members are one valid gzip stream (RFC 1952 §2.2); Honeycomb reads
 * bodies with Go's gzip.Reader, which reads multistream by default. Saves ~2.5 µs of CPU per span.
 */
export async function gzipMembers(b: BatchParts): Promise<Buffer> {
  const members: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  const flush = async () => {
    if (run.length === 0) return;
    const raw = run.length === 1 ? run[0]! : Buffer.concat(run);
    run = [];
    members.push(await gzip(raw, gzipOptions(raw.byteLength)));
  };
  for (let i = 0; i < b.parts.length; i++) {
    const kept = b.gzip[i];
    if (kept) {
      await flush();
      members.push(kept);
    } else run.push(b.parts[i]!);
  }
  await flush();
  return members.length === 1 ? Buffer.from(members[0]!.buffer, members[0]!.byteOffset, members[0]!.byteLength) : Buffer.concat(members);
}
