/**
 * The memory limiter through the relay's receivers: over the limit, OTLP/HTTP gets 503 with a
 * Retry-After and gRPC UNAVAILABLE with RetryInfo, before the body is read; nothing is queued, data
 * already accepted is delivered, and the relay takes data again once memory falls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { FakeHoneycomb } from '../../support/fake-honeycomb.ts';
import { grpcExport, post, traceRequest } from '../../support/otlp.ts';
import { startRelay, waitFor } from '../../support/relay.ts';

const KEY = 'abcdefghijklmnopqrstuv';
const MiB = 2 ** 20;
const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString('hex');

test('over the memory limit the relay refuses with a retry delay, keeps what it accepted, and takes data again once under', async () => {
  const hc = await new FakeHoneycomb([KEY]).start();
  const memory = { used: 10 * MiB, gcs: 0 };
  const r = await startRelay(
    `
service:
  memory_limiter: { limit: 64MiB, spike: 16MiB, check_interval: 10s }
receivers:
  otlp:
    grpc: { endpoint: "127.0.0.1:0" }
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: ${KEY}
    endpoint: ${hc.url}
    batch: { timeout: 10ms }
routes:
  - { signals: [traces], to: [honeycomb] }
`,
    {},
    { memory: { read: () => memory.used, gc: () => void memory.gcs++ } },
  );
  try {
    const grpcPort = Number(new URL(r.grpcUrl).port);
    const first = traceRequest('checkout', 20);
    assert.equal((await post(r.httpUrl, '/v1/traces', first.bytes)).status, 200);
    assert.match(r.logs.text(), /memory limiter: new data is refused \(503 \/ UNAVAILABLE, retry later\) while the relay uses over 48MiB after a forced GC \(service\.memory_limiter\.limit 64MiB − spike 16MiB\)/);

    memory.used = 60 * MiB; // past the 48 MiB soft limit, and a forced GC frees nothing
    r.relay.memory.check();
    assert.equal(memory.gcs, 1, 'a full GC first');
    assert.equal(r.relay.memory.refusing, true);

    const refused = await post(r.httpUrl, '/v1/traces', traceRequest('checkout', 20).bytes);
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'with a Retry-After the SDKs honour');
    const unread = await post(r.httpUrl, '/v1/traces', Buffer.alloc(32 * 1024, 'not gzip '), { 'content-encoding': 'gzip' });
    assert.equal(unread.status, 503, 'refused before the body is read: a body that would be a 400 is never inflated');
    const refusedGrpc = await grpcExport(grpcPort, traceRequest('checkout', 20).bytes);
    assert.equal(refusedGrpc?.code, grpc.status.UNAVAILABLE);
    assert.match(refusedGrpc?.details ?? '', /over its memory limit \(service\.memory_limiter\); retry later/);
    assert.equal(refusedGrpc?.metadata.get('grpc-status-details-bin').length, 1, 'with RetryInfo in the status details');
    assert.equal(r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', reason: 'memory_limit' }), 2);
    assert.equal(r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/grpc', reason: 'memory_limit' }), 1);
    assert.deepEqual(r.relay.readiness().reasons, ['the relay is over its memory limit (service.memory_limiter), so it refuses new data (503 / UNAVAILABLE) until memory falls']);

    // What was accepted before is delivered; nothing refused was queued.
    await waitFor(() => hc.spans().length >= 20, 10_000, 'the accepted spans at Honeycomb');
    assert.deepEqual(new Set(hc.spans().map((s) => hex(s['spanId']))), new Set(first.spanIds));
    assert.equal(r.stats.get('otlp_relay_receiver_accepted_items_total', { signal: 'traces' }), 20);

    memory.used = 30 * MiB;
    r.relay.memory.check();
    assert.equal(r.relay.memory.refusing, false);
    assert.equal(r.relay.readiness().ready, true);
    const later = traceRequest('checkout', 5);
    assert.equal((await post(r.httpUrl, '/v1/traces', later.bytes)).status, 200);
    assert.equal(await grpcExport(grpcPort, traceRequest('checkout', 5).bytes), null);
    await waitFor(() => hc.spans().length >= 30, 10_000, 'the later spans at Honeycomb');
  } finally {
    await r.stop();
    await hc.stop();
  }
});

test('a limit the relay is already over at start is said at start, and it refuses from the first request', async () => {
  const r = await startRelay(
    `
service:
  memory_limiter: { limit: 64MiB, check_interval: 10s }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  out: { type: file, path: /dev/null }
routes:
  - { signals: [traces], to: [out] }
`,
    {},
    { memory: { read: () => 90 * MiB, gc: () => undefined } },
  );
  try {
    assert.match(r.logs.text(), /memory limiter: the relay already uses 90MiB at start, over 51\.2MiB, so it refuses all data; raise the limit \(service\.memory_limiter\.limit 64MiB\)/);
    assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('checkout', 1).bytes)).status, 503);
  } finally {
    await r.stop();
  }
});

test('a reload that lowers the limit applies at the next check; one that removes it stops refusing', async () => {
  const memory = { used: 100 * MiB };
  const yaml = (limiter: string) => `
service:
  admin: { enabled: false }
  ${limiter}
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  out: { type: debug, verbosity: basic }
routes:
  - { signals: [traces], to: [out] }
`;
  const { parseConfig } = await import('../../../src/config/load.ts');
  const { Writable } = await import('node:stream');
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const r = await startRelay(yaml('memory_limiter: { limit: 1GiB, check_interval: 10s }'), {}, { memory: { read: () => memory.used, gc: () => undefined }, stdout: sink });
  try {
    assert.equal(r.relay.memory.check().refusing, false);
    const lower = await r.relay.reload(parseConfig(yaml('memory_limiter: { limit: 64MiB, check_interval: 10s }'), { source: 'test.yaml' }));
    assert.match(lower.message, /memory limiter changed/);
    assert.equal(r.relay.memory.check().refusing, true, '100 MiB is past the new soft limit');
    assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('checkout', 1).bytes)).status, 503);
    await r.relay.reload(parseConfig(yaml('memory_limiter: { enabled: false }'), { source: 'test.yaml' }));
    assert.equal(r.relay.memory.refusing, false);
    assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('checkout', 1).bytes)).status, 200);
  } finally {
    await r.stop();
  }
});
