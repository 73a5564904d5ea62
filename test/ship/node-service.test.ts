/**
 * The compose example's Node service, run as compose runs it (its environment from docker-compose.yml,
 * with the relay's and the backend's addresses swapped for local ones): its spans, its error and its
 * logs reach the destination through the relay, and the trace continues into the backend.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { environmentOf, loadCompose } from './shipping.ts';

const SERVER = fileURLToPath(new URL('../../examples/node-service/server.js', import.meta.url));
const KEY = 'hcaik_' + '01jnodeserviceexample'.padEnd(58, '0');
const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString('hex');

interface Span {
  name: string;
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  status: number;
  events: string[];
}

describe('examples/node-service through the relay', () => {
  let hc: FakeHoneycomb;
  let relay: TestRelay;
  let backend: http.Server;
  const backendCalls: http.IncomingHttpHeaders[] = [];
  let app: ChildProcessWithoutNullStreams;
  let appUrl = '';
  let appOutput = '';
  const composeEnv = environmentOf(loadCompose().services['node-service'] ?? {});

  before(async () => {
    hc = await new FakeHoneycomb([KEY]).start();
    relay = await startRelay(
      `
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb: { type: honeycomb, api_key: "\${env:HONEYCOMB_API_KEY}", endpoint: "${hc.url}", batch: { timeout: 20ms } }
routes:
  - { signals: [traces, logs], to: [honeycomb] }
`,
      { HONEYCOMB_API_KEY: KEY },
    );
    backend = http.createServer((req, res) => {
      backendCalls.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[{"handle":"Andrew Brown"}]');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0' };
    for (const [k, v] of Object.entries(composeEnv)) if (v !== null) env[k] = v;
    env['OTEL_EXPORTER_OTLP_ENDPOINT'] = (env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '').replace(/^http:\/\/otlp-relay:4318/, relay.httpUrl);
    env['BACKEND_URL'] = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    app = spawn(process.execPath, [SERVER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    app.stdout.on('data', (d: Buffer) => (appOutput += d.toString()));
    app.stderr.on('data', (d: Buffer) => (appOutput += d.toString()));
    await waitFor(() => /listening on (http:\S+)/.test(appOutput) || app.exitCode !== null, 15_000, 'node-service to listen');
    appUrl = /listening on (http:\S+)/.exec(appOutput)?.[1] ?? '';
    assert.ok(appUrl, appOutput);
  });

  after(async () => {
    if (app && app.exitCode === null) app.kill('SIGKILL');
    await new Promise<void>((r) => backend?.close(() => r()) ?? r());
    await relay?.stop();
    await hc?.stop();
  });

  test('serves, calls the backend with the trace, fails on purpose; on SIGTERM it flushes and exits 0', async () => {
    assert.equal(composeEnv['OTEL_SERVICE_NAME'], 'node-service');
    const home = await fetch(`${appUrl}/api/home`);
    assert.equal(home.status, 200);
    assert.deepEqual(((await home.json()) as { activities: unknown }).activities, [{ handle: 'Andrew Brown' }]);
    assert.equal((await fetch(`${appUrl}/api/fail`)).status, 500);
    assert.equal((await fetch(`${appUrl}/healthz`)).status, 200);

    const code = await new Promise<number | null>((resolve) => {
      app.on('exit', resolve);
      app.kill('SIGTERM');
    });
    assert.equal(code, 0, appOutput);

    await waitFor(() => hc.spans().length >= 3 && hc.logRecords().length >= 2, 10_000, 'spans and logs at the destination');
    const spans: Span[] = hc.spans().map((s) => ({
      name: String(s['name']),
      service: s.service,
      traceId: hex(s['traceId']),
      spanId: hex(s['spanId']),
      parentSpanId: hex(s['parentSpanId'] ?? new Uint8Array()),
      kind: Number(s['kind']),
      status: Number((s['status'] as { code?: number } | undefined)?.code ?? 0),
      events: ((s['events'] as Array<{ name: string }> | undefined) ?? []).map((e) => e.name),
    }));
    assert.deepEqual(spans.map((s) => s.name).sort(), ['GET /api/activities/home', 'GET /api/fail', 'GET /api/home'], 'no /healthz span');
    assert.ok(spans.every((s) => s.service === 'node-service'), 'service.name from OTEL_SERVICE_NAME');
    const server = spans.find((s) => s.name === 'GET /api/home')!;
    const client = spans.find((s) => s.name === 'GET /api/activities/home')!;
    const failed = spans.find((s) => s.name === 'GET /api/fail')!;
    assert.equal(server.kind, 2, 'SERVER');
    assert.equal(client.kind, 3, 'CLIENT');
    assert.equal(client.traceId, server.traceId);
    assert.equal(client.parentSpanId, server.spanId);
    assert.equal(failed.status, 2, 'status ERROR');
    assert.deepEqual(failed.events, ['exception'], 'the exception is on the span (the relay makes it a Rollbar item)');

    assert.equal(backendCalls.length, 1);
    assert.equal(backendCalls[0]!['traceparent'], `00-${server.traceId}-${client.spanId}-01`, 'the backend continues the same trace');

    const logs = hc.logRecords().map((l) => ({ severity: Number(l['severityNumber']), service: l.service, traceId: hex(l['traceId']) }));
    assert.deepEqual(logs.map((l) => l.severity).sort((a, b) => a - b), [9, 13], 'INFO for the page, WARN for the failure (not ERROR: one Rollbar item per failure)');
    assert.ok(logs.every((l) => l.service === 'node-service'));
    assert.ok(logs.some((l) => l.traceId === server.traceId), 'logs carry their trace');
  });
});
