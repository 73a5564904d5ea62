import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/fault-fs.ts';
import { startRelay, waitFor } from '../support/relay.ts';
import { FaultyDestination } from './support/destination.ts';
import { spansRequest, type Req } from './support/load.ts';

async function relay(dead: FaultyDestination, live: FaultyDestination, overflow: 'block' | 'drop_oldest') {
  return startRelay(`
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  dead:
    type: honeycomb
    api_key: abcdefghijklmnopqrstuv
    endpoint: ${dead.url}
    timeout: 200ms
    queue: { type: disk, dir: "${await tempDir()}", max_bytes: 128KiB, overflow: ${overflow}, fsync: never }
    batch: { timeout: 10ms, max_bytes: 32KiB }
    retry: { initial_interval: 20ms, max_interval: 100ms }
  live:
    type: honeycomb
    api_key: abcdefghijklmnopqrstuv
    endpoint: ${live.url}
    queue: { max_bytes: 16MiB }
    batch: { timeout: 10ms }
routes:
  - { signals: [traces], match: { service: main }, to: [dead, live] }
  - { signals: [traces], match: { service: side }, to: [live] }
`);
}

async function post(url: string, req: Req): Promise<number> {
  const res = await fetch(url + req.path, { method: 'POST', body: req.body, headers: { 'content-type': 'application/x-protobuf' } });
  await res.arrayBuffer();
  return res.status;
}

test('a hanging destination with a disk queue does not hold up another: the live one gets every acknowledged span while the dead one gets none', async () => {
  const dead = await new FaultyDestination().start();
  dead.mode = { kind: 'hang' };
  const live = await new FaultyDestination().start();
  const r = await relay(dead, live, 'block').catch(async (err: unknown) => {
    await Promise.all([dead.stop(), live.stop()]);
    throw err;
  });
  try {
    const acked: string[] = [];
    let refusedReq: Req | undefined;
    for (let i = 0; i < 500 && !refusedReq; i++) {
      const req = spansRequest(10, 'main');
      if ((await post(r.httpUrl, req)) === 200) acked.push(...req.ids);
      else refusedReq = req;
      if (i === 20) await waitFor(() => acked.every((id) => live.spans.has(id)), 5000, 'the live destination keeps up while the dead one hangs');
    }
    assert.equal(dead.delivered, 0);
    await waitFor(() => acked.every((id) => live.spans.has(id)), 5000, 'every acknowledged span at the live destination');
    // block: once the dead exporter's own budget is full, requests routed to it are refused whole (429), so the SDK keeps them...
    assert.ok(refusedReq, "the dead exporter's queue filled up");
    assert.ok(!refusedReq.ids.some((id) => live.spans.has(id)), 'a refused request reaches no destination');
    assert.ok(r.stats.get('otlp_relay_receiver_refused_items_total', { reason: 'queue_full' }) > 0);
    // ...while data routed only to the live destination keeps flowing.
    const side = spansRequest(5, 'side');
    assert.equal(await post(r.httpUrl, side), 200);
    await waitFor(() => side.ids.every((id) => live.spans.has(id)), 5000, 'side traffic delivered');
    // The dead destination recovers: everything its queue acknowledged arrives there too.
    dead.mode = { kind: 'ok' };
    dead.release();
    await waitFor(() => acked.every((id) => dead.spans.has(id)), 15_000, 'the backlog drains to the recovered destination');
  } finally {
    await r.stop();
    await dead.stop();
    await live.stop();
  }
});

test('overflow: drop_oldest trades the dead destination\'s oldest data (counted) for never refusing: the live one gets everything', async () => {
  const dead = await new FaultyDestination().start();
  await dead.refuse();
  const live = await new FaultyDestination().start();
  const r = await relay(dead, live, 'drop_oldest').catch(async (err: unknown) => {
    await Promise.all([dead.stop(), live.stop()]);
    throw err;
  });
  try {
    const acked: string[] = [];
    for (let i = 0; i < 300; i++) {
      const req = spansRequest(10, 'main');
      assert.equal(await post(r.httpUrl, req), 200, `request ${i} accepted`);
      acked.push(...req.ids);
    }
    await waitFor(() => acked.every((id) => live.spans.has(id)), 10_000, 'every span at the live destination');
    const dropped = r.stats.get('otlp_relay_exporter_dropped_items_total', { exporter: 'dead', reason: 'drop_oldest' });
    assert.ok(dropped > 0, 'the dead exporter dropped its oldest data');
    assert.ok(r.relay.runners.get('dead')!.usedBytes <= 128 * 1024 + 2048, 'its disk stays within max_bytes');
    assert.equal(r.stats.get('otlp_relay_receiver_refused_items_total'), 0);
    await dead.accept();
    await waitFor(() => dead.spans.size === acked.length - dropped, 15_000, 'what was not dropped arrives');
    assert.ok(acked.slice(-100).every((id) => dead.spans.has(id)), 'the newest data survived');
  } finally {
    await r.stop();
    await dead.stop();
    await live.stop();
  }
});
