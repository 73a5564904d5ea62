import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeHoneycomb } from '../../support/fake-honeycomb.ts';
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
