/**
 * Stand-ins for every destination, in their own process, on 127.0.0.1: Honeycomb (OTLP/HTTP), X-Ray
 * (PutTraceSegments), CloudWatch Logs (PutLogEvents and the calls around it) and Rollbar (the item API).
 * They answer what the
 * real APIs answer on success and count what they receive; `down` closes the Honeycomb port (connection
 * refused), `up` opens it again on the same port. Driven over IPC by bench/run.ts.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { promisify } from 'node:util';

const gunzip = promisify(zlib.gunzip);
const zstdDecompress = promisify(zlib.zstdDecompress);
const inflate = promisify(zlib.inflate);

export interface SinkCounts {
  honeycomb: { requests: number; spans: number; logs: number; bytes: number };
  xray: { requests: number; documents: number };
  cloudwatch: { requests: number; events: number; other: number };
  rollbar: { items: number };
}

export interface SinkPorts {
  honeycomb: number;
  xray: number;
  cloudwatch: number;
  rollbar: number;
}

export type SinkCommand = { cmd: 'counts' } | { cmd: 'down' } | { cmd: 'up' } | { cmd: 'reset' };
export type SinkMessage = { kind: 'ready'; ports: SinkPorts } | { kind: 'counts'; counts: SinkCounts } | { kind: 'ok' };

/** Whether the Honeycomb sink decompresses and counts items (S1 skips it: only the relay's work is measured). */
const COUNT = process.argv.includes('--count');

function varint(b: Uint8Array, p: { i: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const x = b[p.i++]!;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 128;
  }
}

/** Calls `each(start, end)` for every length-delimited field `no` in b[start, end). */
function forEachLen(b: Uint8Array, start: number, end: number, no: number, each: (s: number, e: number) => void): void {
  const p = { i: start };
  while (p.i < end) {
    const tag = varint(b, p);
    const wt = tag & 7;
    if (wt === 0) varint(b, p);
    else if (wt === 1) p.i += 8;
    else if (wt === 5) p.i += 4;
    else if (wt === 2) {
      const len = varint(b, p);
      if (tag >>> 3 === no) each(p.i, p.i + len);
      p.i += len;
    } else throw new Error(`wire type ${wt}`);
  }
}

/** Spans or log records in an Export{Trace,Logs}ServiceRequest: resource (1) → scope (2) → item (2). */
export function countItems(b: Uint8Array): number {
  let n = 0;
  forEachLen(b, 0, b.length, 1, (rs, re) => forEachLen(b, rs, re, 2, (ss, se) => forEachLen(b, ss, se, 2, () => n++)));
  return n;
}

const counts: SinkCounts = {
  honeycomb: { requests: 0, spans: 0, logs: 0, bytes: 0 },
  xray: { requests: 0, documents: 0 },
  cloudwatch: { requests: 0, events: 0, other: 0 },
  rollbar: { items: 0 },
};

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function decompress(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  if (encoding === 'gzip') return gunzip(body);
  if (encoding === 'zstd') return zstdDecompress(body);
  if (encoding === 'deflate') return inflate(body);
  return body;
}

async function honeycomb(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readAll(req);
  counts.honeycomb.requests++;
  counts.honeycomb.bytes += body.length;
  const signal = req.url === '/v1/traces' ? 'traces' : req.url === '/v1/logs' ? 'logs' : undefined;
  if (req.method !== 'POST' || !signal) {
    res.writeHead(404).end();
    return;
  }
  if (COUNT) {
    const raw = await decompress(body, req.headers['content-encoding']);
    const n = countItems(raw);
    if (signal === 'traces') counts.honeycomb.spans += n;
    else counts.honeycomb.logs += n;
  }
  // An empty Export*ServiceResponse: no partial_success.
  res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
}

async function xray(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await decompress(await readAll(req), req.headers['content-encoding']);
  counts.xray.requests++;
  if (req.method !== 'POST' || req.url !== '/TraceSegments') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
    return;
  }
  const input = JSON.parse(body.toString('utf8')) as { TraceSegmentDocuments?: unknown[] };
  counts.xray.documents += input.TraceSegmentDocuments?.length ?? 0;
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"UnprocessedTraceSegments":[]}');
}

async function cloudwatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await decompress(await readAll(req), req.headers['content-encoding']);
  counts.cloudwatch.requests++;
  const target = String(req.headers['x-amz-target'] ?? '');
  res.setHeader('content-type', 'application/x-amz-json-1.1');
  if (target === 'Logs_20140328.PutLogEvents') {
    const input = JSON.parse(body.toString('utf8')) as { logEvents?: unknown[] };
    counts.cloudwatch.events += input.logEvents?.length ?? 0;
    res.writeHead(200).end('{"nextSequenceToken":"49590000000000000000000000000000000000000000000000000000"}');
    return;
  }
  counts.cloudwatch.other++; // CreateLogGroup, CreateLogStream, PutRetentionPolicy: they succeed
  res.writeHead(200).end('{}');
}

async function rollbar(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  await readAll(req);
  counts.rollbar.items++;
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"err":0,"result":{"id":null,"uuid":"00000000-0000-4000-8000-000000000000"}}');
}

function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): http.Server {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  return server;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

let hcServer = serve(honeycomb);
const hcSockets = new Set<Socket>();
const track = (s: http.Server) => s.on('connection', (sock: Socket) => {
  hcSockets.add(sock);
  sock.on('close', () => hcSockets.delete(sock));
});
track(hcServer);
const hcPort = await listen(hcServer, 0);
const xrayPort = await listen(serve(xray), 0);
const cwPort = await listen(serve(cloudwatch), 0);
const rollbarPort = await listen(serve(rollbar), 0);

const send = (m: SinkMessage) => process.send?.(m);

process.on('message', (m: SinkCommand) => {
  switch (m.cmd) {
    case 'counts':
      send({ kind: 'counts', counts: structuredClone(counts) });
      return;
    case 'reset':
      counts.honeycomb = { requests: 0, spans: 0, logs: 0, bytes: 0 };
      counts.xray = { requests: 0, documents: 0 };
      counts.cloudwatch = { requests: 0, events: 0, other: 0 };
      counts.rollbar = { items: 0 };
      send({ kind: 'ok' });
      return;
    case 'down': {
      // Connection refused from now on, and open connections cut: the destination is gone.
      const old = hcServer;
      old.close();
      for (const s of hcSockets) s.destroy();
      send({ kind: 'ok' });
      return;
    }
    case 'up':
      hcServer = serve(honeycomb);
      track(hcServer);
      void listen(hcServer, hcPort).then(() => send({ kind: 'ok' }));
      return;
  }
});
process.on('disconnect', () => process.exit(0));
send({ kind: 'ready', ports: { honeycomb: hcPort, xray: xrayPort, cloudwatch: cwPort, rollbar: rollbarPort } });
