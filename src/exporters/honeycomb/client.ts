import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Agent, request } from 'undici';
import type { Signal } from '../../otlp/signal.ts';
import type { Outcome } from '../../pipeline/outcome.ts';
import type { ExportClient } from '../../pipeline/types.ts';
import { classify } from './classify.ts';

const gzip = promisify(zlib.gzip);

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

/** OTLP/HTTP protobuf to Honeycomb (https://docs.honeycomb.io/send-data/opentelemetry/): the bytes pass through unchanged. */
export class HoneycombClient implements ExportClient {
  readonly #o: HoneycombClientOptions;
  readonly #agent: Agent;
  readonly #base: string;

  constructor(o: HoneycombClientOptions) {
    this.#o = o;
    this.#base = o.endpoint.replace(/\/+$/, '');
    this.#agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });
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

  async send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal): Promise<Outcome> {
    const body = this.#o.compression === 'gzip' ? await gzip(bytes, { level: 1 }) : bytes; // level 1: most of gzip's gain for a fraction of its CPU
    const res = await request(this.#base + PATH[signal], { method: 'POST', headers: this.headersFor(), body, signal: abort, dispatcher: this.#agent });
    const answer = new Uint8Array(await res.body.arrayBuffer());
    return classify(res.statusCode, res.headers, answer, items, signal);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
