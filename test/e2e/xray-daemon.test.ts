/**
 * End to end, with AWS credentials: the real X-Ray SDK (aws-xray-sdk-core, test/e2e/fixtures/xray-sdk-app.ts)
 * configured only by AWS_XRAY_DAEMON_ADDRESS → the relay's X-Ray receiver → a local X-Ray API that checks
 * SigV4 and every document. The segments arrive byte for byte; the SDK's sampling rules and targets
 * come from that API through the relay; with route_as_spans the same segments reach Honeycomb as spans.
 * Region, credentials and the X-Ray URL come from the environment, as the standard AWS chain reads them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { FakeXray } from '../support/fake-xray.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { attr, entities, hex, runSdkApp, type AppOutput, type Doc } from '../support/xray-sdk.ts';

const HONEYCOMB_KEY = 'hcaik_' + '01jcruddurdaemontestkey'.padEnd(58, '0');
const CREDS = { accessKeyId: 'AKIADAEMONTESTKEY001', secretAccessKey: 'daemon/test/secret/not/real/00000000000', region: 'eu-west-2' };


describe('the X-Ray SDK, through the relay, to X-Ray (with AWS credentials) and Honeycomb', () => {
  let xray: FakeXray;
  let hc: FakeHoneycomb;
  let relay: TestRelay;
  let out: AppOutput;

  before(async () => {
    xray = await new FakeXray(CREDS).start();
    // A rule only the X-Ray account has: if the SDK uses it, its rules came from X-Ray through the relay.
    xray.samplingRules = [{ RuleName: 'cruddur-all', Priority: 1, FixedRate: 1, ReservoirSize: 0, ServiceName: 'backend-flask', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {} }];
    hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    // The standard AWS chain reads these; no instance metadata lookups in tests.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_REGION: CREDS.region, AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_XRAY: xray.url });
    relay = await startRelay(
      `
receivers:
  xray: { endpoint: "127.0.0.1:0", route_as_spans: true }
exporters:
  honeycomb:
    type: honeycomb
    api_key: \${env:HONEYCOMB_API_KEY}
    endpoint: ${hc.url}
    batch: { timeout: 20ms }
  xray:
    type: xray
    batch: { timeout: 20ms }
routes:
  - { signals: [traces], to: [honeycomb, xray] }
`,
      { HONEYCOMB_API_KEY: HONEYCOMB_KEY },
    );
    out = await runSdkApp(relay.relay.xray!.receiver.address!.port);
  });
  after(async () => {
    await relay?.stop();
    await xray?.stop();
    await hc?.stop();
  });

  test('every segment the SDK sent reaches X-Ray byte for byte, once, and X-Ray processes it', async () => {
    assert.equal(out.sent.length, 4, 'home, its upstream call, messages, throttled');
    await waitFor(() => xray.received.flatMap((r) => r.documents).length >= out.sent.length, 15_000, 'the segments at X-Ray');
    const delivered = xray.received.flatMap((r) => r.documents);
    assert.deepEqual([...delivered].sort(), [...out.sent].sort(), 'the same documents, byte for byte, each once; the spans made of them are not sent back to X-Ray');
    assert.deepEqual(
      xray.received.flatMap((r) => r.unprocessed),
      [],
    );
    assert.deepEqual(xray.refused, []);
    for (const r of xray.received) assert.match(String(r.headers['authorization']), new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/\\d{8}/${CREDS.region}/xray/aws4_request, `));

    // What the SDK recorded, as X-Ray stored it.
    const docs = xray.segments() as Doc[];
    const home = docs.find((d) => String((d['http'] as { request: { url: string } }).request.url).endsWith('/api/activities/home'))!;
    assert.deepEqual(home['annotations'], { activity_count: 3, home_feed: true });
    assert.equal(home['user'], 'andrewbrown');
    assert.deepEqual(
      home.subsegments?.map((s) => s.name),
      ['## db.query', 'DynamoDB', '127.0.0.1'],
    );
    const dynamo = home.subsegments![1]!;
    assert.equal(dynamo['namespace'], 'aws');
    assert.equal((dynamo['cause'] as { exceptions: Array<{ type: string; remote: boolean }> }).exceptions[0]?.type, 'ConditionalCheckFailedException');
    const upstream = docs.find((d) => d['parent_id'] === home.subsegments![2]!.id);
    assert.ok(upstream, 'the downstream service\'s segment continues the trace from the HTTP subsegment');
    assert.equal(upstream.trace_id, home.trace_id);
    const messages = docs.find((d) => String((d['http'] as { request: { url: string } }).request.url).endsWith('/api/messages'))!;
    assert.equal(messages['fault'], true);
    const throttled = docs.find((d) => String((d['http'] as { request: { url: string } }).request.url).endsWith('/api/throttled'))!;
    assert.deepEqual([throttled['throttle'], throttled['error']], [true, true]);

    assert.equal(relay.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'xray' }), 4);
    await waitFor(() => relay.stats.get('otlp_relay_exporter_sent_items_total', { exporter: 'xray:segments' }) === 4, 5_000, 'the deliveries counted (after X-Ray answered)');
  });

  test('the SDK\'s sampling rules and targets come from X-Ray through the relay, signed with SigV4', () => {
    assert.deepEqual(
      out.rules.map((r) => [r.name, r.rate]),
      [
        ['cruddur-all', 1],
        ['Default', 0.05],
      ],
    );
    assert.ok(out.decisions.every((d) => d === 'cruddur-all'), `every decision made by the account's rule: ${JSON.stringify(out.decisions)}`);
    assert.equal(out.targets.error, undefined);
    assert.deepEqual(out.targets.targets?.['cruddur-all']?.rate, 1);
    const calls = xray.samplingCalls.map((c) => c.operation);
    assert.ok(calls.includes('GetSamplingRules') && calls.includes('SamplingTargets'), calls.join());
    const targets = xray.samplingCalls.find((c) => c.operation === 'SamplingTargets')!;
    const stats = (targets.body as { SamplingStatisticsDocuments: Array<{ RuleName: string; RequestCount: number; SampledCount: number }> }).SamplingStatisticsDocuments;
    assert.deepEqual(
      stats.map((s) => [s.RuleName, s.RequestCount >= 10, s.SampledCount >= 10]),
      [['cruddur-all', true, true]],
      'the SDK\'s statistics reached X-Ray as sent',
    );
    assert.ok(relay.stats.get('otlp_relay_xray_sampling_requests_total', { answer: 'proxied' }) >= 2);
    assert.equal(relay.stats.get('otlp_relay_xray_sampling_requests_total', { answer: 'local' }), 0);
  });

  test('route_as_spans: the same segments and subsegments reach Honeycomb as spans', async () => {
    const all = entities(out.sent.map((s) => JSON.parse(s) as Doc));
    assert.equal(all.length, 7);
    await waitFor(() => hc.spans().length >= all.length, 15_000, 'the spans at Honeycomb');
    const spans = new Map(hc.spans().map((s) => [hex(s['spanId']), s]));
    assert.equal(hc.spans().length, all.length, 'each once');
    for (const e of all) {
      const s = spans.get(e.doc.id);
      assert.ok(s, `${e.doc.name} ${e.doc.id} at Honeycomb`);
      assert.equal(hex(s['traceId']), e.traceId.slice(2).replace('-', ''));
      assert.equal(hex(s['parentSpanId']), e.parent ?? '');
      assert.equal(s['name'], e.doc.name);
      assert.equal(s.service, 'backend-flask');
    }
    const byName = (n: string) => hc.spans().find((s) => s['name'] === n)!;
    const dynamo = byName('DynamoDB');
    assert.equal((dynamo['status'] as { code: number }).code, 2);
    assert.equal(attr(dynamo, 'rpc.method'), 'PutItem');
    assert.deepEqual(
      (dynamo['events'] as Array<{ name: string }>).map((e) => e.name),
      ['exception'],
    );
    assert.equal(attr(byName('## db.query'), 'db.system.name'), 'postgresql');
    const home = hc.spans().find((s) => attr(s, 'url.path') === '/api/activities/home')!;
    assert.deepEqual([attr(home, 'activity_count'), attr(home, 'home_feed'), attr(home, 'enduser.id'), attr(home, 'http.response.status_code')], [3, true, 'andrewbrown', 200]);
    const messages = hc.spans().find((s) => attr(s, 'url.path') === '/api/messages')!;
    const exception = (messages['events'] as Array<Record<string, unknown>>)[0]!;
    assert.equal(attr(exception, 'exception.type'), 'TypeError');
    assert.match(String(attr(exception, 'exception.stacktrace')), /^TypeError: Cannot read properties of undefined \(reading 'text'\)\n {4}at renderMessage/);
    assert.equal(relay.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'xray/spans' }), 7);
  });
});
