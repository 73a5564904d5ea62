import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { grpcExport, post, traceRequest } from '../support/otlp.ts';
import { startRelay, waitFor } from '../support/relay.ts';

const KEY = 'abcdefghijklmnopqrstuv';
const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString('hex');

test('a hanging destination fills the queue, the relay refuses with a retry delay, and every accepted span arrives after recovery', async () => {
  const hc = await new FakeHoneycomb([KEY]).start();
  hc.hang = true;
  const r = await startRelay(`
receivers:
  otlp:
    grpc: { endpoint: "127.0.0.1:0" }
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: ${KEY}
    endpoint: ${hc.url}
    timeout: 300ms
    queue: { max_bytes: 64KiB }
    batch: { timeout: 10ms, max_bytes: 32KiB }
    retry: { initial_interval: 50ms, max_interval: 200ms, max_elapsed: 0s }
routes:
  - { signals: [traces], to: [honeycomb] }
`);
  try {
    const accepted = new Set<string>();
    let refusedHttp: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 200 && !refusedHttp; i++) {
      const req = traceRequest('checkout', 50);
      const res = await post(r.httpUrl, '/v1/traces', req.bytes);
      if (res.status === 200) for (const id of req.spanIds) accepted.add(id);
      else refusedHttp = res;
    }
    assert.ok(refusedHttp, 'the relay refused once its queue was full');
    assert.equal(refusedHttp.status, 429);
    assert.ok(Number(refusedHttp.headers.get('retry-after')) >= 1, 'with a Retry-After the SDKs honour');
    assert.ok(accepted.size > 0);
    const unread = await post(r.httpUrl, '/v1/traces', Buffer.alloc(32 * 1024, 'not gzip '), { 'content-encoding': 'gzip' });
    assert.equal(unread.status, 429, 'refused before the body is read: a body that would be a 400 is never inflated');

    const grpcPort = Number(new URL(r.grpcUrl).port);
    const refusedGrpc = await grpcExport(grpcPort, traceRequest('checkout', 50).bytes);
    assert.equal(refusedGrpc?.code, grpc.status.UNAVAILABLE, 'gRPC says UNAVAILABLE');
    assert.ok(refusedGrpc?.metadata.get('grpc-status-details-bin').length === 1, 'with RetryInfo in the status details');
    // HTTP is refused before its body is read (no inflate while full): counted per request; gRPC arrives read, so its spans are counted too.
    assert.ok(r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/http', reason: 'queue_full' }) >= 1);
    assert.ok(r.stats.get('otlp_relay_receiver_refused_requests_total', { receiver: 'otlp/grpc', reason: 'queue_full' }) >= 1);
    assert.ok(r.stats.get('otlp_relay_receiver_refused_items_total', { receiver: 'otlp/grpc', reason: 'queue_full' }) >= 50);
    assert.ok(r.relay.runners.get('honeycomb')!.usedBytes <= 64 * 1024 + 16 * 1024, 'the queue stays within its budget (one payload of slack)');

    hc.release();
    await waitFor(() => new Set(hc.spans().map((s) => hex(s['spanId']))).size >= accepted.size, 15_000, 'every accepted span at Honeycomb');
    const delivered = new Set(hc.spans().map((s) => hex(s['spanId'])));
    for (const id of accepted) assert.ok(delivered.has(id), `accepted span ${id} was delivered`);

    const after = traceRequest('checkout', 5);
    assert.equal((await post(r.httpUrl, '/v1/traces', after.bytes)).status, 200, 'accepting again once drained');
    assert.equal(await grpcExport(grpcPort, traceRequest('checkout', 5).bytes), null);
  } finally {
    await r.stop();
    await hc.stop();
  }
});
