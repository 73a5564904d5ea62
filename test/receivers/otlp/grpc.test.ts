import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { encodeRequest, type ExportRequestInput } from '../../../src/otlp/codec.ts';
import { GRPC_EXPORT_PATH, responseType } from '../../../src/otlp/schema.ts';
import type { Signal } from '../../../src/otlp/signal.ts';
import { startRelay, waitFor, type TestRelay } from '../../support/relay.ts';

const MAX_RECV = 64 * 1024; // max_recv_msg_size below

const CONFIG = `
receivers:
  otlp:
    grpc: { endpoint: "127.0.0.1:0", max_recv_msg_size: 64KiB }
exporters:
  debug:
    type: debug
    verbosity: detailed
    batch: { timeout: 5ms }
routes:
  - { signals: [traces, logs, metrics], to: [debug] }
`;

const identity = (b: Buffer): Buffer => b;

interface CallResult {
  error: grpc.ServiceError | null;
  response: Buffer | undefined;
}

/** One unary Export call with raw bytes, as an OTLP exporter makes it. */
function exportCall(client: grpc.Client, signal: Signal, body: Uint8Array): Promise<CallResult> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(GRPC_EXPORT_PATH[signal], identity, identity, Buffer.from(body), { deadline: Date.now() + 5000 }, (error, response) =>
      resolve({ error: error ?? null, response }),
    );
  });
}

interface SpanInput {
  traceId: Uint8Array;
  spanId: Uint8Array;
  name: string;
  attributes?: Array<{ key: string; value: { stringValue: string } }>;
}

function span(name: string, ids: { traceId?: Uint8Array; spanId?: Uint8Array } = {}): SpanInput {
  return { traceId: ids.traceId ?? randomBytes(16), spanId: ids.spanId ?? randomBytes(8), name };
}

function tracesRequest(spans: SpanInput[]): ExportRequestInput<'traces'> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-receiver-test' } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans: spans.map((s) => ({ ...s, kind: 2, startTimeUnixNano: 1700000000000000000n, endTimeUnixNano: 1700000000001000000n })) }],
      },
    ],
  };
}

const protobufTraces = (...spans: SpanInput[]) => encodeRequest('traces', tracesRequest(spans));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function decodeResponse(signal: Signal, bytes: Buffer | undefined): Record<string, unknown> {
  assert.ok(bytes, 'a response message');
  const t = responseType(signal);
  return t.toObject(t.decode(bytes), { longs: Number }) as Record<string, unknown>;
}

/** A gRPC call over a bare HTTP/2 stream, to control the message framing and compression exactly. */
function rawCall(port: number, path: string, message: Buffer, compressed: boolean): Promise<{ status: number; message: string; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', 'grpc-accept-encoding': 'identity' };
    if (compressed) headers['grpc-encoding'] = 'gzip';
    const req = session.request(headers);
    const prefix = Buffer.alloc(5);
    prefix[0] = compressed ? 1 : 0;
    prefix.writeUInt32BE(message.length, 1);
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let statusMessage = '';
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) {
        status = Number(h['grpc-status']);
        statusMessage = decodeURIComponent(String(h['grpc-message'] ?? ''));
      }
    };
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      if (status === undefined) reject(new Error('no grpc-status'));
      else resolve({ status, message: statusMessage, data: Buffer.concat(chunks) });
    });
    req.end(Buffer.concat([prefix, message]));
  });
}

describe('OTLP/gRPC receiver', () => {
  let r: TestRelay;
  let client: grpc.Client;
  let gzipClient: grpc.Client;
  let port = 0;
  let debugOut = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      debugOut += chunk.toString();
      cb();
    },
  });

  const accepted = (signal: Signal = 'traces') => r.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'otlp/grpc', signal });
  const refusedInvalid = () => r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/grpc', signal: 'traces', reason: 'invalid' });
  const waitDelivered = (...spans: SpanInput[]) =>
    waitFor(() => spans.every((s) => debugOut.includes(`span "${s.name}" trace=${hex(s.traceId)} span=${hex(s.spanId)}`)), 5000, `${spans.map((s) => s.name).join(', ')} at the debug exporter`);

  /** A valid request is still accepted and delivered after whatever came before. */
  async function assertStillServes(c: grpc.Client = client): Promise<void> {
    const s = span(`alive-${randomBytes(4).toString('hex')}`);
    const before = accepted();
    const { error, response } = await exportCall(c, 'traces', protobufTraces(s));
    assert.equal(error, null);
    assert.deepEqual(decodeResponse('traces', response), {});
    assert.equal(accepted(), before + 1);
    await waitDelivered(s);
  }

  before(async () => {
    r = await startRelay(CONFIG, {}, { stdout: sink });
    port = r.relay.grpcReceiver?.port ?? 0;
    assert.ok(port > 0);
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    gzipClient = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  });
  after(async () => {
    client?.close();
    gzipClient?.close();
    await r?.stop();
  });

  test('valid traces: OK with an empty ExportTraceServiceResponse; spans delivered', async () => {
    const spans = [span('grpc-one'), span('grpc-two')];
    const before = accepted();
    const { error, response } = await exportCall(client, 'traces', protobufTraces(...spans));
    assert.equal(error, null);
    assert.equal(response?.length, 0);
    assert.deepEqual(decodeResponse('traces', response), {});
    assert.equal(accepted(), before + 2);
    await waitDelivered(...spans);
  });

  test('some spans with invalid ids: OK with partial_success; the valid ones delivered', async () => {
    const good = span('grpc-partial-good');
    const bad = span('grpc-partial-bad', { spanId: new Uint8Array(8) });
    const before = accepted();
    const { error, response } = await exportCall(client, 'traces', protobufTraces(good, bad));
    assert.equal(error, null);
    assert.deepEqual(decodeResponse('traces', response), {
      partialSuccess: { rejectedSpans: 1, errorMessage: '1 spans rejected: resourceSpans[0].scopeSpans[0].spans[1]: span_id is all zeros' },
    });
    assert.equal(accepted(), before + 1);
    assert.equal(r.stats.get('otlp_relay_receiver_refused_items_total', { receiver: 'otlp/grpc', signal: 'traces', reason: 'invalid' }), 1);
    await waitDelivered(good);
    assert.ok(!debugOut.includes(bad.name));
  });

  test('logs and metrics services answer too', async () => {
    const logs = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: 1700000000000000000n, severityNumber: 9, body: { stringValue: 'grpc log line' } }] }] }] });
    const beforeLogs = accepted('logs');
    const l = await exportCall(client, 'logs', logs);
    assert.equal(l.error, null);
    assert.deepEqual(decodeResponse('logs', l.response), {});
    assert.equal(accepted('logs'), beforeLogs + 1);
    await waitFor(() => debugOut.includes('"grpc log line"'), 5000, 'the log record at the debug exporter');

    const metrics = encodeRequest('metrics', {
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'grpc_requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: 1700000000000000000n, asInt: 7n }] } }] }] }],
    });
    const beforeMetrics = accepted('metrics');
    const m = await exportCall(client, 'metrics', metrics);
    assert.equal(m.error, null);
    assert.deepEqual(decodeResponse('metrics', m.response), {});
    assert.equal(accepted('metrics'), beforeMetrics + 1);
    await waitFor(() => debugOut.includes('metric grpc_requests: 1 points'), 5000, 'the metric at the debug exporter');

    const badMetric = encodeRequest('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: '', gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } }] }] }] });
    const partial = await exportCall(client, 'metrics', badMetric);
    assert.equal(partial.error, null);
    assert.deepEqual(decodeResponse('metrics', partial.response), {
      partialSuccess: { rejectedDataPoints: 2, errorMessage: '2 data points rejected: resourceMetrics[0].scopeMetrics[0].metrics[0]: metric has an empty name (2 data points)' },
    });
  });

  test('truncated protobuf: INVALID_ARGUMENT naming the problem, logged once per client', async () => {
    const before = refusedInvalid();
    const full = protobufTraces(span('grpc-truncated'));
    for (let i = 0; i < 2; i++) {
      const { error } = await exportCall(client, 'traces', full.subarray(0, full.length - 4));
      assert.ok(error);
      assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
      assert.match(error.details, /^invalid protobuf: truncated .*ExportTraceServiceRequest\.resource_spans \(field 1\) declares \d+ bytes, \d+ left/);
    }
    assert.equal(refusedInvalid(), before + 2);
    const said = r.logs.lines().filter((l) => l['receiver'] === 'otlp/grpc' && String(l['msg']).startsWith('refused an invalid traces request'));
    assert.equal(said.length, 1, 'said once per client, not per request');
    assert.equal(said[0]!['peer'], '127.0.0.1');
    await assertStillServes();
  });

  test('wrong wire type: INVALID_ARGUMENT', async () => {
    const before = refusedInvalid();
    const { error } = await exportCall(client, 'traces', Uint8Array.from([0x0d, 1, 2, 3, 4]));
    assert.ok(error);
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    assert.match(error.details, /has wire type 5 \(32-bit\), expected 2 \(length-delimited\)/);
    assert.equal(refusedInvalid(), before + 1);
    await assertStillServes();
  });

  test('over max_recv_msg_size: RESOURCE_EXHAUSTED, nothing accepted', async () => {
    const s: SpanInput = { ...span('grpc-too-big'), attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(MAX_RECV) } }] };
    const body = protobufTraces(s);
    assert.ok(body.length > MAX_RECV);
    const before = accepted();
    const { error } = await exportCall(client, 'traces', body);
    assert.ok(error);
    assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(error.details, /larger than max/);
    assert.equal(accepted(), before);
    await assertStillServes();
  });

  test('a gzip-compressing channel is accepted', async () => {
    const s = span('grpc-gzip-channel');
    const before = accepted();
    const { error, response } = await exportCall(gzipClient, 'traces', protobufTraces(s));
    assert.equal(error, null);
    assert.deepEqual(decodeResponse('traces', response), {});
    assert.equal(accepted(), before + 1);
    await waitDelivered(s);
    await assertStillServes(gzipClient);
  });

  test('a gzip-compressed message (grpc-encoding: gzip, compressed flag set) is decompressed and accepted', async () => {
    const s = span('grpc-raw-gzip');
    const reply = await rawCall(port, GRPC_EXPORT_PATH.traces, zlib.gzipSync(protobufTraces(s)), true);
    assert.equal(reply.status, grpc.status.OK, reply.message);
    assert.deepEqual(reply.data, Buffer.alloc(5), 'one uncompressed, empty ExportTraceServiceResponse');
    await waitDelivered(s);
  });

  test('gzip bomb over gRPC: RESOURCE_EXHAUSTED quickly, without inflating it', async () => {
    const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 200 }, () => member));
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const reply = await rawCall(port, GRPC_EXPORT_PATH.traces, bomb, true);
    const elapsed = Date.now() - started;
    const grown = process.memoryUsage().rss - rssBefore;
    assert.equal(reply.status, grpc.status.RESOURCE_EXHAUSTED, reply.message);
    assert.ok(elapsed < 1000, `answered in ${elapsed} ms`);
    assert.ok(grown < 50 * 1024 * 1024, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
    await assertStillServes();
  });

  test('an unknown method: UNIMPLEMENTED', async () => {
    const { error } = await new Promise<CallResult>((resolve) =>
      client.makeUnaryRequest<Buffer, Buffer>('/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', identity, identity, Buffer.alloc(0), (e, res) => resolve({ error: e ?? null, response: res })),
    );
    assert.ok(error);
    assert.equal(error.code, grpc.status.UNIMPLEMENTED);
    await assertStillServes();
  });

  test('an HTTP/1.1 request on the gRPC port gets a 400 naming the OTLP/HTTP port, said once in the log, and a closed connection', async () => {
    for (let i = 0; i < 2; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      let received = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
      const started = Date.now();
      socket.write('POST /v1/traces HTTP/1.1\r\nHost: relay\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n');
      const giveUp = setTimeout(() => socket.destroy(), 3000);
      await new Promise((res) => socket.on('close', res));
      clearTimeout(giveUp);
      assert.ok(Date.now() - started < 1000, 'closed at once');
      // The port's front door (src/receivers/otlp/sniff.ts) reads the first bytes: HTTP/1 gets a plain answer.
      const answer = received.toString('latin1');
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.match(answer, /OTLP\/HTTP port \(4318 by default\)/);
    }
    const said = r.logs.lines().filter((l) => l['receiver'] === 'otlp/grpc' && String(l['msg']).includes('an HTTP/1 client sent POST /v1/traces'));
    assert.equal(said.length, 1, 'two connections, said once');
    assert.match(String(said[0]!['msg']), /OTLP\/HTTP port \(4318\)/);
    await assertStillServes();
  });
});
