import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { encodeRequest } from '../../../src/otlp/codec.ts';
import { invalidUtf8 } from '../../support/corrupt.ts';
import { FakeHoneycomb } from '../../support/fake-honeycomb.ts';
import { tempDir } from '../../support/fault-fs.ts';
import { sample } from '../../support/metrics.ts';
import { logsRequest, post, traceRequest } from '../../support/otlp.ts';
import { startRelay, waitFor } from '../../support/relay.ts';

const GOOD = 'abcdefghijklmnopqrstuv';
const TYPO = 'abcdefghijklmnopqrstuw';
const CLASSIC = '0123456789abcdef0123456789abcdef';

function config(url: string, key: string, extra = ''): string {
  return `
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: ${key}
    endpoint: ${url}
    batch: { timeout: 10ms }
    retry: { initial_interval: 20ms, max_interval: 100ms }
${extra}
routes:
  - { signals: [traces, logs], to: [honeycomb] }
`;
}

test('a refused key is said once at warn level with Honeycomb\'s words, counted, and never logged', async () => {
  const hc = await new FakeHoneycomb([GOOD]).start();
  const r = await startRelay(config(hc.url, TYPO));
  try {
    for (let i = 0; i < 3; i++) assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('api', 2).bytes)).status, 200);
    await waitFor(() => r.stats.get('otlp_relay_exporter_failed_items_total', { exporter: 'honeycomb', reason: 'permanent' }) === 6, 5000, 'failures counted');
    assert.equal(r.stats.get('otlp_relay_exporter_retries_total'), 0, 'not retried');
    assert.equal(hc.refused.length, r.stats.get('otlp_relay_exporter_requests_total', { outcome: 'permanent' }), 'one request per batch');
    const warns = r.logs.lines().filter((l) => l['level'] === 40 && String(l['msg']).includes('401'));
    assert.equal(warns.length, 1, 'said once');
    assert.match(String(warns[0]!['msg']), /unknown API key - check your credentials/);
    assert.ok(!r.logs.text().includes(TYPO), 'the key never appears in the log');
    assert.equal(r.relay.runners.get('honeycomb')!.status().state, 'failing');
  } finally {
    await r.stop();
    await hc.stop();
  }
});

test('429 with Retry-After and 503 are retried until delivered', async () => {
  const hc = await new FakeHoneycomb([GOOD]).start();
  hc.script.push({ status: 429, headers: { 'retry-after': '1' }, body: '{"detail":"slow down"}' }, { status: 503 });
  const r = await startRelay(config(hc.url, GOOD));
  try {
    const req = traceRequest('api', 3);
    const t0 = Date.now();
    assert.equal((await post(r.httpUrl, '/v1/traces', req.bytes)).status, 200);
    await waitFor(() => r.stats.get('otlp_relay_exporter_sent_items_total') === 3, 10_000, 'delivery after retries');
    assert.equal(hc.spans().length, 3);
    assert.ok(Date.now() - t0 >= 1000, 'waited the second Retry-After asked for');
    assert.equal(r.stats.get('otlp_relay_exporter_retries_total', { exporter: 'honeycomb' }), 2);
    assert.equal(r.stats.get('otlp_relay_exporter_sent_items_total', { exporter: 'honeycomb', signal: 'traces' }), 3);
  } finally {
    await r.stop();
    await hc.stop();
  }
});

test('a classic key sends its dataset; logs and traces go to their own paths', async () => {
  const hc = await new FakeHoneycomb([CLASSIC]).start();
  const r = await startRelay(config(hc.url, CLASSIC, '    dataset: cruddur'));
  try {
    assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('api', 1).bytes)).status, 200);
    assert.equal((await post(r.httpUrl, '/v1/logs', logsRequest('api', [9, 17]))).status, 200);
    await waitFor(() => hc.spans().length === 1 && hc.logRecords().length === 2, 5000, 'both signals');
    assert.ok(hc.received.every((x) => x.headers['x-honeycomb-dataset'] === 'cruddur'));
    assert.equal(hc.refused.length, 0);
  } finally {
    await r.stop();
    await hc.stop();
  }
});

/** A long batch timeout, so requests sent together leave in one batch. */
function batchingConfig(url: string): string {
  return `
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: ${GOOD}
    endpoint: ${url}
    batch: { timeout: 300ms }
routes:
  - { signals: [traces], to: [honeycomb] }
`;
}

const hexIds = (spans: Array<Record<string, unknown>>) => new Set(spans.map((s) => Buffer.from(s['spanId'] as Uint8Array).toString('hex')));

test("the app's gzip goes to Honeycomb byte for byte; the rest of the batch is compressed here, as further gzip members", async () => {
  const hc = await new FakeHoneycomb([GOOD]).start();
  const r = await startRelay(batchingConfig(hc.url));
  try {
    const [a, b, c] = [traceRequest('api', 4), traceRequest('api', 5), traceRequest('web', 6)];
    const gzA = zlib.gzipSync(a.bytes, { level: 9 });
    const gzB = zlib.gzipSync(b.bytes, { level: 9 });
    const replies = await Promise.all([
      post(r.httpUrl, '/v1/traces', gzA, { 'content-encoding': 'gzip' }),
      post(r.httpUrl, '/v1/traces', c.bytes),
      post(r.httpUrl, '/v1/traces', gzB, { 'content-encoding': 'gzip' }),
    ]);
    assert.deepEqual(replies.map((x) => x.status), [200, 200, 200]);
    await waitFor(() => hc.spans().length === 15, 5000, 'all 15 spans');
    assert.equal(hc.received.length, 1, 'one batch');
    const got = hc.received[0]!;
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.ok(got.wire.includes(gzA) && got.wire.includes(gzB), 'the senders\' gzip members are in the body unchanged');
    assert.ok(got.wire.length > gzA.length + gzB.length, 'and the identity request was compressed into a member of its own');
    const ids = hexIds(hc.spans());
    for (const id of [...a.spanIds, ...b.spanIds, ...c.spanIds]) assert.ok(ids.has(id), `span ${id} delivered`);

    // A batch made only of gzipped requests is exactly their gzip, one member after the other.
    const [d, e] = [traceRequest('api', 2), traceRequest('api', 3)];
    const [gzD, gzE] = [zlib.gzipSync(d.bytes), zlib.gzipSync(e.bytes)];
    await Promise.all([post(r.httpUrl, '/v1/traces', gzD, { 'content-encoding': 'gzip' }), post(r.httpUrl, '/v1/traces', gzE, { 'content-encoding': 'gzip' })]);
    await waitFor(() => hc.spans().length === 20, 5000, 'all 20 spans');
    assert.equal(hc.received.length, 2, 'one more batch');
    const wire = hc.received[1]!.wire;
    assert.ok(wire.equals(Buffer.concat([gzD, gzE])) || wire.equals(Buffer.concat([gzE, gzD])), 'nothing but the senders\' gzip');
  } finally {
    await r.stop();
    await hc.stop();
  }
});

test('a request the relay changed (an invalid span dropped) is compressed again, never passed through', async () => {
  const hc = await new FakeHoneycomb([GOOD]).start();
  const r = await startRelay(batchingConfig(hc.url));
  try {
    const span = (spanId: Buffer) => ({ traceId: Buffer.alloc(16, 7), spanId, name: 'checkout', startTimeUnixNano: 1n, endTimeUnixNano: 2n });
    const bytes = encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span(Buffer.alloc(8, 1)), span(Buffer.alloc(3, 1))] }] }] });
    const gz = zlib.gzipSync(bytes, { level: 9 });
    const reply = await post(r.httpUrl, '/v1/traces', gz, { 'content-encoding': 'gzip' });
    assert.equal(reply.status, 200);
    await waitFor(() => hc.spans().length === 1, 5000, 'the valid span');
    const wire = hc.received[0]!.wire;
    assert.ok(!wire.includes(gz), 'the original gzip holds the invalid span: not sent');
    assert.equal(zlib.gunzipSync(wire).length < bytes.length, true, 'what was sent is the cleaned request');
  } finally {
    await r.stop();
    await hc.stop();
  }
});

for (const queue of ['memory', 'disk'] as const) {
  test(`[${queue}] one app's invalid UTF-8 costs only its own spans: the other requests batched with it reach Honeycomb once`, async () => {
    const hc = await new FakeHoneycomb([GOOD]).start();
    const q = queue === 'disk' ? `{ type: disk, dir: "${await tempDir()}" }` : '{}';
    const r = await startRelay(
      `
service: { admin: { endpoint: "127.0.0.1:0" } }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: ${GOOD}
    endpoint: ${hc.url}
    queue: ${q}
    batch: { timeout: 300ms }
routes:
  - { signals: [traces], to: [honeycomb] }
`,
      {},
      { admin: true },
    ).catch(async (err: unknown) => {
      await hc.stop(); // a relay that did not start must not leave the fake holding the test file open
      throw err;
    });
    try {
      const good = [traceRequest('api', 4), traceRequest('web', 5), traceRequest('worker', 3), traceRequest('cron', 2)];
      const bad = traceRequest('billing', [{ name: 'zzzz' }, { name: 'charge' }, { name: 'refund' }]);
      const badBytes = invalidUtf8(bad.bytes, 'zzzz');
      const gz = (b: Uint8Array) => [zlib.gzipSync(b), { 'content-encoding': 'gzip' }] as const;
      const bodies: Array<readonly [Uint8Array, Record<string, string>]> = [[good[0]!.bytes, {}], gz(good[1]!.bytes), gz(badBytes), [good[2]!.bytes, {}], gz(good[3]!.bytes)];
      const appGzip = [Buffer.from(bodies[1]![0]), Buffer.from(bodies[4]![0])];
      const replies = await Promise.all(bodies.map(([body, headers]) => post(r.httpUrl, '/v1/traces', body, headers)));
      assert.deepEqual(replies.map((x) => x.status), [200, 200, 200, 200, 200], 'the relay accepts all five (it does not check UTF-8)');

      await waitFor(() => r.stats.get('otlp_relay_exporter_sent_items_total') + r.stats.get('otlp_relay_exporter_failed_items_total') === 17, 10_000, 'every span delivered or refused');
      const counts = new Map<string, number>();
      for (const s of hc.spans()) {
        const id = Buffer.from(s['spanId'] as Uint8Array).toString('hex');
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const goodIds = good.flatMap((g) => g.spanIds);
      for (const id of goodIds) assert.equal(counts.get(id), 1, `span ${id} of a good request delivered exactly once`);
      assert.equal(hc.spans().length, goodIds.length, 'nothing else delivered');
      for (const id of bad.spanIds) assert.ok(!counts.has(id), 'no span of the bad request delivered');
      assert.ok(hc.refused.some((x) => x.status === 400 && x.error === 'invalid UTF-8 in ExportTraceServiceRequest.resourceSpans.scopeSpans.spans.name'));
      // A memory queue keeps the apps' gzip through the split: the pieces carry it, not a new compression.
      if (queue === 'memory') for (const g of appGzip) assert.ok(hc.received.some((x) => x.wire.includes(g)), "an app's gzip delivered as it sent it");

      const m = await (await fetch(`${r.adminUrl}/metrics`)).text();
      assert.equal(sample(m, 'otlp_relay_exporter_batch_items_count{exporter="honeycomb",signal="traces"}'), 1, 'the five requests left as one batch');
      assert.equal(sample(m, 'otlp_relay_exporter_failed_items_total{exporter="honeycomb",signal="traces",reason="permanent"}'), 3, "the bad request's spans");
      assert.equal(sample(m, 'otlp_relay_exporter_sent_items_total{exporter="honeycomb",signal="traces"}'), 14);
      assert.ok((sample(m, 'otlp_relay_exporter_splits_total{exporter="honeycomb",signal="traces"}') ?? 0) >= 1);
      const warns = r.logs.lines().filter((l) => l['level'] === 40 && String(l['msg']).includes('400'));
      assert.equal(warns.length, 1, 'said once');
      assert.equal(
        String(warns[0]!['msg']),
        'honeycomb refused 3 spans: Honeycomb answered 400: failed to parse OTLP request body (the rest of the batch was re-sent without them; not retried; said once per reason)',
      );

      // The relay keeps running: a later request goes through.
      const later = traceRequest('api', 2);
      assert.equal((await post(r.httpUrl, '/v1/traces', later.bytes)).status, 200);
      await waitFor(() => hexIds(hc.spans()).has(later.spanIds[1]!), 5000, 'a later request delivered');
      assert.equal(r.relay.runners.get('honeycomb')!.status().state, 'ok');
    } finally {
      await r.stop();
      await hc.stop();
    }
  });
}
