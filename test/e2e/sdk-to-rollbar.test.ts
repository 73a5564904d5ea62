/**
 * End to end: the stock OpenTelemetry JS SDK (test/e2e/fixtures/rollbar-app.ts: a thrown TypeError,
 * two exceptions on one span, a status-only failure, error logs with and without an exception) → the
 * relay, routed as the config contract routes errors (`match: { error: true }`) → a local Rollbar API
 * that checks the token header and every item's schema, and rate-limits with Rollbar's headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { FakeRollbar } from '../support/fake-rollbar.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { otlpToHoneycombYaml, runSdkApp } from './setup.ts';

const APP = fileURLToPath(new URL('./fixtures/rollbar-app.ts', import.meta.url));
const HONEYCOMB_KEY = 'hcaik_' + '01jcruddurrollbare2ekey'.padEnd(58, '0');
const TOKEN = 'e2e0rollbar0server0token00000001';

interface AppSpan {
  traceId: string;
  spanId: string;
  name: string;
  status: { code: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}
interface AppLog {
  severityNumber: number;
  body: unknown;
  attributes: Record<string, unknown>;
  traceId: string;
  spanId: string;
}
interface AppOutput {
  results: Array<{ signal: string; code: number; error?: string }>;
  spans: AppSpan[];
  logs: AppLog[];
}
type Frame = { filename: string; lineno?: number; colno?: number; method?: string };
type Trace = { frames: Frame[]; exception: { class: string; message?: string; description?: string } };
type Item = Record<string, unknown> & {
  environment: string;
  level: string;
  uuid: string;
  body: { trace?: Trace; trace_chain?: Trace[]; message?: { body: string } };
  custom: Record<string, unknown> & { trace_id?: string; span_id?: string; trace_url?: string };
  request?: Record<string, unknown> & { headers?: Record<string, string> };
  person?: { id: string };
};

/** Items the app's run makes: 3 exceptions, 1 status-only span, 2 error logs. */
const ITEMS_PER_RUN = 6;
const SERVICE_ENV = { OTEL_SERVICE_NAME: 'backend-flask', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e,service.version=1.4.2,host.name=backend-1' };

const runApp = (endpoint: string, protocol: string): Promise<AppOutput> => runSdkApp<AppOutput>(APP, endpoint, protocol, SERVICE_ENV);

function relayYaml(rollbar: FakeRollbar, hc: FakeHoneycomb, extra = ''): string {
  return `${otlpToHoneycombYaml(hc.url)}  rollbar:
    type: rollbar
    access_token: \${env:ROLLBAR_ACCESS_TOKEN}
    endpoint: ${rollbar.url}
    trace_url: "https://ui.honeycomb.io/cruddur/environments/e2e/trace?trace_id={trace_id}&span={span_id}"
    batch: { timeout: 20ms }
    retry: { initial_interval: 20ms, max_interval: 200ms }
${extra}
routes:
  - { signals: [traces, logs], to: [honeycomb] }
  - { signals: [traces, logs], match: { error: true }, to: [rollbar] }
`;
}

/** The items of one run of the app, by the trace they belong to. */
function itemsOf(rollbar: FakeRollbar, traceId: string): Item[] {
  return rollbar.items.map((i) => i.data as Item).filter((d) => d.custom.trace_id === traceId);
}

describe('the stock OpenTelemetry JS SDK, through the relay, to a Rollbar API', () => {
  let rollbar: FakeRollbar;
  let hc: FakeHoneycomb;
  let relay: TestRelay;

  before(async () => {
    rollbar = await new FakeRollbar({ [TOKEN]: ['post_server_item'] }).start();
    hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    relay = await startRelay(relayYaml(rollbar, hc), { HONEYCOMB_API_KEY: HONEYCOMB_KEY, ROLLBAR_ACCESS_TOKEN: TOKEN });
  });
  after(async () => {
    await relay?.stop();
    await rollbar?.stop();
    await hc?.stop();
  });

  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
    test(`${protocol}: one valid item per exception, status-only failure and error log, each linked to its trace`, async () => {
      const out = await runApp(protocol === 'grpc' ? relay.grpcUrl : relay.httpUrl, protocol);
      const traceId = out.spans[0]!.traceId;
      assert.ok(out.spans.every((s) => s.traceId === traceId) && out.logs.every((l) => l.traceId === traceId), 'one trace');
      await waitFor(() => itemsOf(rollbar, traceId).length >= ITEMS_PER_RUN, 15_000, 'every item at Rollbar');
      const items = itemsOf(rollbar, traceId);
      assert.equal(items.length, ITEMS_PER_RUN, 'no item more: the info log and the successful spans make none');
      assert.equal(rollbar.count(422), 0, 'every item passes the schema');
      assert.equal(rollbar.duplicates, 0);
      assert.ok(rollbar.items.every((i) => i.token === TOKEN && i.headers['x-rollbar-access-token'] === TOKEN), 'the token in its header');

      const bySpan = (name: string): Item[] => {
        const span = out.spans.find((s) => s.name === name);
        assert.ok(span, `the app exported ${name}`);
        return items.filter((i) => i.custom.span_id === span.spanId && i.custom['severity'] === undefined);
      };
      // The thrown TypeError: frames parsed from the real V8 stack, oldest call first.
      const [thrown, ...more] = bySpan('POST /api/messages');
      assert.equal(more.length, 0, 'one item for the one exception');
      assert.ok(thrown);
      assert.equal(thrown.level, 'error');
      assert.equal(thrown.environment, 'e2e', 'from deployment.environment.name');
      assert.equal(thrown['code_version'], '1.4.2');
      assert.equal(thrown['language'], 'javascript');
      assert.deepEqual(thrown['server'], { host: 'backend-1', code_version: '1.4.2' });
      assert.equal(thrown['context'], '/api/messages');
      const trace = thrown.body.trace;
      assert.ok(trace, 'a single exception is a trace');
      assert.equal(trace.exception.class, 'TypeError');
      assert.equal(trace.exception.message, "Cannot read properties of undefined (reading 'text')");
      const last = trace.frames.at(-1)!;
      assert.equal(last.method, 'renderMessage', 'the most recent call is last');
      assert.match(last.filename, /rollbar-app\.ts$/);
      assert.ok((last.lineno ?? 0) > 0 && (last.colno ?? 0) > 0);
      assert.ok(trace.frames.length > 1);
      assert.deepEqual(thrown.request, { url: 'http://backend-flask:4567/api/messages', method: 'POST', headers: { Authorization: '[scrubbed]' }, user_ip: '10.0.0.7' });
      assert.deepEqual(thrown.person, { id: 'andrewbrown' });
      const span = out.spans.find((s) => s.name === 'POST /api/messages')!;
      assert.equal(thrown.custom.trace_url, `https://ui.honeycomb.io/cruddur/environments/e2e/trace?trace_id=${traceId}&span=${span.spanId}`);
      assert.equal(thrown['title'], "TypeError: Cannot read properties of undefined (reading 'text')");

      // Two exceptions on one span: two items, handled (the span did not fail), distinct uuids.
      const retried = bySpan('GET cruddur-messages');
      assert.deepEqual(retried.map((i) => i.body.trace?.exception.message).sort(), ['attempt 1: socket hang up', 'attempt 2: socket hang up']);
      assert.ok(retried.every((i) => i.level === 'warning'));
      // A status-only failure: a message.
      const [status] = bySpan('INSERT cruddur.messages');
      assert.deepEqual(status?.body, { message: { body: 'INSERT cruddur.messages: duplicate key value violates unique constraint "messages_pkey"' } });

      // Error logs, linked to the span they were emitted in.
      const logItems = items.filter((i) => i.custom['severity'] !== undefined);
      assert.equal(logItems.length, 2);
      assert.ok(logItems.every((i) => i.custom.span_id === span.spanId));
      const chained = logItems.find((i) => i.body.trace_chain);
      assert.ok(chained, 'the error with a cause is a trace_chain');
      assert.deepEqual(
        chained.body.trace_chain!.map((t) => t.exception.class),
        ['Error', 'SyntaxError'],
      );
      // The log message describes the exception; util.inspect's "... N lines matching cause stack trace ..." is said, not lost.
      assert.match(chained.body.trace_chain![0]!.exception.description ?? '', /^settings are unreadable; using defaults\n\n\[\d+ frames left out by the runtime\]$/);
      assert.equal(chained.body.trace_chain![0]!.frames.at(-1)?.method, 'loadSettings');
      assert.equal(chained.body.trace_chain![1]!.frames.at(-1)?.method, 'JSON.parse');
      const plain = logItems.find((i) => i.body.message);
      assert.equal(plain?.body.message?.body, 'message send failed for user andrewbrown');
      assert.equal(new Set(items.map((i) => i.uuid)).size, ITEMS_PER_RUN);
    });
  }

  test('rate limits lose nothing: after a 429 the relay waits out the window Rollbar names, and no item is sent twice', async () => {
    const before = rollbar.items.length;
    rollbar.rateLimit = { limit: 2, windowSeconds: 1 };
    try {
      const out = await runApp(relay.httpUrl, 'http/protobuf');
      const traceId = out.spans[0]!.traceId;
      await waitFor(() => itemsOf(rollbar, traceId).length >= ITEMS_PER_RUN, 30_000, 'every item at Rollbar despite its rate limit');
      assert.ok(rollbar.count(429) > 0, 'Rollbar did rate-limit');
      assert.ok(relay.stats.get('otlp_relay_rollbar_rate_limited_total', { exporter: 'rollbar' }) > 0);
      assert.equal(rollbar.items.length - before, ITEMS_PER_RUN);
      assert.equal(rollbar.duplicates, 0, 'a retry sends only what Rollbar has not taken');
      assert.equal(relay.stats.get('otlp_relay_exporter_dropped_items_total', { exporter: 'rollbar' }), 0);
      const warned = relay.logs.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));
      assert.ok(warned.some((m) => /rollbar: Rollbar rate-limited the access token \(429\).*waiting for its rate-limit window; retrying with backoff/.test(m)), warned.join('\n'));
    } finally {
      rollbar.rateLimit = undefined;
    }
  });

  test('5xx answers are retried until Rollbar takes every item, none twice', async () => {
    const before = rollbar.items.length;
    rollbar.script.push({ status: 503, body: '{"err":1,"message":"Service Unavailable"}' }, { status: 502, body: 'Bad Gateway' });
    const out = await runApp(relay.httpUrl, 'http/protobuf');
    const traceId = out.spans[0]!.traceId;
    await waitFor(() => itemsOf(rollbar, traceId).length >= ITEMS_PER_RUN, 15_000, 'every item at Rollbar');
    assert.equal(rollbar.script.length, 0, 'the failures happened');
    assert.equal(rollbar.items.length - before, ITEMS_PER_RUN);
    assert.equal(rollbar.duplicates, 0);
    assert.ok(relay.stats.get('otlp_relay_exporter_retries_total', { exporter: 'rollbar' }) > 0);
  });
});

describe('an access token Rollbar refuses', () => {
  test('permanent, said once at warn level with Rollbar\'s message, and the token appears in no log line', async () => {
    const wrong = 'e2e0rollbar0wrong0token000000002';
    const rollbar = await new FakeRollbar({ [TOKEN]: ['post_server_item'] }).start();
    const hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    const relay = await startRelay(relayYaml(rollbar, hc), { HONEYCOMB_API_KEY: HONEYCOMB_KEY, ROLLBAR_ACCESS_TOKEN: wrong });
    try {
      await runApp(relay.httpUrl, 'http/protobuf');
      await waitFor(() => relay.stats.get('otlp_relay_exporter_failed_items_total', { exporter: 'rollbar' }) > 0, 10_000, 'the refusal counted');
      await runApp(relay.httpUrl, 'http/protobuf');
      await waitFor(() => rollbar.count(403) >= 4, 10_000, 'the second run refused too');
      assert.ok(rollbar.answers.some((a) => a.message?.includes(wrong)), 'the fake echoes the token, as Rollbar does');
      const said = relay.logs.lines().filter((l) => l['level'] === 40 && String(l['msg']).includes('access token not found'));
      assert.equal(said.length, 1, 'said once');
      assert.match(String(said[0]!['msg']), /rollbar refused \d+ (spans|log records): Rollbar refused the access token \(403\): access token not found: \[the access token\]; check the exporter's access_token/);
      assert.ok(!relay.logs.text().includes(wrong), 'the token never reaches a log line');
      assert.equal(relay.relay.runners.get('rollbar')?.status().state, 'failing');
      assert.equal(rollbar.items.length, 0);
    } finally {
      await relay.stop();
      await rollbar.stop();
      await hc.stop();
    }
  });
});
