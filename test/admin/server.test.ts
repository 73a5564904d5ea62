import assert from 'node:assert/strict';
import http from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { logsRequest, post, traceRequest } from '../support/otlp.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { sample } from '../support/metrics.ts';

const KEY = 'abcdefghijklmnopqrstuv';
const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

const config = (hcUrl: string, pipeline = 'batch: { timeout: 10ms }') => `
service: { admin: { endpoint: "127.0.0.1:0" } }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: \${env:HONEYCOMB_API_KEY}
    endpoint: ${hcUrl}
    timeout: 2s
    ${pipeline}
  console: { type: debug, batch: { timeout: 10ms } }
routes:
  - { signals: [traces, logs], to: [honeycomb, console] }
`;

async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('the admin endpoint after real traffic', () => {
  let hc: FakeHoneycomb;
  let r: TestRelay;
  let traceId: string;
  before(async () => {
    hc = await new FakeHoneycomb([KEY]).start();
    r = await startRelay(config(hc.url), { HONEYCOMB_API_KEY: KEY }, { admin: true, stdout: sink() });
    const req = traceRequest('backend-flask', [{ name: 'GET /api/activities' }, { name: 'db', error: true, exception: true, attributes: { 'leaked.header': `x-honeycomb-team: ${KEY}` } }]);
    traceId = Buffer.from((await import('../../src/otlp/codec.ts')).decodeRequest('traces', req.bytes).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId).toString('hex');
    assert.equal((await post(r.httpUrl, '/v1/traces', req.bytes)).status, 200);
    assert.equal((await post(r.httpUrl, '/v1/logs', logsRequest('backend-flask', [9, 17]))).status, 200);
    await waitFor(() => hc.spans().length === 2 && hc.logRecords().length === 2, 10_000, 'delivery to Honeycomb');
    await waitFor(() => r.stats.get('otlp_relay_exporter_sent_items_total', { exporter: 'console' }) === 4, 10_000, 'delivery to the console');
    await waitFor(() => r.relay.recent.traces().length === 1 && r.relay.recent.logs().length === 2, 10_000, 'the sample');
  });
  after(async () => {
    await r.stop();
    await hc.stop();
  });

  test('/metrics: Prometheus text with the documented counters, gauges and histograms', async () => {
    const m = await get(`${r.adminUrl}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.type, /^text\/plain; version=0\.0\.4/);
    const t = m.body;
    assert.equal(sample(t, 'otlp_relay_receiver_accepted_items_total{receiver="otlp/http",signal="traces"}'), 2);
    assert.equal(sample(t, 'otlp_relay_receiver_accepted_items_total{receiver="otlp/http",signal="logs"}'), 2);
    assert.equal(sample(t, 'otlp_relay_exporter_sent_items_total{exporter="honeycomb",signal="traces"}'), 2);
    assert.equal(sample(t, 'otlp_relay_exporter_sent_items_total{exporter="console",signal="logs"}'), 2);
    assert.equal(sample(t, 'otlp_relay_exporter_queue_capacity_bytes{exporter="honeycomb"}'), 64 * 2 ** 20);
    assert.equal(sample(t, 'otlp_relay_exporter_queue_bytes{exporter="honeycomb"}'), 0);
    assert.equal(sample(t, 'otlp_relay_exporter_send_duration_seconds_count{exporter="honeycomb",signal="traces",outcome="success"}'), 1);
    assert.equal(sample(t, 'otlp_relay_exporter_batch_items_sum{exporter="honeycomb",signal="logs"}'), 2);
    assert.equal(sample(t, 'otlp_relay_exporter_batch_items_count{exporter="honeycomb",signal="logs"}'), 1);
    assert.ok((sample(t, 'otlp_relay_exporter_batch_bytes_sum{exporter="honeycomb",signal="traces"}') ?? 0) > 50);
    assert.match(t, /# TYPE otlp_relay_exporter_send_duration_seconds histogram/);
    assert.match(t, /^process_cpu_seconds_total /m, 'process metrics too');
  });

  test('/healthz and /readyz answer 200 when listening with room in every queue', async () => {
    assert.deepEqual(JSON.parse((await get(`${r.adminUrl}/healthz`)).body), { status: 'ok' });
    const ready = await get(`${r.adminUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { ready: true, reasons: [] });
  });

  test('/api/status and /api/recent: exporters with counts; the trace, the error and the logs', async () => {
    const status = JSON.parse((await get(`${r.adminUrl}/api/status`)).body) as { exporters: Array<{ name: string; state: string; sent: number; destination: string }>; receivers: Array<{ name: string; listening: boolean }> };
    assert.deepEqual(
      status.exporters.map((e) => [e.name, e.state, e.sent, e.destination]),
      [
        ['honeycomb', 'ok', 4, hc.url],
        ['console', 'ok', 4, 'the console (stdout)'],
      ],
    );
    assert.deepEqual(status.receivers.map((x) => [x.name, x.listening]), [['otlp/http', true]]);
    const recent = JSON.parse((await get(`${r.adminUrl}/api/recent?service=backend-flask`)).body) as { traces: Array<{ traceId: string; errors: number }>; errors: unknown[]; logs: unknown[]; services: string[] };
    assert.deepEqual(recent.traces.map((x) => [x.traceId, x.errors]), [[traceId, 1]]);
    assert.equal(recent.errors.length, 2, 'the error span and the ERROR log record');
    assert.equal(recent.logs.length, 2);
    assert.deepEqual(recent.services, ['backend-flask']);
    const other = JSON.parse((await get(`${r.adminUrl}/api/recent?service=nobody`)).body) as { traces: unknown[] };
    assert.equal(other.traces.length, 0);
    const trace = await get(`${r.adminUrl}/api/traces/${traceId}`);
    assert.equal(trace.status, 200);
    assert.equal((await get(`${r.adminUrl}/api/traces/${'0'.repeat(32)}`)).status, 404);
  });

  test('no admin response carries the API key, even when an app put it in a span attribute', async () => {
    const paths = ['/', '/app.js', '/app.css', '/metrics', '/healthz', '/readyz', '/api/status', '/api/recent', `/api/traces/${traceId}`];
    for (const p of paths) {
      const res = await get(`${r.adminUrl}${p}`);
      assert.equal(res.status, 200, p);
      assert.ok(!res.body.includes(KEY), `${p} must not contain the key`);
    }
    assert.match((await get(`${r.adminUrl}/api/traces/${traceId}`)).body, /x-honeycomb-team: \[redacted 22 chars\]/);
  });

  test('the page is served with a CSP allowing only its own files; unknown paths 404; writes 405', async () => {
    const res = await fetch(`${r.adminUrl}/`);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
    const html = await res.text();
    assert.ok(!/https?:\/\//.test(html), 'no external URL in the page');
    assert.equal((await get(`${r.adminUrl}/nope`)).status, 404);
    assert.equal((await fetch(`${r.adminUrl}/metrics`, { method: 'POST' })).status, 405);
  });

  test('/api/events: a change event at once, and another when new data arrives', async () => {
    const events: string[] = [];
    const req = http.get(`${r.adminUrl}/api/events`, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (d: string) => events.push(...d.split('\n\n').filter((e) => e.startsWith('event: change') || e.includes('\nevent: change'))));
    });
    req.on('error', () => {});
    try {
      await waitFor(() => events.length >= 1, 10_000, 'the first event');
      const seen = events.length;
      assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('frontend', 1).bytes)).status, 200);
      await waitFor(() => events.length > seen, 10_000, 'a change event after new data');
    } finally {
      req.destroy();
    }
  });
});

describe('/readyz while a queue refuses data', () => {
  test('503 naming the exporter while its queue is full; 200 again once it drains', async () => {
    const hc = await new FakeHoneycomb([KEY]).start();
    hc.hang = true;
    let r: TestRelay | undefined;
    try {
      r = await startRelay(config(hc.url, 'queue: { max_bytes: 4KiB }\n    batch: { timeout: 10ms, max_bytes: 1KiB }'), { HONEYCOMB_API_KEY: KEY }, { admin: true, stdout: sink() });
      const relay = r;
      let refused = false;
      for (let i = 0; i < 100 && !refused; i++) refused = (await post(relay.httpUrl, '/v1/traces', traceRequest('svc', 20).bytes)).status === 429;
      assert.ok(refused, 'the relay refused data (429)');
      const res = await get(`${relay.adminUrl}/readyz`);
      assert.equal(res.status, 503);
      const body = JSON.parse(res.body) as { ready: boolean; reasons: string[] };
      assert.equal(body.ready, false);
      assert.match(body.reasons.join('\n'), /exporter honeycomb: its queue is full, so the relay refuses new data/);
      hc.release();
      await waitFor(() => relay.relay.readiness().ready, 30_000, 'the queue draining');
      assert.equal((await get(`${relay.adminUrl}/readyz`)).status, 200);
    } finally {
      await r?.stop();
      await hc.stop();
    }
  });
});

test('an admin port already in use is said at error level and the relay runs without it', async () => {
  const blocker = http.createServer();
  await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
  const port = (blocker.address() as { port: number }).port;
  const r = await startRelay(`service: { admin: { endpoint: "127.0.0.1:${port}" } }\nreceivers:\n  otlp:\n    http: { endpoint: "127.0.0.1:0" }\nexporters:\n  out: { type: debug }\nroutes:\n  - { signals: [traces], to: [out] }\n`, {}, { admin: true, stdout: sink() });
  try {
    assert.equal(r.relay.admin, undefined);
    const said = r.logs.lines().filter((l) => l['level'] === 50 && String(l['msg']).includes('the admin endpoint could not listen'));
    assert.equal(said.length, 1);
    assert.equal((await post(r.httpUrl, '/v1/traces', traceRequest('svc', 1).bytes)).status, 200, 'the relay still relays');
  } finally {
    await r.stop();
    blocker.close();
  }
});
