/**
 * The X-Ray receiver over real sockets on 127.0.0.1: raw datagram cases (each refusal counted and said
 * once), all-or-nothing queueing, the sampling port, and a flood against a relay whose X-Ray is down
 * (memory bounded by the queue, drops counted, nothing accepted is lost).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { unframeDocuments } from '../../../src/exporters/xray/documents.ts';
import type { Payload } from '../../../src/pipeline/types.ts';
import { XrayReceiver, type DocumentQueue } from '../../../src/receivers/xray/receiver.ts';
import { SamplingService } from '../../../src/receivers/xray/sampling.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { FakeXray } from '../../support/fake-xray.ts';
import { captureLogger } from '../../support/log.ts';
import { startRelay, waitFor, type TestRelay } from '../../support/relay.ts';

const HEADER = '{"format": "json", "version": 1}\n';
let seq = 0;
function segment(pad = 0): string {
  seq++;
  const id = seq.toString(16).padStart(16, '0');
  return JSON.stringify({ trace_id: `1-5759e988-bd862e3fe1be46a9${seq.toString(16).padStart(8, '0')}`, id, name: 'backend-flask', start_time: 1_700_000_000.5, end_time: 1_700_000_001, ...(pad ? { metadata: { default: { pad: 'x'.repeat(pad) } } } : {}) });
}

class StubQueue implements DocumentQueue {
  readonly name: string;
  readonly got: Payload[] = [];
  room = true;
  constructor(name: string) {
    this.name = name;
  }
  hasRoom(): boolean {
    return this.room;
  }
  enqueue(p: Payload): void {
    this.got.push(p);
  }
  docs(): string[] {
    return this.got.flatMap((p) => unframeDocuments(p.bytes).map((d) => d.json));
  }
}

async function sendAll(port: number, messages: Array<string | Buffer>): Promise<void> {
  const sock = dgram.createSocket('udp4');
  try {
    for (const m of messages) await new Promise<void>((resolve, reject) => sock.send(typeof m === 'string' ? Buffer.from(m) : m, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  } finally {
    sock.close();
  }
}

describe('XrayReceiver', () => {
  const a = new StubQueue('a:segments');
  const b = new StubQueue('b:segments');
  const stats = new Stats();
  const logs = captureLogger('debug');
  const sampling = new SamplingService({ mode: 'local', upstream: { credentials: () => Promise.reject(new Error('none')), region: () => Promise.resolve('us-east-1'), endpoint: () => 'http://127.0.0.1:1' }, timeoutMs: 1000, log: logs.log, stats, userAgent: 'test' });
  const receiver = new XrayReceiver({ endpoint: '127.0.0.1:0', forward: [a, b], sampling, maxDatagramBytes: 4096 }, logs.log, stats);
  let port = 0;
  const labels = { receiver: 'xray', signal: 'traces' };
  const refused = (reason: string) => stats.get('otlp_relay_receiver_refused_requests_total', { ...labels, reason });
  const warnings = () => logs.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));

  before(async () => {
    await receiver.start();
    port = receiver.address!.port;
  });
  after(() => receiver.shutdown());

  test('UDP and TCP listen on the same port', async () => {
    assert.ok(port > 0);
    const res = await fetch(`http://127.0.0.1:${port}/GetSamplingRules`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
  });

  test('a segment reaches every forwarding queue byte for byte, once', async () => {
    const doc = segment();
    await sendAll(port, [HEADER + doc]);
    await waitFor(() => a.got.length === 1, 5000, 'the segment queued');
    assert.deepEqual(a.docs(), [doc]);
    assert.deepEqual(b.docs(), [doc]);
    assert.equal(a.got[0], b.got[0], 'one payload shared by both queues');
    assert.equal(stats.get('otlp_relay_receiver_accepted_items_total', labels), 1);
  });

  test('bad header, truncated JSON, oversize: each refused, counted per datagram, said once per reason', async () => {
    const before = a.got.length;
    const bad = [
      `{"format": "json", "version": 2}\n${segment()}`,
      `{"format": "json", "version": 2}\n${segment()}`,
      `${HEADER}${segment().slice(0, 50)}`,
      `${HEADER}${segment().slice(0, 60)}`,
      HEADER + segment(5000),
      HEADER + segment(5000),
      segment(),
    ];
    await sendAll(port, bad);
    await waitFor(() => refused('bad_header') + refused('invalid') + refused('too_large') === bad.length, 5000, 'every refusal counted');
    assert.deepEqual([refused('bad_header'), refused('invalid'), refused('too_large')], [3, 2, 2]);
    assert.equal(a.got.length, before, 'nothing queued');
    const said = warnings();
    assert.equal(said.filter((m) => /X-Ray datagram refused: unsupported header/.test(m)).length, 1, said.join('\n'));
    assert.equal(said.filter((m) => /X-Ray datagram refused: no header line/.test(m)).length, 0, 'one warning per reason: the header one was said already');
    assert.equal(said.filter((m) => /X-Ray datagram refused: the segment document is not valid JSON/.test(m)).length, 1);
    assert.equal(said.filter((m) => /X-Ray datagram refused: the datagram is \d+ bytes; the limit is 4096/.test(m)).length, 1);
    assert.ok(said.every((m) => !m.includes('x'.repeat(100))), 'the document is never logged');
  });

  test('a full queue: the segment goes to no queue (all or none), is counted and said once', async () => {
    const before = [a.got.length, b.got.length];
    b.room = false;
    try {
      await sendAll(port, [HEADER + segment(), HEADER + segment()]);
      await waitFor(() => stats.get('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'queue_full' }) === 2, 5000, 'the drops counted');
    } finally {
      b.room = true;
    }
    assert.deepEqual([a.got.length, b.got.length], before);
    assert.equal(warnings().filter((m) => /the queue of exporter b:segments is full: UDP cannot ask the SDK to wait/.test(m)).length, 1);
  });

  test('over the memory limit: datagrams are dropped unread, counted and said once; accepted again once under', async () => {
    const q = new StubQueue('m:segments');
    const memory = { refusing: true };
    const r = new XrayReceiver({ endpoint: '127.0.0.1:0', forward: [q], sampling, memory }, logs.log, stats);
    await r.start();
    try {
      const p = r.address!.port;
      await sendAll(p, [HEADER + segment(), HEADER + segment()]);
      await waitFor(() => stats.get('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'memory_limit' }) === 2, 5000, 'the drops counted');
      assert.equal(q.got.length, 0);
      assert.equal(warnings().filter((m) => /over its memory limit \(service\.memory_limiter\): UDP cannot ask the SDK to wait/.test(m)).length, 1);
      memory.refusing = false;
      await sendAll(p, [HEADER + segment()]);
      await waitFor(() => q.got.length === 1, 5000, 'accepted once under the limit');
    } finally {
      await r.shutdown();
    }
  });

  test('TCP: other paths and methods are 404 naming what is served; bodies over the bound are 413', async () => {
    const other = await fetch(`http://127.0.0.1:${port}/TraceSegments`, { method: 'POST', body: '{}' });
    assert.equal(other.status, 404);
    assert.match(await other.text(), /serves POST \/GetSamplingRules and POST \/SamplingTargets/);
    const get = await fetch(`http://127.0.0.1:${port}/GetSamplingRules`);
    assert.equal(get.status, 404);
    const big = await fetch(`http://127.0.0.1:${port}/SamplingTargets`, { method: 'POST', body: 'x'.repeat(300 * 1024) });
    assert.equal(big.status, 413);
  });

  test('shutdown releases the port (UDP and TCP) and is idempotent', async () => {
    const r = new XrayReceiver({ endpoint: '127.0.0.1:0', forward: [], sampling }, logs.log, stats);
    await r.start();
    const p = r.address!.port;
    await r.shutdown();
    await r.shutdown();
    const again = new XrayReceiver({ endpoint: `127.0.0.1:${p}`, forward: [], sampling }, logs.log, stats);
    await again.start();
    assert.equal(again.address?.port, p);
    await again.shutdown();
  });

  test('a port already taken is an error at start, with nothing left listening', async () => {
    const r = new XrayReceiver({ endpoint: `127.0.0.1:${port}`, forward: [], sampling }, logs.log, stats);
    await assert.rejects(r.start(), /EADDRINUSE/);
    assert.equal(r.address, undefined);
  });
});

describe('a flood while X-Ray refuses every call', () => {
  const CREDS = { accessKeyId: 'AKIAFLOODTEST0000001', secretAccessKey: 'flood/test/secret/not/real/000000000000', region: 'eu-west-2' };
  let xray: FakeXray;
  let relay: TestRelay;
  const QUEUE = 64 * 1024;

  before(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
    xray = await new FakeXray(CREDS).start();
    xray.throttleCalls = Number.MAX_SAFE_INTEGER;
    relay = await startRelay(`
receivers:
  xray: { endpoint: "127.0.0.1:0", sampling: local }
exporters:
  xray:
    type: xray
    region: ${CREDS.region}
    endpoint: ${xray.url}
    queue: { max_bytes: ${QUEUE}, consumers: 1 }
    batch: { timeout: 1ms, max_bytes: 16KiB }
    retry: { initial_interval: 10ms, max_interval: 20ms, max_elapsed: 0s }
routes:
  - { signals: [traces], to: [xray] }
`);
  });
  after(async () => {
    await relay?.stop();
    await xray?.stop();
  });

  test('the queue stays within its budget, every drop is counted and said once, and what was accepted all arrives', async () => {
    const port = relay.relay.xray!.receiver.address!.port;
    const labels = { receiver: 'xray', signal: 'traces' };
    const accepted = () => relay.stats.get('otlp_relay_receiver_accepted_items_total', labels);
    const dropped = () => relay.stats.get('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'queue_full' });
    const runner = relay.relay.xray!.runners.get('xray')!;
    const docs: string[] = [];
    let peak = 0;
    // 600 segments of ~1 KiB (ten times the queue), in bursts the kernel buffer holds; each burst is counted before the next.
    for (let burst = 0; burst < 12; burst++) {
      const batch = Array.from({ length: 50 }, () => segment(900));
      docs.push(...batch);
      await sendAll(
        port,
        batch.map((d) => HEADER + d),
      );
      await waitFor(() => accepted() + dropped() === docs.length, 10_000, `burst ${burst} counted`);
      peak = Math.max(peak, runner.usedBytes);
    }
    assert.ok(dropped() > 0, 'the flood overflowed the queue');
    assert.ok(accepted() > 0);
    assert.ok(peak <= QUEUE, `queue use ${peak} within ${QUEUE}`);
    assert.ok(relay.stats.get('otlp_relay_exporter_queue_bytes', { exporter: 'xray:segments' }) <= QUEUE);
    const said = relay.logs.lines().filter((l) => /the queue of exporter xray:segments is full/.test(String(l['msg'])));
    assert.equal(said.length, 1, 'said once');
    assert.equal(said[0]?.['level'], 40);

    // X-Ray recovers: every accepted segment arrives intact, none twice, and nothing accepted was dropped by the retries.
    const n = accepted();
    xray.throttleCalls = 0;
    await waitFor(() => xray.segments().length === n, 15_000, 'the accepted segments at X-Ray');
    const sent = new Set(docs);
    const delivered = xray.received.flatMap((r) => r.documents);
    assert.equal(delivered.length, n);
    assert.ok(delivered.every((d) => sent.has(d)), 'byte for byte');
    // Counted once X-Ray's answers are read (the API stores a document before it answers).
    await waitFor(() => relay.stats.get('otlp_relay_exporter_sent_items_total', { exporter: 'xray:segments' }) === n, 10_000, 'the deliveries counted');
    assert.equal(relay.stats.get('otlp_relay_exporter_dropped_items_total', { exporter: 'xray:segments' }), 0);
  });
});

describe('route_as_spans: what cannot become spans is counted and said once', () => {
  let relay: TestRelay;
  const lines: string[] = [];
  before(async () => {
    const { Writable } = await import('node:stream');
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    relay = await startRelay(`
receivers:
  xray: { endpoint: "127.0.0.1:0", route_as_spans: true, sampling: local }
exporters:
  console: { type: debug, batch: { timeout: 1ms } }
routes:
  - { signals: [traces], to: [console] }
`, {}, { stdout });
  });
  after(() => relay?.stop());

  test('good, in progress, a malformed trace id, metadata nested too deep to print', async () => {
    const spans = { receiver: 'xray/spans', signal: 'traces' };
    const invalid = () => relay.stats.get('otlp_relay_receiver_refused_items_total', { ...spans, reason: 'invalid' });
    const deep = `{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"0000000000000abc","name":"deep","start_time":1,"end_time":2,"metadata":{"default":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}}`;
    assert.ok(Buffer.byteLength(deep) < 65_000);
    await sendAll(relay.relay.xray!.receiver.address!.port, [
      HEADER + segment(),
      HEADER + JSON.stringify({ ...JSON.parse(segment()), end_time: undefined, in_progress: true }),
      HEADER + JSON.stringify({ ...JSON.parse(segment()), trace_id: 'abc' }),
      HEADER + JSON.stringify({ ...JSON.parse(segment()), trace_id: 'def' }),
      HEADER + deep,
    ]);
    await waitFor(() => invalid() === 3, 5000, 'the refusals counted');
    await waitFor(() => relay.stats.get('otlp_relay_receiver_accepted_items_total', spans) === 1, 5000, 'the good segment routed');
    const said = relay.logs.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));
    assert.equal(said.filter((m) => /an X-Ray segment could not become spans: trace_id "abc" is not 1-XXXXXXXX/.test(m)).length, 1, said.join('\n'));
    assert.equal(said.filter((m) => /trace_id "def"/.test(m)).length, 0, 'said once');
    assert.equal(said.filter((m) => /an X-Ray segment could not become spans: Maximum call stack size exceeded/.test(m)).length, 1, said.join('\n'));
  });
});
