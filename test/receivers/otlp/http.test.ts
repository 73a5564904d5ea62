import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { encodeRequest, type ExportRequestInput } from '../../../src/otlp/codec.ts';
import { responseType, statusType } from '../../../src/otlp/schema.ts';
import { startRelay, waitFor, type TestRelay } from '../../support/relay.ts';

// google.rpc.Code values the receiver uses.
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const RESOURCE_EXHAUSTED = 8;
const UNIMPLEMENTED = 12;

const LIMIT = 1024 * 1024; // max_request_body_size below
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

const CONFIG = `
receivers:
  otlp:
    http:
      endpoint: "127.0.0.1:0"
      max_request_body_size: 1MiB
      path_prefix: /otlp
      read_header_timeout: 300ms
      read_timeout: 1s
      cors:
        allowed_origins: ["http://localhost:3000", "https://*.example.com"]
        allowed_headers: [X-Tenant]
        max_age: 600
exporters:
  debug:
    type: debug
    verbosity: detailed
    batch: { timeout: 5ms }
routes:
  - { signals: [traces, logs, metrics], to: [debug] }
`;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Uint8Array | string;
  /** Send the body in pieces of this size with Transfer-Encoding: chunked (no Content-Length). */
  chunkSize?: number;
  /** A keep-alive agent to reuse connections; by default each request has its own. */
  agent?: http.Agent;
}

/** One request on its own connection; resolves with the response even if the server closed while we were still sending. */
function request(base: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? Buffer.from(opts.body) : Buffer.from(opts.body);
    const headers: Record<string, string | number> = { ...opts.headers };
    if (body !== undefined && opts.chunkSize === undefined && headers['content-length'] === undefined) headers['content-length'] = body.length;
    let answered = false;
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: opts.method ?? 'POST', headers, agent: opts.agent ?? false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (body === undefined) return void req.end();
    if (opts.chunkSize === undefined) return void req.end(body);
    for (let i = 0; i < body.length; i += opts.chunkSize) req.write(body.subarray(i, i + opts.chunkSize));
    req.end();
  });
}

function post(base: string, path: string, body: Uint8Array | string, contentType: string, headers: Record<string, string | number> = {}, agent?: http.Agent): Promise<Reply> {
  return request(base, path, { body, headers: { 'content-type': contentType, ...headers }, agent });
}

/** The google.rpc.Status in a failure body, in the body's own format. */
function statusOf(reply: Reply): { code: number; message: string } {
  if (reply.headers['content-type'] === JSON_TYPE) {
    const parsed = JSON.parse(reply.body.toString('utf8')) as { code: number; message: string };
    return { code: parsed.code, message: parsed.message };
  }
  assert.equal(reply.headers['content-type'], PROTOBUF);
  const t = statusType();
  const st = t.toObject(t.decode(reply.body), { defaults: true }) as { code: number; message: string };
  return { code: st.code, message: st.message };
}

/** An ExportTraceServiceResponse body as a plain object. */
function traceResponseOf(reply: Reply): Record<string, unknown> {
  assert.equal(reply.headers['content-type'], PROTOBUF);
  const t = responseType('traces');
  return t.toObject(t.decode(reply.body), { longs: Number }) as Record<string, unknown>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface SpanInput {
  traceId: Uint8Array;
  spanId: Uint8Array;
  name: string;
}

function span(name: string, ids: { traceId?: Uint8Array; spanId?: Uint8Array } = {}): SpanInput {
  return { traceId: ids.traceId ?? randomBytes(16), spanId: ids.spanId ?? randomBytes(8), name };
}

function tracesRequest(spans: SpanInput[]): ExportRequestInput<'traces'> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'http-receiver-test' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((s) => ({ ...s, kind: 2, startTimeUnixNano: 1700000000000000000n, endTimeUnixNano: 1700000000001000000n })),
          },
        ],
      },
    ],
  };
}

const protobufTraces = (...spans: SpanInput[]) => encodeRequest('traces', tracesRequest(spans));

/** The same request in OTLP/JSON: hex ids, int64 as strings, enums as integers. */
function jsonTraces(spans: Array<{ traceId: string; spanId: string; name: string }>): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'http-receiver-test' } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans: spans.map((s) => ({ ...s, kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000' })) }],
      },
    ],
  });
}

describe('OTLP/HTTP receiver', () => {
  let r: TestRelay;
  let debugOut = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      debugOut += chunk.toString();
      cb();
    },
  });

  const refused = (reason: string, signal = 'traces') => r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', signal, reason });
  const accepted = (signal = 'traces') => r.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'otlp/http', signal });
  const logLines = (includes: string) => r.logs.lines().filter((l) => String(l['msg']).includes(includes));
  /** What the debug exporter printed for a span: it got through the relay. */
  const deliveredLine = (s: SpanInput) => `span "${s.name}" trace=${hex(s.traceId)} span=${hex(s.spanId)}`;
  const waitDelivered = (...spans: SpanInput[]) => waitFor(() => spans.every((s) => debugOut.includes(deliveredLine(s))), 5000, `${spans.map((s) => s.name).join(', ')} at the debug exporter`);

  /** A valid request is still accepted and delivered: the relay survived whatever came before. */
  async function assertStillServes(): Promise<void> {
    const s = span(`alive-${randomBytes(4).toString('hex')}`);
    const before = accepted();
    const reply = await post(r.httpUrl, '/v1/traces', protobufTraces(s), PROTOBUF);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, 0, 'full success: an empty ExportTraceServiceResponse');
    assert.equal(accepted(), before + 1);
    await waitDelivered(s);
  }

  before(async () => {
    r = await startRelay(CONFIG, {}, { stdout: sink });
  });
  after(async () => {
    await r?.stop();
  });

  describe('valid requests', () => {
    test('protobuf: 200, protobuf response with no partial_success, spans delivered', async () => {
      const spans = [span('pb-one'), span('pb-two')];
      const before = accepted();
      const reply = await post(r.httpUrl, '/v1/traces', protobufTraces(...spans), PROTOBUF);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], PROTOBUF);
      assert.deepEqual(traceResponseOf(reply), {});
      assert.equal(accepted(), before + 2);
      await waitDelivered(...spans);
    });

    test('application/protobuf and a charset parameter are taken as protobuf', async () => {
      const s = span('pb-alias');
      const reply = await post(r.httpUrl, '/v1/traces', protobufTraces(s), 'application/protobuf');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], PROTOBUF);
      const s2 = span('json-charset');
      const reply2 = await post(r.httpUrl, '/v1/traces', jsonTraces([{ traceId: hex(s2.traceId), spanId: hex(s2.spanId), name: s2.name }]), 'application/json; charset=utf-8');
      assert.equal(reply2.status, 200);
      assert.equal(reply2.headers['content-type'], JSON_TYPE);
      await waitDelivered(s, s2);
    });

    test('JSON: 200, JSON response {}, spans delivered with their hex ids', async () => {
      const s = span('json-one');
      const before = accepted();
      const reply = await post(r.httpUrl, '/v1/traces', jsonTraces([{ traceId: hex(s.traceId), spanId: hex(s.spanId), name: s.name }]), JSON_TYPE);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], JSON_TYPE);
      assert.deepEqual(JSON.parse(reply.body.toString('utf8')), {});
      assert.equal(accepted(), before + 1);
      await waitDelivered(s);
    });

    test('logs and metrics paths take their signal', async () => {
      const logs = encodeRequest('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: 1700000000000000000n, severityNumber: 9, body: { stringValue: 'hello from the test' } }] }] }] });
      const beforeLogs = accepted('logs');
      const l = await post(r.httpUrl, '/v1/logs', logs, PROTOBUF);
      assert.equal(l.status, 200);
      assert.equal(accepted('logs'), beforeLogs + 1);
      const metrics = JSON.stringify({
        resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'requests', gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', asInt: '42' }, { timeUnixNano: '1700000000000000001', asDouble: 1.5 }] } }] }] }],
      });
      const beforeMetrics = accepted('metrics');
      const m = await post(r.httpUrl, '/v1/metrics', metrics, JSON_TYPE);
      assert.equal(m.status, 200);
      assert.deepEqual(JSON.parse(m.body.toString('utf8')), {});
      assert.equal(accepted('metrics'), beforeMetrics + 2);
      await waitFor(() => debugOut.includes('metric requests: 2 points'), 5000, 'metrics at the debug exporter');
    });

    test('path_prefix: /otlp/v1/traces is served too', async () => {
      const s = span('prefixed');
      const reply = await post(r.httpUrl, '/otlp/v1/traces', protobufTraces(s), PROTOBUF);
      assert.equal(reply.status, 200);
      assert.deepEqual(traceResponseOf(reply), {});
      await waitDelivered(s);
      const wrongPrefix = await post(r.httpUrl, '/other/v1/traces', protobufTraces(span('x')), PROTOBUF);
      assert.equal(wrongPrefix.status, 404);
    });
  });

  describe('partial success', () => {
    test('protobuf: spans with invalid ids are rejected with a count and a reason; the valid one is delivered', async () => {
      const good = span('partial-good');
      const shortId = span('partial-short-span-id', { spanId: randomBytes(4) });
      const zeroTrace = span('partial-zero-trace-id', { traceId: new Uint8Array(16) });
      const beforeAccepted = accepted();
      const beforeRejected = r.stats.get('otlp_relay_receiver_refused_items_total', { receiver: 'otlp/http', signal: 'traces', reason: 'invalid' });
      const reply = await post(r.httpUrl, '/v1/traces', protobufTraces(shortId, good, zeroTrace), PROTOBUF);
      assert.equal(reply.status, 200);
      assert.deepEqual(traceResponseOf(reply), {
        partialSuccess: { rejectedSpans: 2, errorMessage: '2 spans rejected: resourceSpans[0].scopeSpans[0].spans[0]: span_id is 4 bytes, expected 8' },
      });
      assert.equal(accepted(), beforeAccepted + 1);
      assert.equal(r.stats.get('otlp_relay_receiver_refused_items_total', { receiver: 'otlp/http', signal: 'traces', reason: 'invalid' }), beforeRejected + 2);
      await waitDelivered(good);
      assert.ok(!debugOut.includes(shortId.name) && !debugOut.includes(zeroTrace.name), 'invalid spans never reach an exporter');
    });

    test('JSON: partialSuccess with rejectedSpans as an int64 string and errorMessage', async () => {
      const good = span('json-partial-good');
      const body = jsonTraces([
        { traceId: hex(good.traceId), spanId: hex(good.spanId), name: good.name },
        { traceId: '0'.repeat(32), spanId: hex(randomBytes(8)), name: 'json-partial-zero' },
      ]);
      const reply = await post(r.httpUrl, '/v1/traces', body, JSON_TYPE);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-type'], JSON_TYPE);
      assert.deepEqual(JSON.parse(reply.body.toString('utf8')), {
        partialSuccess: { rejectedSpans: '1', errorMessage: '1 spans rejected: resourceSpans[0].scopeSpans[0].spans[1]: trace_id is all zeros' },
      });
      await waitDelivered(good);
      assert.ok(!debugOut.includes('json-partial-zero'));
    });
  });

  describe('bad data: 400 with a google.rpc.Status naming the problem', () => {
    const cases: Array<{ name: string; body: () => Uint8Array | string; type: string; message: RegExp }> = [
      {
        name: 'truncated protobuf',
        body: () => {
          const b = protobufTraces(span('truncated'));
          return b.subarray(0, b.length - 5);
        },
        type: PROTOBUF,
        message: /^invalid protobuf: truncated .*ExportTraceServiceRequest\.resource_spans \(field 1\) declares \d+ bytes, \d+ left/,
      },
      {
        name: 'wrong wire type',
        body: () => Uint8Array.from([0x0d, 1, 2, 3, 4]), // field 1 as fixed32
        type: PROTOBUF,
        message: /^invalid protobuf: ExportTraceServiceRequest\.resource_spans \(field 1\) has wire type 5 \(32-bit\), expected 2 \(length-delimited\)/,
      },
      { name: 'invalid JSON', body: () => '{"resourceSpans": [', type: JSON_TYPE, message: /^invalid JSON: / },
      {
        name: 'JSON with a non-hex trace id',
        body: () => jsonTraces([{ traceId: 'zz'.repeat(16), spanId: hex(randomBytes(8)), name: 'bad-hex' }]),
        type: JSON_TYPE,
        message: /^invalid OTLP\/JSON: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: /,
      },
      {
        name: 'JSON with a base64 (not hex) span id',
        body: () => jsonTraces([{ traceId: hex(randomBytes(16)), spanId: randomBytes(8).toString('base64'), name: 'base64-id' }]),
        type: JSON_TYPE,
        message: /^invalid OTLP\/JSON: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.spanId: /,
      },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const before = refused('invalid');
        const reply = await post(r.httpUrl, '/v1/traces', c.body(), c.type);
        assert.equal(reply.status, 400);
        assert.equal(reply.headers['content-type'], c.type, 'the Status comes in the request format');
        const st = statusOf(reply);
        assert.equal(st.code, INVALID_ARGUMENT);
        assert.match(st.message, c.message);
        assert.equal(refused('invalid'), before + 1);
        await assertStillServes();
      });
    }

    test('an invalid request is logged once per client, not once per request', async () => {
      const ua = `once-test/${randomBytes(4).toString('hex')}`;
      for (let i = 0; i < 3; i++) {
        const reply = await post(r.httpUrl, '/v1/traces', '{"resourceSpans": 1', JSON_TYPE, { 'user-agent': ua });
        assert.equal(reply.status, 400);
      }
      assert.equal(r.logs.lines().filter((l) => l['userAgent'] === ua).length, 1);
    });
  });

  describe('protocol errors', () => {
    test('wrong Content-Type: 415 with a JSON Status naming the accepted types', async () => {
      const before = refused('unsupported_media_type');
      const reply = await post(r.httpUrl, '/v1/traces', protobufTraces(span('x')), 'text/plain');
      assert.equal(reply.status, 415);
      assert.equal(reply.headers['content-type'], JSON_TYPE);
      assert.deepEqual(statusOf(reply), { code: INVALID_ARGUMENT, message: 'unsupported Content-Type "text/plain": send application/x-protobuf or application/json' });
      assert.equal(refused('unsupported_media_type'), before + 1);
      const none = await request(r.httpUrl, '/v1/traces', { body: 'x' });
      assert.equal(none.status, 415, 'no Content-Type at all');
      await assertStillServes();
    });

    test('wrong method: 405 with Allow', async () => {
      const get = await request(r.httpUrl, '/v1/traces', { method: 'GET' });
      assert.equal(get.status, 405);
      assert.equal(get.headers['allow'], 'POST, OPTIONS');
      assert.deepEqual(statusOf(get), { code: UNIMPLEMENTED, message: 'method GET is not allowed on /v1/traces: OTLP/HTTP takes POST' });
      const put = await request(r.httpUrl, '/otlp/v1/logs', { method: 'PUT', body: new Uint8Array(0), headers: { 'content-type': PROTOBUF } });
      assert.equal(put.status, 405);
      assert.equal(put.headers['allow'], 'POST, OPTIONS');
      assert.equal(statusOf(put).message, 'method PUT is not allowed on /otlp/v1/logs: OTLP/HTTP takes POST', 'a protobuf request gets a protobuf Status');
      await assertStillServes();
    });

    const served = 'The relay serves POST /v1/traces, /otlp/v1/traces, /v1/logs, /otlp/v1/logs, /v1/metrics, /otlp/v1/metrics.';
    const notFound: Array<{ path: string; hint: string }> = [
      { path: '/', hint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given: include the path' },
      { path: '/v1/traces/v1/traces', hint: 'The path is doubled: OTEL_EXPORTER_OTLP_ENDPOINT is a base URL' },
      { path: '/otlp/v1/traces/v1/traces', hint: 'The path is doubled' },
    ];
    for (const { path, hint } of notFound) {
      test(`unknown path ${path}: 404 naming the served paths and the fix, logged once`, async () => {
        const before = r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', reason: 'not_found' });
        for (const type of [PROTOBUF, JSON_TYPE, PROTOBUF]) {
          const reply = await post(r.httpUrl, path, type === PROTOBUF ? protobufTraces(span('lost')) : '{}', type);
          assert.equal(reply.status, 404);
          assert.equal(reply.headers['content-type'], type);
          const st = statusOf(reply);
          assert.equal(st.code, NOT_FOUND);
          assert.ok(st.message.startsWith(`POST ${path} is not served. ${served}`), st.message);
          assert.ok(st.message.includes(hint), st.message);
        }
        assert.equal(r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', reason: 'not_found' }), before + 3);
        const said = r.logs.lines().filter((l) => l['path'] === path && String(l['msg']).includes('is not served'));
        assert.equal(said.length, 1, 'said once, not once per request');
        assert.equal(said[0]!['level'], 40);
        assert.ok(String(said[0]!['msg']).includes(hint));
        await assertStillServes();
      });
    }
  });

  describe('body size and encodings', () => {
    test('identity body over the limit with Content-Length: 413 before reading it', async () => {
      const before = refused('too_large');
      const reply = await post(r.httpUrl, '/v1/traces', Buffer.alloc(LIMIT + 1), PROTOBUF);
      assert.equal(reply.status, 413);
      assert.deepEqual(statusOf(reply), { code: RESOURCE_EXHAUSTED, message: `request body of ${LIMIT + 1} bytes is over the limit of ${LIMIT} bytes` });
      assert.equal(refused('too_large'), before + 1);
      await assertStillServes();
    });

    test('a body exactly at the limit is read (and judged on its content)', async () => {
      const reply = await post(r.httpUrl, '/v1/traces', Buffer.alloc(LIMIT, 0x0d), PROTOBUF);
      assert.equal(reply.status, 400, 'not 413');
    });

    test('chunked body over the limit without Content-Length: 413', async () => {
      const before = refused('too_large');
      const reply = await request(r.httpUrl, '/v1/traces', { body: Buffer.alloc(2 * LIMIT), chunkSize: 64 * 1024, headers: { 'content-type': JSON_TYPE } });
      assert.equal(reply.status, 413);
      assert.equal(reply.headers['content-type'], JSON_TYPE);
      assert.deepEqual(statusOf(reply), { code: RESOURCE_EXHAUSTED, message: `request body is over the limit of ${LIMIT} bytes` });
      assert.equal(refused('too_large'), before + 1);
      await assertStillServes();
    });

    test('gzip bomb: 200 MiB of zeros in ~200 KB is cut off at the limit, quickly and without the memory', async () => {
      // 200 concatenated gzip members of 1 MiB of zeros each: a valid multi-member gzip stream.
      const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
      const bomb = Buffer.concat(Array.from({ length: 200 }, () => member));
      assert.ok(bomb.length < 300 * 1024);
      const before = refused('too_large');
      const rssBefore = process.memoryUsage().rss;
      const started = Date.now();
      const reply = await post(r.httpUrl, '/v1/traces', bomb, PROTOBUF, { 'content-encoding': 'gzip' });
      const elapsed = Date.now() - started;
      const grown = process.memoryUsage().rss - rssBefore;
      assert.equal(reply.status, 413);
      assert.deepEqual(statusOf(reply), { code: RESOURCE_EXHAUSTED, message: `request body is over the limit of ${LIMIT} bytes after decompression` });
      assert.ok(elapsed < 1000, `answered in ${elapsed} ms`);
      assert.ok(grown < 50 * 1024 * 1024, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
      assert.equal(refused('too_large'), before + 1);
      await assertStillServes();
    });

    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['zstd', zlib.zstdCompressSync],
    ] as const) {
      test(`Content-Encoding: ${encoding} is accepted`, async () => {
        const s = span(`compressed-${encoding}`);
        const reply = await post(r.httpUrl, '/v1/traces', compress(protobufTraces(s)), PROTOBUF, { 'content-encoding': encoding });
        assert.equal(reply.status, 200);
        assert.deepEqual(traceResponseOf(reply), {});
        await waitDelivered(s);
      });
    }

    test('unsupported Content-Encoding: 415 naming the supported ones', async () => {
      const before = refused('bad_body');
      const reply = await post(r.httpUrl, '/v1/traces', zlib.brotliCompressSync(protobufTraces(span('br'))), PROTOBUF, { 'content-encoding': 'br' });
      assert.equal(reply.status, 415);
      assert.deepEqual(statusOf(reply), { code: INVALID_ARGUMENT, message: 'unsupported Content-Encoding "br": send gzip, deflate, zstd or none' });
      assert.equal(refused('bad_body'), before + 1);
      await assertStillServes();
    });

    test('a corrupt gzip body: 400', async () => {
      const gz = zlib.gzipSync(protobufTraces(span('corrupt')));
      gz.fill(0xff, 10, 30); // past the header: the deflate data is garbage
      const before = refused('bad_body');
      const reply = await post(r.httpUrl, '/v1/traces', gz, JSON_TYPE, { 'content-encoding': 'gzip' });
      assert.equal(reply.status, 400);
      const st = statusOf(reply);
      assert.equal(st.code, INVALID_ARGUMENT);
      assert.match(st.message, /^could not decompress the gzip body: /);
      assert.equal(refused('bad_body'), before + 1);
      const notGzip = await post(r.httpUrl, '/v1/traces', protobufTraces(span('plain-as-gzip')), PROTOBUF, { 'content-encoding': 'gzip' });
      assert.equal(notGzip.status, 400);
      assert.match(statusOf(notGzip).message, /^could not decompress the gzip body: incorrect header check/);
      await assertStillServes();
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string, path = '/v1/traces') =>
      request(r.httpUrl, path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-tenant' } });

    test('preflight from an allowed origin: 204 with the methods, headers and max-age', async () => {
      for (const origin of ['http://localhost:3000', 'https://app.example.com']) {
        const reply = await preflight(origin);
        assert.equal(reply.status, 204);
        assert.equal(reply.headers['access-control-allow-origin'], origin);
        assert.equal(reply.headers['access-control-allow-methods'], 'POST, OPTIONS');
        assert.equal(reply.headers['access-control-allow-headers'], 'content-type, content-encoding, accept, x-requested-with, x-tenant');
        assert.equal(reply.headers['access-control-max-age'], '600');
        assert.equal(reply.headers['vary'], 'Origin');
      }
      const prefixed = await preflight('http://localhost:3000', '/otlp/v1/logs');
      assert.equal(prefixed.status, 204);
      assert.equal(prefixed.headers['access-control-allow-origin'], 'http://localhost:3000');
    });

    test('preflight from another origin: no Access-Control-Allow-Origin', async () => {
      for (const origin of ['http://localhost:3001', 'https://example.com.evil.test', 'http://app.example.com']) {
        const reply = await preflight(origin);
        assert.equal(reply.status, 204);
        assert.equal(reply.headers['access-control-allow-origin'], undefined, origin);
        assert.equal(reply.headers['access-control-allow-methods'], undefined);
        assert.equal(reply.headers['access-control-max-age'], undefined);
      }
    });

    test('POST from an allowed origin carries Access-Control-Allow-Origin; from another it does not', async () => {
      const ok = await post(r.httpUrl, '/v1/traces', protobufTraces(span('cors-post')), PROTOBUF, { origin: 'https://app.example.com' });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
      const failed = await post(r.httpUrl, '/v1/traces', '{', JSON_TYPE, { origin: 'https://app.example.com' });
      assert.equal(failed.status, 400);
      assert.equal(failed.headers['access-control-allow-origin'], 'https://app.example.com', 'a browser can read the error too');
      const other = await post(r.httpUrl, '/v1/traces', protobufTraces(span('cors-other')), PROTOBUF, { origin: 'https://evil.test' });
      assert.equal(other.status, 200);
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    });
  });

  describe('keep-alive connections survive refused requests', () => {
    const big = Buffer.alloc(900 * 1024, 0x41); // under the limit, far more than one read
    const refusals: Array<{ name: string; send: (agent: http.Agent) => Promise<Reply>; status: number }> = [
      { name: 'a corrupt gzip body', send: (agent) => post(r.httpUrl, '/v1/traces', big, PROTOBUF, { 'content-encoding': 'gzip' }, agent), status: 400 },
      { name: 'an unsupported Content-Encoding', send: (agent) => post(r.httpUrl, '/v1/traces', big, PROTOBUF, { 'content-encoding': 'br' }, agent), status: 415 },
      { name: 'an unsupported Content-Type', send: (agent) => post(r.httpUrl, '/v1/traces', big, 'text/plain', {}, agent), status: 415 },
      { name: 'a wrong method', send: (agent) => request(r.httpUrl, '/v1/traces', { method: 'PUT', body: big, headers: { 'content-type': PROTOBUF }, agent }), status: 405 },
      { name: 'an unknown path', send: (agent) => post(r.httpUrl, '/v1/trace', big, PROTOBUF, {}, agent), status: 404 },
      { name: 'a chunked body over the limit', send: (agent) => request(r.httpUrl, '/v1/traces', { body: Buffer.alloc(2 * LIMIT), chunkSize: 64 * 1024, headers: { 'content-type': PROTOBUF }, agent }), status: 413 },
    ];
    for (const { name, send, status } of refusals) {
      test(`after ${name} (with 900 KB left unread), the next request on the same agent is served at once`, async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const first = await post(r.httpUrl, '/v1/traces', protobufTraces(span('ka-before')), PROTOBUF, {}, agent);
          assert.equal(first.status, 200);
          const refusedReply = await send(agent);
          assert.equal(refusedReply.status, status);
          const s = span('ka-after');
          const started = Date.now();
          const next = await post(r.httpUrl, '/v1/traces', protobufTraces(s), PROTOBUF, {}, agent);
          assert.equal(next.status, 200, 'not a 408 after waiting behind the unread body');
          assert.ok(Date.now() - started < 500, `answered after ${Date.now() - started} ms`);
          await waitDelivered(s);
        } finally {
          agent.destroy();
        }
      });
    }
  });

  describe('misbehaving connections', () => {
    /** A raw connection: everything it received, and when it closed. */
    function rawClient(): Promise<{ socket: net.Socket; received: () => string; closed: Promise<number> }> {
      const url = new URL(r.httpUrl);
      return new Promise((resolve, reject) => {
        const socket = net.connect(Number(url.port), '127.0.0.1');
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
        const closed = new Promise<number>((res) => socket.on('close', () => res(Date.now())));
        socket.on('error', () => {}); // a reset is one of the expected endings
        socket.once('connect', () => resolve({ socket, received: () => data, closed }));
        socket.once('error', reject);
      });
    }

    /** Writes `piece` every `everyMs` until the server closes the connection, giving up (and closing it) after 3 s. */
    async function trickle(socket: net.Socket, closed: Promise<number>, piece: string, everyMs: number): Promise<void> {
      let open = true;
      void closed.then(() => (open = false));
      const giveUp = Date.now() + 3000;
      while (open && !socket.destroyed && Date.now() < giveUp) {
        socket.write(piece);
        await new Promise((res) => setTimeout(res, everyMs));
      }
      socket.destroy();
    }

    test('headers sent slowly: cut off after read_header_timeout while another client is served', async () => {
      const slow = await rawClient();
      const started = Date.now();
      slow.socket.write('POST /v1/traces HTTP/1.1\r\nHost: relay\r\n');
      const trickling = trickle(slow.socket, slow.closed, 'X-Slow: a\r\n', 50);
      await new Promise((res) => setTimeout(res, 100));
      await assertStillServes();
      const servedAt = Date.now();
      const closedAt = await slow.closed;
      await trickling;
      assert.ok(servedAt < closedAt, 'the other client was served while the slow one was still connected');
      const elapsed = closedAt - started;
      assert.ok(elapsed >= 250 && elapsed < 1500, `cut off after ${elapsed} ms (read_header_timeout 300ms)`);
      assert.match(slow.received(), /^HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n\r\n$/);
      await assertStillServes();
    });

    test('body sent slowly: cut off after read_timeout while another client is served', async () => {
      const slow = await rawClient();
      const started = Date.now();
      slow.socket.write(`POST /v1/traces HTTP/1.1\r\nHost: relay\r\nContent-Type: ${PROTOBUF}\r\nContent-Length: 100000\r\n\r\n`);
      const refusedBefore = r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', signal: 'traces' });
      const trickling = trickle(slow.socket, slow.closed, '\u0000', 50);
      await new Promise((res) => setTimeout(res, 200));
      await assertStillServes();
      const servedAt = Date.now();
      const closedAt = await slow.closed;
      await trickling;
      assert.ok(servedAt < closedAt, 'the other client was served while the slow one was still connected');
      await waitFor(() => r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', signal: 'traces' }) === refusedBefore + 1, 1000, 'the cut-off request counted as refused');
      const elapsed = closedAt - started;
      assert.ok(elapsed >= 900 && elapsed < 2500, `cut off after ${elapsed} ms (read_timeout 1s)`);
      assert.match(slow.received(), /^HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n\r\n$/);
      await assertStillServes();
    });

    test('an HTTP/2 (gRPC) preface gets a 400 and a hint in the log, said once', async () => {
      const hint = 'a gRPC (HTTP/2) client connected to the OTLP/HTTP port';
      const before = logLines(hint).length;
      for (let i = 0; i < 2; i++) {
        const c = await rawClient();
        c.socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
        await c.closed;
        assert.match(c.received(), /^HTTP\/1\.1 400 Bad Request\r\n/);
      }
      const said = logLines(hint);
      assert.equal(said.length, 1, 'the hint is logged once');
      assert.equal(before, 0);
      assert.match(String(said[0]!['msg']), /use the gRPC port \(4317\) for OTEL_EXPORTER_OTLP_PROTOCOL=grpc, or set http\/protobuf/);
      await assertStillServes();
    });

    test('garbage that is not HTTP gets a 400 and no HTTP/2 hint', async () => {
      const before = logLines('gRPC (HTTP/2)').length;
      const c = await rawClient();
      c.socket.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello?\r\n\r\n');
      await c.closed;
      assert.match(c.received(), /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.equal(logLines('gRPC (HTTP/2)').length, before);
      await assertStillServes();
    });
  });
});

describe('OTLP/HTTP receiver timeouts and shutdown', () => {
  test('read_timeout shorter than the default read_header_timeout: starts, serves, and bounds slow headers', async () => {
    const r = await startRelay(`
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0", read_timeout: 400ms }
exporters:
  debug: { type: debug }
routes:
  - { signals: [traces], to: [debug] }
`, {}, { stdout: new Writable({ write: (_c, _e, cb) => cb() }) });
    try {
      const ok = await post(r.httpUrl, '/v1/traces', protobufTraces(span('short-read-timeout')), PROTOBUF);
      assert.equal(ok.status, 200);
      const url = new URL(r.httpUrl);
      const socket = net.connect(Number(url.port), '127.0.0.1');
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      const started = Date.now();
      socket.write('POST /v1/traces HTTP/1.1\r\nHost: relay\r\n');
      const timer = setInterval(() => socket.write('X-Slow: a\r\n'), 50);
      const giveUp = setTimeout(() => socket.destroy(), 3000);
      await new Promise((res) => socket.on('close', res));
      clearInterval(timer);
      clearTimeout(giveUp);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 350 && elapsed < 1500, `cut off after ${elapsed} ms (read_timeout 400ms)`);
      assert.match(received, /^HTTP\/1\.1 408 /);
    } finally {
      await r.stop();
    }
  });

  test('shutdown during an upload: the request is answered and shutdown does not wait for keep-alive', async () => {
    let out = '';
    const r = await startRelay(`
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  debug: { type: debug, verbosity: detailed }
routes:
  - { signals: [traces], to: [debug] }
`, {}, { stdout: new Writable({ write: (c: Buffer, _e, cb) => { out += c.toString(); cb(); } }) });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const s = span('in-flight-at-shutdown');
      const body = Buffer.from(protobufTraces(s));
      const url = new URL(r.httpUrl);
      const reply = new Promise<Reply>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: url.port, path: '/v1/traces', method: 'POST', headers: { 'content-type': PROTOBUF, 'content-length': body.length }, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.write(body.subarray(0, 10));
        setTimeout(() => req.end(body.subarray(10)), 200);
      });
      await new Promise((res) => setTimeout(res, 50));
      const started = Date.now();
      const stopped = r.stop().then(() => Date.now() - started);
      const tooLong = new Promise<number>((res) => setTimeout(() => res(Infinity), 3000).unref());
      const answer = await reply;
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['connection'], 'close');
      const took = await Promise.race([stopped, tooLong]);
      assert.ok(took < 2000, `shutdown took ${took} ms`);
      assert.ok(out.includes(`span "${s.name}"`), 'the in-flight spans were drained to the exporter');
      assert.equal(r.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'otlp/http', signal: 'traces' }), 1);
    } finally {
      agent.destroy();
      await r.stop();
    }
  });
});
