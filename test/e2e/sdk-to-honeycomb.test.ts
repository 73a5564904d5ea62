import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { runNode, startRelay, waitFor, type TestRelay } from '../support/relay.ts';

const APP = fileURLToPath(new URL('./fixtures/sdk-app.ts', import.meta.url));
const KEY = 'hcaik_' + '01jcruddure2etestkey'.padEnd(58, '0');

interface SdkSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: string;
  end: string;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; time: string; attributes: Record<string, unknown> }>;
  links: Array<{ traceId: string; spanId: string; attributes: Record<string, unknown> }>;
  status: { code: number; message?: string };
}
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
  spans: SdkSpan[];
  logs: SdkLog[];
}

type KV = { key: string; value: Record<string, unknown> };
const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString('hex');

/** An OTLP AnyValue as the plain value the SDK held. */
function plain(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v['stringValue'];
  if ('boolValue' in v) return v['boolValue'];
  if ('intValue' in v) return Number(String(v['intValue']));
  if ('doubleValue' in v) return v['doubleValue'];
  if ('arrayValue' in v) return ((v['arrayValue'] as { values?: Array<Record<string, unknown>> }).values ?? []).map(plain);
  if ('kvlistValue' in v) return Object.fromEntries(((v['kvlistValue'] as { values?: KV[] }).values ?? []).map((kv) => [kv.key, plain(kv.value)]));
  return undefined;
}
const attrs = (list: unknown) => Object.fromEntries(((list as KV[] | undefined) ?? []).map((kv) => [kv.key, plain(kv.value)]));

// Protocol → the relay URL the SDK is given as OTEL_EXPORTER_OTLP_ENDPOINT.
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

describe('the stock OpenTelemetry JS SDK, through the relay, to a Honeycomb-compatible API', () => {
  let hc: FakeHoneycomb;
  let relay: TestRelay;

  before(async () => {
    hc = await new FakeHoneycomb([KEY]).start();
    relay = await startRelay(
      `
receivers:
  otlp:
    grpc: { endpoint: "127.0.0.1:0" }
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: \${env:HONEYCOMB_API_KEY}
    endpoint: ${hc.url}
    batch: { timeout: 20ms }
routes:
  - { signals: [traces, logs], to: [honeycomb] }
`,
      { HONEYCOMB_API_KEY: KEY },
    );
  });
  after(async () => {
    await relay?.stop();
    await hc?.stop();
  });

  for (const protocol of PROTOCOLS) {
    test(`${protocol}: every span and log record arrives unaltered`, async () => {
      const service = `cruddur-${protocol.replace('/', '-')}`;
      const { code, stdout, stderr } = await runNode(APP, {
        OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? relay.grpcUrl : relay.httpUrl,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: service,
        APP_SPANS: '4',
      });
      assert.equal(code, 0, stderr);
      const sent = JSON.parse(stdout) as AppOutput;
      assert.ok(sent.results.length >= 2 && sent.results.every((r) => r.code === 0), `the SDK reported export failures: ${JSON.stringify(sent.results)}`);
      assert.equal(sent.spans.length, 4);
      await waitFor(() => hc.spans().filter((s) => s.service === service).length >= 4 && hc.logRecords().filter((l) => l.service === service).length >= 2, 10_000, 'spans and logs at Honeycomb');
      const got = hc.spans().filter((s) => s.service === service);
      assert.equal(got.length, sent.spans.length, 'no span lost or duplicated');
      for (const want of sent.spans) {
        const s = got.find((g) => hex(g['spanId']) === want.spanId);
        assert.ok(s, `span ${want.name} arrived`);
        assert.equal(hex(s['traceId']), want.traceId);
        assert.equal(hex(s['parentSpanId']), want.parentSpanId);
        assert.equal(s['name'], want.name);
        assert.equal(Number(s['kind']), want.kind + 1, 'OTLP kind = API kind + 1');
        assert.equal(String(s['startTimeUnixNano']), want.start, 'start time to the nanosecond');
        assert.equal(String(s['endTimeUnixNano']), want.end);
        assert.deepEqual(attrs(s['attributes']), want.attributes);
        const events = (s['events'] as Array<Record<string, unknown>>) ?? [];
        assert.deepEqual(
          events.map((e) => ({ name: e['name'], time: String(e['timeUnixNano']), attributes: attrs(e['attributes']) })),
          want.events,
        );
        const links = (s['links'] as Array<Record<string, unknown>>) ?? [];
        assert.deepEqual(links.map((l) => ({ traceId: hex(l['traceId']), spanId: hex(l['spanId']), attributes: attrs(l['attributes']) })), want.links);
        const status = (s['status'] as { code?: number; message?: string } | undefined) ?? {};
        assert.equal(status.code ?? 0, want.status.code);
        assert.equal(status.message ?? '', want.status.message ?? '');
      }
      const logs = hc.logRecords().filter((l) => l.service === service);
      assert.equal(logs.length, sent.logs.length);
      for (const want of sent.logs) {
        // The logs SDK stamps records with Date.now(): two emitted in one millisecond share a time.
        const l = logs.find((x) => String(x['timeUnixNano']) === want.time && Number(x['severityNumber']) === want.severityNumber);
        assert.ok(l, 'log record arrived');
        assert.equal(Number(l['severityNumber']), want.severityNumber);
        assert.equal(l['severityText'], want.severityText);
        assert.deepEqual(plain(l['body'] as Record<string, unknown>), want.body);
        assert.deepEqual(attrs(l['attributes']), want.attributes);
        assert.equal(hex(l['traceId']), want.traceId);
        assert.equal(hex(l['spanId']), want.spanId);
        assert.equal(String(l['observedTimeUnixNano']), want.observed);
      }
      for (const r of hc.received.filter((x) => x.signal === 'traces')) {
        assert.equal(r.headers['x-honeycomb-team'], KEY);
        assert.equal(r.headers['content-encoding'], 'gzip');
      }
    });
  }
});
