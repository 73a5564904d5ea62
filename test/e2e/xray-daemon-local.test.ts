/**
 * End to end, without AWS credentials (a developer's laptop): the real X-Ray SDK configured only by
 * AWS_XRAY_DAEMON_ADDRESS gets its sampling rules from the relay's local Default rule, and its segments
 * reach Honeycomb as spans (route_as_spans; no X-Ray exporter at all). Then the same through the
 * `otlp-relay run` command.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { attr, entities, hex, runSdkApp, type AppOutput, type Doc } from '../support/xray-sdk.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const HONEYCOMB_KEY = 'hcaik_' + '01jcruddurlocaltestkey'.padEnd(58, '0');
const NOWHERE = mkdtempSync(join(tmpdir(), 'otlp-relay-no-aws-'));
// No credentials anywhere the standard AWS chain looks: env, shared files, SSO, container and instance roles.
const NO_AWS = { AWS_REGION: 'eu-west-2', AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: join(NOWHERE, 'credentials'), AWS_CONFIG_FILE: join(NOWHERE, 'config'), HOME: NOWHERE };
for (const k of Object.keys(process.env)) if (/^AWS_/.test(k)) delete process.env[k];
Object.assign(process.env, NO_AWS);

const yaml = (hc: FakeHoneycomb) => `
receivers:
  xray: { endpoint: "127.0.0.1:0", route_as_spans: true }
exporters:
  honeycomb:
    type: honeycomb
    api_key: \${env:HONEYCOMB_API_KEY}
    endpoint: ${hc.url}
    batch: { timeout: 20ms }
routes:
  - { signals: [traces], to: [honeycomb] }
`;

function assertAtHoneycomb(hc: FakeHoneycomb, out: AppOutput): void {
  const all = entities(out.sent.map((s) => JSON.parse(s) as Doc));
  const spans = new Map(hc.spans().map((s) => [hex(s['spanId']), s]));
  for (const e of all) {
    const s = spans.get(e.doc.id);
    assert.ok(s, `${e.doc.name} ${e.doc.id} at Honeycomb`);
    assert.equal(hex(s['traceId']), e.traceId.slice(2).replace('-', ''));
    assert.equal(s.service, 'backend-flask');
  }
}

describe('the X-Ray SDK with a relay that has no AWS credentials', () => {
  let hc: FakeHoneycomb;
  let relay: TestRelay;
  let out: AppOutput;

  before(async () => {
    hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    relay = await startRelay(yaml(hc), { HONEYCOMB_API_KEY: HONEYCOMB_KEY });
    out = await runSdkApp(relay.relay.xray!.receiver.address!.port);
  });
  after(async () => {
    await relay?.stop();
    await hc?.stop();
    rmSync(NOWHERE, { recursive: true, force: true });
  });

  test('the SDK loads the relay\'s local Default rule (1 per second, then 5 %) and its targets', () => {
    // The SDK's rule cache holds only rules fetched from the daemon address; its own offline fallback never lands there.
    assert.deepEqual(
      out.rules.map((r) => [r.name, r.rate]),
      [['Default', 0.05]],
    );
    assert.equal(out.decisions[0], 'Default', 'the first request of the second is sampled by the Default rule');
    assert.ok(out.decisions.every((d) => d === 'Default' || d === false), JSON.stringify(out.decisions));
    assert.equal(out.targets.error, undefined);
    assert.deepEqual(out.targets.targets?.['Default'] && { rate: out.targets.targets['Default'].rate, quota: out.targets.targets['Default'].quota, interval: out.targets.targets['Default'].interval }, { rate: 0.05, quota: 1, interval: 10 });
    assert.ok(relay.stats.get('otlp_relay_xray_sampling_requests_total', { answer: 'local' }) >= 2);
    assert.equal(relay.stats.get('otlp_relay_xray_sampling_requests_total', { answer: 'proxied' }), 0);
    const said = relay.logs.lines().filter((l) => /answering X-Ray sampling calls locally/.test(String(l['msg'])));
    assert.equal(said.length, 1, 'said once');
  });

  test('the segments reach Honeycomb as spans, with their errors and annotations', async () => {
    await waitFor(() => hc.spans().length >= 7, 15_000, 'the spans at Honeycomb');
    assertAtHoneycomb(hc, out);
    const throttled = hc.spans().find((s) => attr(s, 'url.path') === '/api/throttled')!;
    assert.deepEqual([attr(throttled, 'http.response.status_code'), attr(throttled, 'aws.xray.throttle')], [429, true]);
    assert.equal(relay.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'xray/spans' }), 7);
    assert.equal(relay.relay.xray?.runners.size, 0, 'no X-Ray exporter, so no segment queue');
  });
});

describe('the otlp-relay command with the X-Ray receiver', () => {
  test('receives the SDK\'s segments, answers its sampling calls, and exits 0 on SIGTERM', async () => {
    const hc = await new FakeHoneycomb([HONEYCOMB_KEY]).start();
    const dir = mkdtempSync(join(tmpdir(), 'otlp-relay-xray-daemon-'));
    const config = join(dir, 'relay.yaml');
    writeFileSync(config, yaml(hc));
    const child = spawn(process.execPath, [MAIN, 'run', '--config', config], {
      env: { PATH: process.env['PATH'] ?? '', ...NO_AWS, HOME: dir, HONEYCOMB_API_KEY: HONEYCOMB_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => /X-Ray daemon receiver listening/.test(stdout), 15_000, 'the relay listening');
      const port = Number(/"endpoint":"[\d.]+:(\d+)","msg":"X-Ray daemon receiver listening/.exec(stdout)?.[1]);
      assert.ok(port > 0, stdout);
      const out = await runSdkApp(port);
      assert.deepEqual(
        out.rules.map((r) => r.name),
        ['Default'],
      );
      await waitFor(() => hc.spans().length >= 7, 15_000, 'the spans at Honeycomb');
      assertAtHoneycomb(hc, out);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      await hc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
