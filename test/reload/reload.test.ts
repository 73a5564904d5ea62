import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { ExporterConfig } from '../../src/config/types.ts';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { post, traceRequest } from '../support/otlp.ts';
import { startRelay, waitFor } from '../support/relay.ts';

const KEY = 'abcdefghijklmnopqrstuv';
const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

const config = (hcUrl: string, httpEndpoint = '127.0.0.1:0') => `
receivers:
  otlp:
    http: { endpoint: "${httpEndpoint}" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: ${KEY}
    endpoint: ${hcUrl}
    timeout: 300ms
    batch: { timeout: 10ms }
    retry: { initial_interval: 1m, max_interval: 1m, max_elapsed: 0s }
  console: { type: debug, batch: { timeout: 10ms } }
routes:
  - { signals: [traces], to: [honeycomb, console] }
`;

test('reload: a changed exporter hands its undelivered data to its replacement; an unchanged one keeps running', async () => {
  const down = await new FakeHoneycomb([KEY]).start();
  down.hang = true; // every send times out: the batch waits a minute to be retried
  const up = await new FakeHoneycomb([KEY]).start();
  const r = await startRelay(config(down.url), {}, { stdout: sink() });
  try {
    const req = traceRequest('svc', 3);
    assert.equal((await post(r.httpUrl, '/v1/traces', req.bytes)).status, 200);
    await waitFor(() => r.relay.runners.get('honeycomb')?.status().state === 'retrying', 10_000, 'the first attempt to time out');
    const console = r.relay.runners.get('console');
    const result = await r.relay.reload(parseConfig(config(up.url), { source: 'next.yaml' }));
    assert.equal(result.applied, true, result.message);
    assert.deepEqual(result.plan?.replaced, ['honeycomb']);
    assert.strictEqual(r.relay.runners.get('console'), console, 'the unchanged exporter is the same runner');
    await waitFor(() => up.spans().length === 3, 10_000, 'the queued spans at the new endpoint');
    assert.deepEqual(up.spans().map((s) => Buffer.from(s['spanId'] as Uint8Array).toString('hex')).sort(), [...req.spanIds].sort());
    assert.equal(r.stats.get('otlp_relay_exporter_dropped_items_total'), 0, 'nothing dropped');
    assert.equal(down.received.length, 0);
    assert.match(r.logs.text(), /config reloaded: replaced honeycomb \(queued data moved to the new settings\); kept console running/);
    assert.equal(r.relay.status().lastReload?.result, 'applied');
    assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('svc', 1).bytes)).status, 200, 'the receiver kept serving');
    await waitFor(() => up.spans().length === 4, 10_000, 'new data to the new endpoint');
  } finally {
    await r.stop();
    down.release();
    await down.stop();
    await up.stop();
  }
});

test('reload: a config whose exporter cannot be built is refused, and the old one keeps running untouched', async () => {
  const hc = await new FakeHoneycomb([KEY]).start();
  const r = await startRelay(config(hc.url), {}, { stdout: sink() });
  try {
    const before = r.relay.runners.get('honeycomb');
    const parsed = parseConfig(config(hc.url));
    // Every type the loader accepts can be built now, so the unbuildable exporter is made outside the loader.
    const next = { ...parsed, exporters: { ...parsed.exporters, console: { ...parsed.exporters['console'], type: 'splunk' } as unknown as ExporterConfig } };
    const result = await r.relay.reload(next);
    assert.equal(result.applied, false);
    assert.match(result.message, /exporter could not be built: exporter "console": type "splunk" is not available/);
    assert.strictEqual(r.relay.runners.get('honeycomb'), before);
    assert.equal(r.relay.runners.get('console')?.type, 'debug');
    assert.equal(r.relay.status().lastReload?.result, 'refused');
    assert.equal(r.stats.get('otlp_relay_config_reloads_total', { result: 'refused' }), 1);
    const said = r.logs.lines().filter((l) => l['level'] === 50 && String(l['msg']).startsWith('config reload refused, the previous config keeps running'));
    assert.equal(said.length, 1);
    assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('svc', 2).bytes)).status, 200);
    await waitFor(() => hc.spans().length === 2, 10_000, 'delivery with the old config');
  } finally {
    await r.stop();
    await hc.stop();
  }
});

test('reload: a new receiver endpoint restarts that receiver; a removed exporter drains and goes', async () => {
  const hc = await new FakeHoneycomb([KEY]).start();
  const r = await startRelay(config(hc.url), {}, { stdout: sink() });
  try {
    const next = parseConfig(config(hc.url).replace('  console: { type: debug, batch: { timeout: 10ms } }\n', '').replace('to: [honeycomb, console]', 'to: [honeycomb]'));
    const oldUrl = r.httpUrl;
    const result = await r.relay.reload(next);
    assert.equal(result.applied, true, result.message);
    assert.deepEqual(result.plan?.removed, ['console']);
    assert.deepEqual(result.plan?.receivers, { http: false, grpc: false });
    assert.deepEqual([...r.relay.runners.keys()], ['honeycomb']);
    const moved = await r.relay.reload(parseConfig(config(hc.url).replace('http: { endpoint: "127.0.0.1:0" }', 'http: { endpoint: "127.0.0.1:0", max_request_body_size: 1MiB }')));
    assert.equal(moved.applied, true, moved.message);
    assert.equal(moved.plan?.receivers.http, true);
    const port = r.relay.httpReceiver?.address?.port;
    assert.ok(port && `http://127.0.0.1:${port}` !== oldUrl, 'a new listener on a new ephemeral port');
    assert.equal((await post(`http://127.0.0.1:${port}`, '/v1/traces', traceRequest('svc', 1).bytes)).status, 200);
    await assert.rejects(post(oldUrl, '/v1/traces', traceRequest('svc', 1).bytes), 'the old listener is closed');
  } finally {
    await r.stop();
    await hc.stop();
  }
});
