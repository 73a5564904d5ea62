import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { decodeRequest } from '../../src/otlp/codec.ts';
import { requestType } from '../../src/otlp/schema.ts';
import type { Signal } from '../../src/otlp/signal.ts';

/**
 * A local Honeycomb ingest API that enforces the real one's rules (docs.honeycomb.io api/auth,
 * api/errors; honeycombio/husky): the OTLP paths, content types and encodings, the team key and
 * the classic-key dataset header, the 20 MiB body cap, valid UTF-8 in every string field. It decodes
 * what it accepts.
 */
export interface Received {
  signal: Signal;
  headers: http.IncomingHttpHeaders;
  /** The decoded Export*ServiceRequest. */
  request: Record<string, unknown>;
  dataset: string;
  /** The body as it arrived, still compressed. */
  wire: Buffer;
}

export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };
const MAX_BODY = 20 * 1024 * 1024;
const CLASSIC_KEY = /^([0-9a-f]{32}|hc[a-z]ic_[0-9a-z]{58})$/;
const ENV_KEY = /^([0-9a-zA-Z]{22}|hc[a-z]ik_[0-9a-z]{58})$/;

/** husky's ErrFailedParseBody as its AsJson writes it: the whole body refused, whatever part was bad. */
export const FAILED_PARSE_BODY = '{"message":"failed to parse OTLP request body"}';

/** Reads a varint at `at`: its value (exact below 2^53, enough for tags and lengths) and where it ends. */
function readVarint(b: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = 0, scale = 1; i < 10; i++, scale *= 128) {
    if (at + i >= b.length) throw new Error(`a varint runs past the end at byte ${at}`);
    const byte = b[at + i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, at + i + 1];
  }
  throw new Error(`a varint longer than 10 bytes at byte ${at}`);
}

/**
 * The path of the first proto3 `string` field of message `t` in `b` that is not valid UTF-8, else
 * undefined: what Go's proto.Unmarshal (husky) refuses. Written from the protobufjs reflection types,
 * apart from the relay's own decoders, so it cannot share their mistakes. Throws on broken wire data.
 */
export function invalidUtf8Field(t: Type, b: Uint8Array, path = t.name): string | undefined {
  for (let i = 0; i < b.length; ) {
    const [key, afterKey] = readVarint(b, i);
    const wire = key % 8;
    const field = t.fieldsById[Math.floor(key / 8)];
    i = afterKey;
    if (wire === 0) i = readVarint(b, i)[1];
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const [len, start] = readVarint(b, i);
      i = start + len;
      if (i > b.length) throw new Error(`a length-delimited field runs past the end at byte ${start}`);
      if (field === undefined) continue; // unknown fields are skipped, as proto.Unmarshal keeps them unread
      const value = b.subarray(start, i);
      if (field.type === 'string') {
        if (!isUtf8(value)) return `${path}.${field.name}`;
        continue;
      }
      const sub = field.resolve().resolvedType;
      // Messages are checked inside; bytes and packed scalars hold no strings.
      if (sub instanceof protobuf.Type) {
        const bad = invalidUtf8Field(sub, value, `${path}.${field.name}`);
        if (bad !== undefined) return bad;
      }
    } else throw new Error(`wire type ${wire} at byte ${i}`);
    if (i > b.length) throw new Error('a fixed-width field runs past the end');
  }
  return undefined;
}

function serviceName(resource: unknown): string {
  const attrs = (resource as { attributes?: Array<{ key?: string; value?: { stringValue?: string } }> } | undefined)?.attributes ?? [];
  const v = attrs.find((a) => a.key === 'service.name')?.value?.stringValue?.trim();
  return v && !v.startsWith('unknown_service') ? v : '';
}

export class FakeHoneycomb {
  readonly received: Received[] = [];
  readonly refused: Array<{ status: number; error: string }> = [];
  /** Answers to give before behaving normally, one per request (for 429 / 5xx / 401 tests). */
  readonly script: Scripted[] = [];
  /** While true, requests get no answer at all (a destination that hangs). */
  hang = false;
  readonly #keys: Set<string>;
  readonly #hanging: http.ServerResponse[] = [];
  #server: http.Server | undefined;

  constructor(validKeys: string[]) {
    this.#keys = new Set(validKeys);
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
    for (const r of this.#hanging) r.destroy();
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }

  /** Ends the hang: answers every request held so far with 503, as a recovering service would. */
  release(): void {
    this.hang = false;
    for (const r of this.#hanging.splice(0)) r.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"recovering"}');
  }

  spans(): Array<Record<string, unknown> & { service: string }> {
    return this.#items('traces', 'resourceSpans', 'scopeSpans', 'spans');
  }

  logRecords(): Array<Record<string, unknown> & { service: string }> {
    return this.#items('logs', 'resourceLogs', 'scopeLogs', 'logRecords');
  }

  #items(signal: Signal, r: string, s: string, i: string): Array<Record<string, unknown> & { service: string }> {
    const out: Array<Record<string, unknown> & { service: string }> = [];
    for (const rec of this.received.filter((x) => x.signal === signal)) {
      for (const res of (rec.request[r] as Array<Record<string, unknown>>) ?? []) {
        const service = serviceName(res['resource']);
        for (const scope of (res[s] as Array<Record<string, unknown>>) ?? []) {
          for (const item of (scope[i] as Array<Record<string, unknown>>) ?? []) out.push({ ...item, service });
        }
      }
    }
    return out;
  }

  #refuse(res: http.ServerResponse, status: number, error: string): void {
    this.refused.push({ status, error });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
  }

  /** 400 with husky's own body (ErrFailedParseBody via AsJson: `message`, not `error`). */
  #unparsable(res: http.ServerResponse, detail: string): void {
    this.refused.push({ status: 400, error: detail });
    res.writeHead(400, { 'content-type': 'application/json' }).end(FAILED_PARSE_BODY);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.hang) {
      this.#hanging.push(res);
      return;
    }
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && path === '/1/auth') return this.#auth(req, res);
    const signal = PATHS[path];
    if (!signal) return this.#refuse(res, 404, `unknown path ${path}`);
    if (req.method !== 'POST') return this.#refuse(res, 405, 'method not allowed');
    const next = this.script.shift();
    if (next) {
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(next.body ?? '{"error":"scripted"}');
      return;
    }
    const key = req.headers['x-honeycomb-team'];
    if (typeof key !== 'string' || key === '') return this.#refuse(res, 401, "missing 'x-honeycomb-team' header");
    if (!CLASSIC_KEY.test(key) && !ENV_KEY.test(key)) return this.#refuse(res, 401, 'invalid API key format');
    if (!this.#keys.has(key)) return this.#refuse(res, 401, 'unknown API key - check your credentials, region, and API URL');
    const classic = CLASSIC_KEY.test(key);
    const datasetHeader = req.headers['x-honeycomb-dataset'];
    if (classic && signal !== 'logs' && !datasetHeader) return this.#refuse(res, 401, "missing 'x-honeycomb-dataset' header");
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!['application/x-protobuf', 'application/protobuf'].includes(ct)) return this.#refuse(res, 415, `unsupported content-type ${ct}`);
    const wire = Buffer.concat(chunks);
    let body = wire;
    const enc = req.headers['content-encoding'] ?? '';
    try {
      if (enc === 'gzip') body = zlib.gunzipSync(body, { maxOutputLength: MAX_BODY + 1 });
      else if (enc === 'zstd') body = zlib.zstdDecompressSync(body, { maxOutputLength: MAX_BODY + 1 });
      else if (enc !== '') return this.#refuse(res, 400, `unsupported content-encoding ${enc}`);
    } catch (err) {
      return this.#refuse(res, err instanceof RangeError ? 413 : 400, 'could not decompress the body');
    }
    if (body.length > MAX_BODY) return this.#refuse(res, 413, 'request body too large');
    // husky answers every body proto.Unmarshal refuses alike; `refused` keeps the detail for the tests.
    let request: Record<string, unknown>;
    try {
      const badString = invalidUtf8Field(requestType(signal), body);
      if (badString !== undefined) return this.#unparsable(res, `invalid UTF-8 in ${badString}`);
      request = decodeRequest(signal, body) as Record<string, unknown>;
    } catch (err) {
      return this.#unparsable(res, `could not parse OTLP protobuf: ${(err as Error).message}`);
    }
    const dataset = classic ? String(datasetHeader) : signal === 'metrics' ? String(datasetHeader ?? 'unknown_metrics') : '';
    this.received.push({ signal, headers: req.headers, request, dataset, wire });
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  }

  #auth(req: http.IncomingMessage, res: http.ServerResponse): void {
    const key = req.headers['x-honeycomb-team'];
    if (typeof key !== 'string' || !this.#keys.has(key)) return this.#refuse(res, 401, 'unknown API key - check your credentials, region, and API URL');
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ type: 'ingest', api_key_access: { events: true, createDatasets: true }, environment: { name: 'test', slug: 'test' }, team: { name: 'Cruddur', slug: 'cruddur' } }),
    );
  }
}
