import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeRequest, encodeRequest } from '../../src/otlp/codec.ts';
import { FakeCloudWatchLogs } from '../support/fake-cloudwatch-logs.ts';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { logsRequest, post } from '../support/otlp.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { otlpToHoneycombYaml, runSdkApp } from './setup.ts';

const APP = fileURLToPath(new URL('./fixtures/sdk-app.ts', import.meta.url));
const HONEYCOMB_KEY = 'hcaik_' + '01jcruddurcwlogse2ekey'.padEnd(58, '0');
// AWS's documented example keys: the relay signs with them and the fake checks the signature.
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

interface SdkLog {
  time: string;
  observed: string;
  severityNumber: number;
  severityText: string;
  body: unknown;
  attributes: Record<string, unknown>;
  traceId: string;
  spanId: string;
}
interface AppOutput {
  results: Array<{ signal: string; code: number; error?: string }>;
  logs: SdkLog[];
}
interface CwDocument {
  body: unknown;
  severity_text?: string;
  severity_number?: number;
  attributes?: Record<string, unknown>;
  resource?: Record<string, unknown>;
  scope?: { name?: string; version?: string };
  trace_id?: string;
  span_id?: string;
}

/**
 * The relay runs in this process, so the AWS SDK's standard chain reads this process's environment:
 * fake keys, the fake's URL through AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, and no shared files or
 * instance metadata, so nothing real can be picked up.
 */
function useFakeAwsEnvironment(endpoint: string): void {
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) delete process.env[k];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
    AWS_CONFIG_FILE: '/nonexistent/otlp-relay-test/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/otlp-relay-test/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoint,
  });
}

/** The config contract's shape: a templated group per service, a stream per host, logs fanned out. */
const CONFIG = (honeycombUrl: string, extra = '') => `${otlpToHoneycombYaml(honeycombUrl)}  cloudwatch:
    type: cloudwatch_logs
    region: \${env:AWS_REGION:-us-east-1}
    log_group: /cruddur/{service.name}
    log_stream: "{host.name}"
    batch: { timeout: 20ms }
    retry: { initial_interval: 10ms, max_interval: 50ms }
${extra}
routes:
  - { signals: [traces], to: [honeycomb] }
  - { signals: [logs], to: [cloudwatch, honeycomb] }
`;

const documents = (cw: FakeCloudWatchLogs, group: string, stream: string) => cw.events(group, stream).map((e) => ({ timestamp: e.timestamp, doc: JSON.parse(e.message) as CwDocument }));

describe('the stock OpenTelemetry JS SDK, through the relay, to a local CloudWatch Logs API', () => {
  let cw: FakeCloudWatchLogs;
  let hc: FakeHoneycomb;
  let relay: TestRelay;

  before(async () => {
    cw = await new FakeCloudWatchLogs({ credentials: [CREDS], region: 'us-east-1' }).start();
    hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    useFakeAwsEnvironment(cw.url);
    relay = await startRelay(CONFIG(hc.url), { HONEYCOMB_API_KEY: HONEYCOMB_KEY });
  });
  after(async () => {
    await relay?.stop();
    await hc?.stop();
    await cw?.stop();
  });

  for (const [protocol, host] of [
    ['http/protobuf', 'web-1'],
    ['grpc', undefined],
  ] as const) {
    test(`${protocol}: every log record lands once, as queryable JSON with trace ids, in /cruddur/<service> / ${host ?? 'unknown'}`, async () => {
      const service = `cruddur-${protocol.replace('/', '-')}`;
      const env: Record<string, string> = { OTEL_SERVICE_NAME: service, APP_SPANS: '3' };
      if (host !== undefined) env['OTEL_RESOURCE_ATTRIBUTES'] = `host.name=${host}`;
      const sent = await runSdkApp<AppOutput>(APP, protocol === 'grpc' ? relay.grpcUrl : relay.httpUrl, protocol, env);
      assert.equal(sent.logs.length, 2);

      const group = `/cruddur/${service}`;
      const stream = host ?? 'unknown'; // the documented fallback for a missing attribute
      await waitFor(() => cw.events(group, stream).length >= sent.logs.length, 10_000, 'log events at CloudWatch Logs');
      assert.ok(cw.groups.has(group), 'the group was created');
      const got = documents(cw, group, stream);
      assert.equal(got.length, sent.logs.length, 'no record lost or duplicated');
      for (const want of sent.logs) {
        const e = got.find((g) => JSON.stringify(g.doc.body) === JSON.stringify(want.body));
        assert.ok(e, `record ${JSON.stringify(want.body)} arrived`);
        assert.equal(e.timestamp, Number(BigInt(want.time) / 1_000_000n), 'the record time, in ms');
        assert.equal(e.doc.severity_text, want.severityText);
        assert.equal(e.doc.severity_number, want.severityNumber);
        assert.deepEqual(e.doc.body, want.body, 'structured bodies stay JSON');
        assert.deepEqual(e.doc.attributes, want.attributes);
        assert.equal(e.doc.trace_id, want.traceId, 'trace id in hex, to correlate with X-Ray');
        assert.equal(e.doc.span_id, want.spanId);
        assert.match(want.traceId, /^[0-9a-f]{32}$/);
        assert.equal(e.doc.resource?.['service.name'], service);
        assert.equal(e.doc.resource?.['host.name'], host);
        assert.deepEqual(e.doc.scope, { name: 'cruddur-e2e-logger', version: '4.5.6' });
      }
      // The contract's fan-out: the same records went to Honeycomb too.
      await waitFor(() => hc.logRecords().filter((l) => l.service === service).length >= sent.logs.length, 10_000, 'logs at Honeycomb');
      assert.deepEqual(cw.violations(), [], 'no call broke a PutLogEvents rule');
    });
  }

  test('throttling: every record lands exactly once after the relay retries', async () => {
    for (let i = 0; i < 3; i++) cw.script.push({ action: 'PutLogEvents', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
    const res = await post(relay.httpUrl, '/v1/logs', logsRequest('throttled', Array.from({ length: 40 }, () => 9)));
    assert.equal(res.status, 200);
    // logsRequest stamps records in 2023: outside the accepted window, so they are filtered, counted, and never sent.
    await waitFor(() => relay.stats.get('otlp_relay_cloudwatch_logs_filtered_events_total', { reason: 'too_old' }) >= 40, 10_000, 'old records filtered');
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = recentLogs('throttled', 40, now);
    assert.equal((await post(relay.httpUrl, '/v1/logs', body)).status, 200);
    await waitFor(() => cw.events('/cruddur/throttled', 'unknown').length >= 40, 10_000, 'records after throttling');
    assert.equal(cw.script.length, 0, 'the throttles were answered');
    assert.equal(cw.events('/cruddur/throttled', 'unknown').length, 40, 'exactly once');
    assert.ok(relay.stats.get('otlp_relay_exporter_retries_total', { exporter: 'cloudwatch' }) >= 1);
  });
});

/** An OTLP logs request of `n` records stamped around `now` (ns), for one service. */
function recentLogs(service: string, n: number, now: bigint): Uint8Array {
  const bytes = logsRequest(service, Array.from({ length: n }, () => 9));
  return restamp(bytes, now);
}

/** The same request with every record stamped `now` + its index (ns). */
function restamp(bytes: Uint8Array, now: bigint): Uint8Array {
  const req = decodeRequest('logs', bytes);
  for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) sl.logRecords.forEach((r, i) => (r.timeUnixNano = now + BigInt(i)));
  return encodeRequest('logs', req);
}

test('shutdown delivers what is still queued for CloudWatch Logs', async () => {
  const cw = await new FakeCloudWatchLogs({ credentials: [CREDS], region: 'us-east-1' }).start();
  useFakeAwsEnvironment(cw.url);
  // A long batch timeout: the records sit in the queue until shutdown flushes them.
  const relay = await startRelay(`
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  cloudwatch:
    type: cloudwatch_logs
    region: us-east-1
    log_group: /cruddur/{service.name}
    batch: { timeout: 1h }
routes:
  - { signals: [logs], to: [cloudwatch] }
`);
  try {
    const res = await post(relay.httpUrl, '/v1/logs', recentLogs('draining', 25, BigInt(Date.now()) * 1_000_000n));
    assert.equal(res.status, 200);
    assert.equal(cw.calls.length, 0, 'nothing sent before shutdown');
  } finally {
    await relay.stop();
  }
  const groups = [...(cw.groups.get('/cruddur/draining')?.streams.entries() ?? [])];
  assert.equal(groups.length, 1, 'one stream: this relay instance’s default');
  assert.match(groups[0]![0], /^otlp-relay\/.+-[0-9a-f]{8}$/);
  assert.equal(groups[0]![1].length, 25);
  await cw.stop();
});
