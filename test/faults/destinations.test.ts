import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../support/fault-fs.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { FaultyDestination, type Fault } from './support/destination.ts';
import { logsRequest, spansRequest, type Req } from './support/load.ts';

const KEY = 'abcdefghijklmnopqrstuv';

async function relayTo(dest: FaultyDestination, queue: 'memory' | 'disk', extra = '', dir?: string): Promise<TestRelay> {
  const q = queue === 'disk' ? `{ type: disk, dir: "${dir ?? (await tempDir())}", max_bytes: 4MiB }` : '{ max_bytes: 4MiB }';
  return startRelay(`
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  hc:
    type: honeycomb
    api_key: ${KEY}
    endpoint: ${dest.url}
    timeout: 300ms
    queue: ${q}
    batch: { timeout: 10ms, max_bytes: 1MiB }
    retry: { initial_interval: 30ms, max_interval: 100ms }
    ${extra}
routes:
  - { signals: [traces, logs], to: [hc] }
`);
}

async function send(r: TestRelay, req: Req): Promise<number> {
  const res = await fetch(r.httpUrl + req.path, { method: 'POST', body: req.body, headers: { 'content-type': 'application/x-protobuf' } });
  await res.arrayBuffer();
  return res.status;
}

const arrived = (dest: FaultyDestination, req: Req) => req.ids.every((id) => dest.spans.has(id) || dest.logs.has(id));

/** Sends, expects 200, waits until the destination has every item; returns the attempts the destination saw. */
async function deliver(dest: FaultyDestination, r: TestRelay, req: Req, ms = 10_000) {
  assert.equal(await send(r, req), 200, 'the relay acknowledged the request');
  await waitFor(() => arrived(dest, req), ms, 'every item at the destination');
  return dest.attempts;
}

for (const queue of ['disk', 'memory'] as const) {
  test(`[${queue}] 429 with Retry-After in seconds: the relay waits at least that long, then delivers`, async () => {
    const dest = await new FaultyDestination().start();
    dest.script.push({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const r = await relayTo(dest, queue);
    try {
      const attempts = await deliver(dest, r, spansRequest(5));
      assert.equal(attempts[0]!.status, 429);
      assert.ok(attempts[1]!.at - attempts[0]!.at >= 1000, `waited ${attempts[1]!.at - attempts[0]!.at} ms`);
      assert.equal(r.stats.get('otlp_relay_exporter_retries_total'), 1);
      assert.equal(dest.duplicates, 0);
    } finally {
      await r.stop();
      await dest.stop();
    }
  });

  test(`[${queue}] 413: the batch is split until each request fits, and every item arrives once`, async () => {
    const dest = await new FaultyDestination().start();
    const r = await relayTo(dest, queue, '', undefined);
    try {
      // Hold the first batch back so several requests share it, then make the destination refuse anything bigger than ~2 requests.
      dest.mode = { kind: 'hang' };
      const reqs = [spansRequest(10), logsRequest(10), spansRequest(10), spansRequest(10), spansRequest(10), logsRequest(10), spansRequest(10)];
      for (const req of reqs) assert.equal(await send(r, req), 200);
      dest.maxBody = 2 * reqs[0]!.body.byteLength + 100;
      await sleep(400); // the hung attempt times out
      dest.mode = { kind: 'ok' };
      dest.release();
      await waitFor(() => reqs.every((q) => arrived(dest, q)), 10_000, 'every item');
      assert.ok(dest.attempts.some((a) => a.status === 413), 'the destination refused a batch as too large');
      assert.ok(r.stats.get('otlp_relay_exporter_splits_total') >= 1);
      assert.equal(dest.duplicates, 0);
      assert.equal(r.stats.get('otlp_relay_exporter_failed_items_total'), 0);
    } finally {
      await r.stop();
      await dest.stop();
    }
  });
}

test('503 with Retry-After as an HTTP date: the relay waits until then', async () => {
  const dest = await new FaultyDestination().start();
  const r = await relayTo(dest, 'disk');
  try {
    const until = new Date(Date.now() + 2000);
    dest.script.push({ kind: 'status', status: 503, headers: { 'retry-after': until.toUTCString() } });
    const attempts = await deliver(dest, r, spansRequest(3));
    assert.equal(attempts[0]!.status, 503);
    // The date has one-second resolution: the retry comes no earlier than that second.
    assert.ok(attempts[1]!.at >= Math.floor(until.getTime() / 1000) * 1000, `retried ${attempts[1]!.at - attempts[0]!.at} ms after the 503`);
  } finally {
    await r.stop();
    await dest.stop();
  }
});

test('500s are retried with backoff until the destination recovers', async () => {
  const dest = await new FaultyDestination().start();
  const r = await relayTo(dest, 'disk');
  try {
    for (let i = 0; i < 3; i++) dest.script.push({ kind: 'status', status: 500 });
    const attempts = await deliver(dest, r, logsRequest(4));
    assert.deepEqual(attempts.map((a) => a.status), [500, 500, 500, 200]);
    assert.equal(r.stats.get('otlp_relay_exporter_retries_total'), 3);
  } finally {
    await r.stop();
    await dest.stop();
  }
});

test('400 is permanent: counted as failed, not retried, and deleted from the disk queue (never replayed after a restart)', async () => {
  const dest = await new FaultyDestination().start();
  const dir = await tempDir();
  const r = await relayTo(dest, 'disk', '', dir);
  const bad = spansRequest(4);
  try {
    dest.script.push({ kind: 'status', status: 400, body: '{"error":"malformed"}' });
    assert.equal(await send(r, bad), 200);
    await waitFor(() => r.stats.get('otlp_relay_exporter_failed_items_total', { reason: 'permanent' }) === 4, 5000, 'the refusal counted');
    await deliver(dest, r, spansRequest(2)); // a later request goes through: the refused one was not retried in between
    assert.equal(dest.attempts.length, 2);
  } finally {
    await r.stop();
  }
  const again = await relayTo(dest, 'disk', '', dir);
  try {
    await deliver(dest, again, spansRequest(1));
    assert.equal(again.stats.get('otlp_relay_disk_queue_recovered_items_total'), 0, 'nothing was left to replay');
    assert.ok(!bad.ids.some((id) => dest.spans.has(id)));
    assert.equal(dest.attempts.length, 3);
  } finally {
    await again.stop();
    await dest.stop();
  }
});

const transient: Array<[string, Fault]> = [
  ['hangs without an answer (the per-request timeout ends each attempt)', { kind: 'hang' }],
  ['resets the connection mid-request', { kind: 'reset' }],
];
for (const [what, fault] of transient) {
  test(`a destination that ${what} gets the data once it behaves`, async () => {
    const dest = await new FaultyDestination().start();
    const r = await relayTo(dest, 'disk');
    try {
      dest.mode = fault;
      const reqs = [spansRequest(5), logsRequest(5)];
      for (const req of reqs) assert.equal(await send(r, req), 200);
      await waitFor(() => dest.attempts.length >= 4, 10_000, 'several failed attempts');
      assert.equal(dest.delivered, 0);
      dest.mode = { kind: 'ok' };
      dest.release();
      await waitFor(() => reqs.every((q) => arrived(dest, q)), 10_000, 'every item');
      assert.equal(dest.duplicates, 0);
      assert.ok(r.stats.get('otlp_relay_exporter_retries_total') >= 3);
    } finally {
      await r.stop();
      await dest.stop();
    }
  });
}

test('a destination that refuses connections gets the data once it listens again', async () => {
  const dest = await new FaultyDestination().start();
  const r = await relayTo(dest, 'disk');
  try {
    await dest.refuse();
    const req = spansRequest(6);
    assert.equal(await send(r, req), 200);
    await waitFor(() => r.stats.get('otlp_relay_exporter_retries_total') >= 3, 10_000, 'retries against a closed port');
    assert.match(r.relay.runners.get('hc')!.status().lastError?.text ?? '', /ECONNREFUSED/);
    await dest.accept();
    await waitFor(() => arrived(dest, req), 10_000, 'delivery after the destination came back');
  } finally {
    await r.stop();
    await dest.stop();
  }
});
