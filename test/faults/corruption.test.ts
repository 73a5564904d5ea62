import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeRequest } from '../../src/otlp/codec.ts';
import { RECORD_HEADER_BYTES, scanSegment, type FoundRecord } from '../../src/pipeline/disk/record.ts';
import { tempDir } from '../support/fault-fs.ts';
import { startRelay, waitFor, type TestRelay } from '../support/relay.ts';
import { FaultyDestination } from './support/destination.ts';
import { logsRequest, spansRequest, type Req } from './support/load.ts';

function yaml(dest: string, dir: string): string {
  return `
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  hc:
    type: honeycomb
    api_key: abcdefghijklmnopqrstuv
    endpoint: ${dest}
    timeout: 1s
    queue: { type: disk, dir: "${dir}", max_bytes: 1MiB }
    batch: { timeout: 10ms, max_bytes: 256KiB }
    retry: { initial_interval: 20ms, max_interval: 100ms }
routes:
  - { signals: [traces, logs], to: [hc] }
`;
}

interface Filled {
  dir: string;
  qdir: string;
  reqs: Req[];
  dest: FaultyDestination;
}

/** A relay whose destination is down takes 90 requests (several segments), then stops: its queue is left on disk. */
async function fill(): Promise<Filled> {
  const dest = await new FaultyDestination().start();
  await dest.refuse();
  const dir = await tempDir();
  const r = await startRelay(yaml(dest.url, dir));
  const reqs: Req[] = [];
  try {
    for (let i = 0; i < 90; i++) {
      const req = i % 4 === 0 ? logsRequest(20) : spansRequest(20);
      const res = await fetch(r.httpUrl + req.path, { method: 'POST', body: req.body, headers: { 'content-type': 'application/x-protobuf' } });
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      reqs.push(req);
    }
  } finally {
    await r.stop();
  }
  return { dir, qdir: path.join(dir, 'hc'), reqs, dest };
}

async function segments(qdir: string): Promise<string[]> {
  return (await fsp.readdir(qdir)).filter((f) => f.endsWith('.wal')).sort().map((f) => path.join(qdir, f));
}

/** The item ids inside one record. */
function idsOf(buf: Buffer, rec: FoundRecord): string[] {
  const payload = buf.subarray(rec.offset + RECORD_HEADER_BYTES, rec.offset + RECORD_HEADER_BYTES + rec.length);
  const req = decodeRequest(rec.signal, payload) as { resourceSpans?: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: Uint8Array }> }> }>; resourceLogs?: Array<{ scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string } }> }> }> };
  if (rec.signal === 'traces') return req.resourceSpans!.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => Buffer.from(x.spanId).toString('hex'))));
  return req.resourceLogs!.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords.map((x) => x.body.stringValue)));
}

/** Restarts on the damaged directory with the destination up; waits for `expected`, then checks nothing else came. */
async function recover(f: Filled, lost: Set<string>): Promise<TestRelay> {
  await f.dest.accept();
  const r = await startRelay(yaml(f.dest.url, f.dir));
  const expected = f.reqs.flatMap((q) => q.ids).filter((id) => !lost.has(id));
  const got = (id: string) => f.dest.spans.has(id) || f.dest.logs.has(id);
  await waitFor(() => expected.every(got), 15_000, 'every intact item delivered');
  await sleep(100);
  assert.deepEqual([...lost].filter(got), [], 'the damaged items (and only they) are missing');
  assert.equal(f.dest.duplicates, 0);
  return r;
}

test('a flipped byte inside one record costs that record only: every other record, before and after it, is delivered', async () => {
  const f = await fill();
  const segs = await segments(f.qdir);
  assert.ok(segs.length >= 2, `the queue spans ${segs.length} segments`);
  const buf = await fsp.readFile(segs[0]!);
  const recs = scanSegment(buf).records;
  const victim = recs[Math.floor(recs.length / 2)]!;
  buf[victim.offset + RECORD_HEADER_BYTES + Math.floor(victim.length / 2)]! ^= 0x5a;
  await fsp.writeFile(segs[0]!, buf);
  const r = await recover(f, new Set(idsOf(buf, victim)));
  try {
    assert.equal(r.stats.get('otlp_relay_disk_queue_damaged_total', { kind: 'corrupt' }), 1);
    assert.match(r.logs.text(), /1 damaged stretch\(es\)/);
  } finally {
    await r.stop();
    await f.dest.stop();
  }
});

test('a truncated last segment (a torn write) costs only the cut record', async () => {
  const f = await fill();
  const segs = await segments(f.qdir);
  const last = segs.at(-1)!;
  const buf = await fsp.readFile(last);
  const recs = scanSegment(buf).records;
  const cut = recs.at(-1)!;
  await fsp.truncate(last, cut.offset + RECORD_HEADER_BYTES + 7);
  const r = await recover(f, new Set(idsOf(buf, cut)));
  try {
    assert.equal(r.stats.get('otlp_relay_disk_queue_damaged_total', { kind: 'torn_tail' }), 1);
  } finally {
    await r.stop();
    await f.dest.stop();
  }
});

test('a missing segment, a garbage segment, an empty one, a directory where a segment should be and a stray temp file: the relay starts and delivers the rest', async () => {
  const f = await fill();
  const segs = await segments(f.qdir);
  const gone = await fsp.readFile(segs[0]!);
  const lost = new Set(scanSegment(gone).records.flatMap((rec) => idsOf(gone, rec)));
  await fsp.rm(segs[0]!);
  const noise = Buffer.alloc(50_000);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  await fsp.writeFile(path.join(f.qdir, '0000000000000900.wal'), noise);
  await fsp.writeFile(path.join(f.qdir, '0000000000000901.wal'), '');
  await fsp.mkdir(path.join(f.qdir, '0000000000000902.wal'));
  await fsp.writeFile(path.join(f.qdir, 'acks.tmp'), 'half-written compaction');
  const r = await recover(f, lost);
  try {
    assert.ok(r.stats.get('otlp_relay_disk_queue_damaged_total', { kind: 'unreadable' }) === 1, 'the directory is reported, not fatal');
    await sleep(50);
    assert.deepEqual((await fsp.readdir(f.qdir)).filter((n) => n.startsWith('00000000000009')), ['0000000000000902.wal'], 'the unreadable entry is left alone; the rest are gone');
  } finally {
    await r.stop();
    await f.dest.stop();
  }
});

test('a destroyed ack log costs duplicates, never data: what was delivered is delivered again, everything else once', async () => {
  const f = await fill();
  // Deliver part of the queue, then stop, then destroy the ack log.
  await f.dest.accept();
  f.dest.mode = { kind: 'ok' };
  const r1 = await startRelay(yaml(f.dest.url, f.dir));
  await waitFor(() => f.dest.delivered > 0, 10_000, 'some delivery');
  await f.dest.refuse();
  await r1.stop();
  const delivered = f.dest.delivered;
  await fsp.writeFile(path.join(f.qdir, 'acks'), Buffer.from('this is not an ack log at all'));
  await f.dest.accept();
  const r = await startRelay(yaml(f.dest.url, f.dir));
  try {
    const all = f.reqs.flatMap((q) => q.ids);
    await waitFor(() => all.every((id) => f.dest.spans.has(id) || f.dest.logs.has(id)), 15_000, 'every item');
    assert.ok(r.stats.get('otlp_relay_disk_queue_damaged_total', { kind: 'ack' }) >= 1);
    assert.ok(f.dest.duplicates <= delivered, `duplicates (${f.dest.duplicates}) at most what had been delivered (${delivered})`);
  } finally {
    await r.stop();
    await f.dest.stop();
  }
});
