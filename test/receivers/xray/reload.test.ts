/** A config reload with the X-Ray receiver: queued segments follow a changed exporter; a removed receiver drains to the old destination. */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../../src/config/load.ts';
import { FakeXray } from '../../support/fake-xray.ts';
import { startRelay, waitFor, type TestRelay } from '../../support/relay.ts';

const CREDS = { accessKeyId: 'AKIARELOADTEST000001', secretAccessKey: 'reload/test/secret/not/real/00000000000', region: 'eu-west-2' };
const HEADER = '{"format":"json","version":1}\n';
const doc = (i: number) => JSON.stringify({ trace_id: `1-5759e988-bd862e3fe1be46a9942727${String(i).padStart(2, '0')}`, id: i.toString(16).padStart(16, '0'), name: 'svc', start_time: 1_700_000_000, end_time: 1_700_000_001 });

const yaml = (endpoint: string, receiver = '  xray: { endpoint: "127.0.0.1:0" }') => `
receivers:
${receiver}
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  xray:
    type: xray
    region: ${CREDS.region}
    endpoint: ${endpoint}
    batch: { timeout: 1ms }
    retry: { initial_interval: 10ms, max_interval: 20ms, max_elapsed: 0s }
routes:
  - { signals: [traces], to: [xray] }
`;

async function send(port: number, docs: string[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  for (const d of docs) await new Promise<void>((resolve, reject) => sock.send(Buffer.from(HEADER + d), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  sock.close();
}

describe('reloading with the X-Ray receiver', () => {
  let down: FakeXray;
  let up: FakeXray;
  let relay: TestRelay;

  before(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
    down = await new FakeXray(CREDS).start();
    down.throttleCalls = Number.MAX_SAFE_INTEGER;
    up = await new FakeXray(CREDS).start();
    relay = await startRelay(yaml(down.url));
  });
  after(async () => {
    await relay?.stop();
    await down?.stop();
    await up?.stop();
  });

  test('a changed exporter: the segments its runner holds are sent with the new settings, and the receiver listens again', async () => {
    await send(relay.relay.xray!.receiver.address!.port, [doc(1), doc(2)]);
    await waitFor(() => relay.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'xray' }) === 2, 5000, 'the segments queued');
    const result = await relay.relay.reload(parseConfig(yaml(up.url), { env: {} }));
    assert.equal(result.applied, true, result.message);
    await waitFor(() => up.segments().length === 2, 10_000, 'the held segments at the new endpoint');
    assert.deepEqual(up.received.flatMap((r) => r.documents).sort(), [doc(1), doc(2)]);
    const port = relay.relay.xray?.receiver.address?.port;
    assert.ok(port);
    await send(port, [doc(3)]);
    await waitFor(() => up.segments().length === 3, 10_000, 'a new segment after the reload');
    assert.equal(relay.stats.get('otlp_relay_exporter_dropped_items_total', { exporter: 'xray:segments' }), 0);
  });

  test('the receiver removed: the port closes and the runner delivers what it held', async () => {
    const port = relay.relay.xray!.receiver.address!.port;
    up.throttleCalls = 3;
    await send(port, [doc(4)]);
    await waitFor(() => relay.stats.get('otlp_relay_receiver_accepted_items_total', { receiver: 'xray' }) === 4, 5000, 'the segment queued');
    assert.match(await relay.stats.metrics(), /otlp_relay_exporter_queue_bytes\{exporter="xray:segments"\}/);
    const result = await relay.relay.reload(parseConfig(yaml(up.url, ''), { env: {} }));
    assert.equal(result.applied, true, result.message);
    assert.equal(relay.relay.xray, undefined);
    await waitFor(() => up.segments().length === 4, 10_000, 'the held segment delivered');
    assert.doesNotMatch(await relay.stats.metrics(), /otlp_relay_exporter_queue_bytes\{exporter="xray:segments"\}/, 'its queue gauges are gone');
  });
});
