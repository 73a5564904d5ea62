/**
 * End to end: the stock OpenTelemetry JS SDK (test/e2e/fixtures/xray-app.ts: HTTP server and client,
 * Postgres and DynamoDB calls, thrown errors) → the relay, routed by the config contract's trace route
 * → a local X-Ray API that checks SigV4 and every document. Credentials and region come from the
 * environment, as the standard AWS chain reads them; they are test values.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { FakeXray } from '../support/fake-xray.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { otlpToHoneycombYaml, runSdkApp } from './setup.ts';

const APP = fileURLToPath(new URL('./fixtures/xray-app.ts', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const HONEYCOMB_KEY = 'hcaik_' + '01jcruddurxraytestkey'.padEnd(58, '0');
const CREDS = { accessKeyId: 'AKIAE2ETESTKEY000001', secretAccessKey: 'e2e/test/secret/not/real/000000000000000', region: 'eu-west-2' };
// The standard AWS chain reads these; no instance metadata lookups in tests.
const AWS_ENV = { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_REGION: CREDS.region, AWS_EC2_METADATA_DISABLED: 'true' };
Object.assign(process.env, AWS_ENV);

interface AppSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}
interface AppOutput {
  results: Array<{ code: number; error?: string }>;
  spans: AppSpan[];
}
type Doc = Record<string, unknown> & {
  id: string;
  name: string;
  trace_id: string;
  parent_id?: string;
  type?: string;
  namespace?: string;
  http?: { request?: Record<string, unknown>; response?: { status?: number } };
  sql?: Record<string, unknown>;
  aws?: Record<string, unknown>;
  cause?: { exceptions: Array<{ id: string; type?: string; message?: string; remote?: boolean; stack?: Array<{ path?: string; line?: number; label?: string }> }> };
};

const xrayTraceId = (hex: string) => `1-${hex.slice(0, 8)}-${hex.slice(8)}`;

const runApp = (endpoint: string, protocol: string): Promise<AppOutput> => runSdkApp<AppOutput>(APP, endpoint, protocol);

function relayYaml(xray: FakeXray, hc: FakeHoneycomb, extra = ''): string {
  return `${otlpToHoneycombYaml(hc.url)}  xray:
    type: xray
    region: \${env:AWS_REGION:-us-east-1}
    endpoint: ${xray.url}
    indexed_attributes: [http.route, app.activity_count]
    batch: { timeout: 20ms }
    retry: { initial_interval: 20ms, max_interval: 100ms }
${extra}
routes:
  - { signals: [traces], to: [honeycomb, xray] }
`;
}

describe('the stock OpenTelemetry JS SDK, through the relay, to an X-Ray API', () => {
  let xray: FakeXray;
  let hc: FakeHoneycomb;
  let relay: TestRelay;

  before(async () => {
    xray = await new FakeXray(CREDS).start();
    hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    relay = await startRelay(relayYaml(xray, hc), { HONEYCOMB_API_KEY: HONEYCOMB_KEY, AWS_REGION: CREDS.region });
  });
  after(async () => {
    await relay?.stop();
    await xray?.stop();
    await hc?.stop();
  });

  const byId = (): Map<string, Doc> => new Map(xray.segments().map((d) => [String(d['id']), d as Doc]));

  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
    test(`${protocol}: every span arrives as a valid document keeping its http, sql, aws and cause information`, async () => {
      const out = await runApp(protocol === 'grpc' ? relay.grpcUrl : relay.httpUrl, protocol);
      assert.equal(out.spans.length, 9);
      await waitFor(() => out.spans.every((s) => byId().has(s.spanId)), 15_000, 'every span at X-Ray');
      assert.deepEqual(
        xray.received.flatMap((r) => r.unprocessed),
        [],
        'X-Ray processed every document',
      );
      const docs = byId();
      const doc = (name: string): Doc => {
        const s = out.spans.find((x) => x.name === name);
        assert.ok(s, `the app exported ${name}`);
        const d = docs.get(s.spanId);
        assert.ok(d, `${name} arrived`);
        return d;
      };
      for (const s of out.spans) {
        const d = docs.get(s.spanId)!;
        assert.equal(d.trace_id, xrayTraceId(s.traceId), 'the W3C trace id, never rewritten');
        if (s.parentSpanId) assert.equal(d.parent_id, s.parentSpanId);
        // SERVER / CONSUMER spans and roots are segments; other children are independent subsegments (API kinds: SERVER 1, CONSUMER 4).
        const segment = s.kind === 1 || s.kind === 4 || !s.parentSpanId;
        assert.equal(d.type, segment ? undefined : 'subsegment', `${s.name} (kind ${s.kind})`);
      }

      const home = doc('GET /api/activities/home');
      assert.equal(home.name, 'backend-flask');
      assert.deepEqual(home.http?.response, { status: 200 });
      assert.equal(home.http?.request?.['method'], 'GET');
      assert.match(String(home.http?.request?.['url']), /^http:\/\/127\.0\.0\.1:\d+\/api\/activities\/home$/);
      assert.equal(home['user'], 'andrewbrown');
      assert.deepEqual(home['annotations'], { 'http.route': '/api/activities/home', 'app.activity_count': 3 });
      assert.deepEqual(home.aws?.['xray'], { sdk: 'opentelemetry for nodejs', sdk_version: String((out.spans[0] as unknown as { resource: Record<string, unknown> }).resource['telemetry.sdk.version']) });

      const db = doc('SELECT cruddur');
      assert.equal(db.name, 'cruddur@db');
      assert.equal(db.namespace, 'remote');
      assert.deepEqual(db.sql, { url: 'postgresql://db:5432/cruddur', database_type: 'postgresql', sanitized_query: 'SELECT * FROM activities ORDER BY created_at DESC LIMIT $1' });

      const dynamo = doc('DynamoDB.PutItem');
      assert.equal(dynamo.name, 'DynamoDB');
      assert.equal(dynamo.namespace, 'aws');
      assert.equal(dynamo['error'], true);
      assert.deepEqual(dynamo.aws, { operation: 'PutItem', region: 'us-east-1', request_id: 'V4Q3GJ8M7DRK1PL5U3Q3TJ0H1BVV4KQNSO5AEMVJF66Q9ASUAAJG', table_name: 'cruddur-messages' });
      const awsError = dynamo.cause?.exceptions[0];
      assert.equal(awsError?.type, 'ConditionalCheckFailedException');
      assert.equal(awsError?.remote, true);
      assert.equal(awsError?.stack?.[0]?.label, 'putMessage');

      const messages = out.spans.find((s) => s.name === 'POST /api/messages')!;
      const failed = docs.get(messages.spanId)!;
      assert.equal(failed['fault'], true);
      const typeError = failed.cause?.exceptions[0];
      assert.equal(typeError?.type, 'TypeError');
      assert.equal(typeError?.message, "Cannot read properties of undefined (reading 'text')");
      assert.equal(typeError?.stack?.[0]?.label, 'renderMessage', 'frames parsed from the real V8 stack');
      assert.match(String(typeError?.stack?.[0]?.path), /xray-app\.ts$/);
      assert.ok((typeError?.stack?.[0]?.line ?? 0) > 0);

      const throttled = docs.get(out.spans.find((s) => s.name === 'GET /api/throttled')!.spanId)!;
      assert.equal(throttled['error'], true);
      assert.equal(throttled['throttle'], true);

      const clients = out.spans.filter((s) => s.kind === 2 && s.service === 'frontend-react-js').map((s) => docs.get(s.spanId)!);
      assert.deepEqual(
        clients.map((c) => c.name),
        ['127.0.0.1', '127.0.0.1', '127.0.0.1'],
      );
      assert.equal(doc('load home page').name, 'load home page', 'an INTERNAL root is a segment named after its span');

      await waitFor(() => out.spans.every((s) => hc.spans().some((h) => Buffer.from(h['spanId'] as Uint8Array).toString('hex') === s.spanId)), 10_000, 'the same spans at Honeycomb');
    });
  }

  test('the requests are SigV4-signed for xray with the environment\'s credentials, at most 50 documents each', () => {
    assert.ok(xray.received.length > 0);
    for (const r of xray.received) {
      assert.match(String(r.headers['authorization']), new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/\\d{8}/${CREDS.region}/xray/aws4_request, `));
      assert.ok(r.documents.length <= 50);
      assert.match(String(r.headers['user-agent']), /otlp-relay\//);
    }
    assert.deepEqual(xray.refused, []);
  });

  test('throttling loses nothing: throttled calls and throttled documents are retried until X-Ray takes them', async () => {
    const retriesBefore = relay.stats.get('otlp_relay_exporter_retries_total', { exporter: 'xray' });
    xray.throttleCalls = 2;
    xray.throttleDocuments = 3;
    const out = await runApp(relay.httpUrl, 'http/protobuf');
    await waitFor(() => out.spans.every((s) => byId().has(s.spanId)), 15_000, 'every span at X-Ray despite throttling');
    assert.equal(xray.throttleCalls, 0, 'the throttled calls happened');
    assert.equal(xray.throttleDocuments, 0, 'the throttled documents happened');
    assert.ok(relay.stats.get('otlp_relay_exporter_retries_total', { exporter: 'xray' }) > retriesBefore, 'retried with backoff');
    assert.equal(relay.stats.get('otlp_relay_exporter_dropped_items_total', { exporter: 'xray' }), 0);
    assert.equal(relay.stats.get('otlp_relay_exporter_failed_items_total', { exporter: 'xray' }), 0);
    assert.equal(relay.stats.get('otlp_relay_xray_unprocessed_segments_total', { error_code: 'ThrottledException' }), 3);
    // Each document written exactly once: a retry resends only what X-Ray has not taken.
    for (const s of out.spans) assert.equal(xray.writes.get(`${xrayTraceId(s.traceId)}/${s.spanId}`), 1, s.name);
    const warned = relay.logs.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));
    assert.ok(warned.some((m) => /xray: X-Ray throttled the request, ThrottledException \(429\): Rate exceeded; retrying with backoff/.test(m)), warned.join('\n'));
    assert.ok(warned.some((m) => /X-Ray did not process a segment: ThrottledException: Rate exceeded .*retrying it with backoff/.test(m)), warned.join('\n'));
  });

  test('a refusal is counted and explained once, at warn level', async () => {
    xray.script.push({ status: 400, type: 'InvalidRequestException', message: 'Segment document is invalid' });
    const failedBefore = relay.stats.get('otlp_relay_exporter_failed_items_total', { exporter: 'xray' });
    const out = await runApp(relay.httpUrl, 'http/protobuf');
    await waitFor(() => relay.stats.get('otlp_relay_exporter_failed_items_total', { exporter: 'xray' }) > failedBefore, 10_000, 'the refusal counted');
    const said = relay.logs.lines().filter((l) => l['level'] === 40 && String(l['msg']).includes('Segment document is invalid'));
    assert.equal(said.length, 1);
    assert.match(String(said[0]!['msg']), /xray refused \d+ spans: X-Ray refused the request as invalid, InvalidRequestException \(400\): Segment document is invalid \(not retried; said once per reason\)/);
    assert.ok(out.spans.length > 0);
  });
});

describe('credentials the X-Ray API refuses', () => {
  test('permanent, said once, and the secret appears nowhere in the logs', async () => {
    const xray = await new FakeXray({ ...CREDS, secretAccessKey: 'the/server/expects/another/secret/00000' }).start();
    const hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    const relay = await startRelay(relayYaml(xray, hc), { HONEYCOMB_API_KEY: HONEYCOMB_KEY });
    try {
      await runApp(relay.httpUrl, 'http/protobuf');
      await waitFor(() => relay.stats.get('otlp_relay_exporter_failed_items_total', { exporter: 'xray' }) > 0, 10_000, 'the refusal counted');
      const said = relay.logs.lines().filter((l) => String(l['msg']).includes('InvalidSignatureException'));
      assert.equal(said.length, 1);
      assert.match(String(said[0]!['msg']), /X-Ray refused the credentials.*standard AWS chain/);
      assert.ok(!relay.logs.text().includes(CREDS.secretAccessKey), 'the secret access key never reaches a log line');
      assert.equal(relay.relay.runners.get('xray')?.status().state, 'failing');
    } finally {
      await relay.stop();
      await xray.stop();
      await hc.stop();
    }
  });
});

describe('the otlp-relay command, configured by the environment only', () => {
  test('AWS_ENDPOINT_URL_XRAY, AWS_REGION and the credential variables reach X-Ray through `otlp-relay run`', async () => {
    const xray = await new FakeXray(CREDS).start();
    const dir = mkdtempSync(join(tmpdir(), 'otlp-relay-xray-'));
    const config = join(dir, 'relay.yaml');
    writeFileSync(
      config,
      `service:\n  admin: { endpoint: "127.0.0.1:0" }\nreceivers:\n  otlp:\n    http: { endpoint: "127.0.0.1:0" }\nexporters:\n  xray:\n    type: xray\n    batch: { timeout: 20ms }\nroutes:\n  - { signals: [traces], to: [xray] }\n`,
    );
    const child = spawn(process.execPath, [MAIN, 'run', '--config', config], {
      env: { PATH: process.env['PATH'] ?? '', ...AWS_ENV, AWS_ENDPOINT_URL_XRAY: xray.url, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => /OTLP\/HTTP receiver listening/.test(stdout), 15_000, 'the relay listening');
      const endpoint = /"endpoint":"([\d.]+:\d+)","msg":"OTLP\/HTTP receiver listening"/.exec(stdout)?.[1];
      assert.ok(endpoint, stdout);
      const out = await runApp(`http://${endpoint}`, 'http/protobuf');
      await waitFor(() => out.spans.every((s) => xray.segments().some((d) => d['id'] === s.spanId)), 15_000, 'every span at X-Ray');
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.ok(!stdout.includes(CREDS.secretAccessKey));
    } finally {
      child.kill('SIGKILL');
      await xray.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
