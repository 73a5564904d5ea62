import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DiskQueue, type DiskBatch, type DiskQueueSettings } from '../../../src/pipeline/disk/disk-queue.ts';
import { RECORD_HEADER_BYTES } from '../../../src/pipeline/disk/record.ts';
import type { Payload } from '../../../src/pipeline/types.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { FaultFs, snapshot, tempDir } from '../../support/fault-fs.ts';
import { captureLogger } from '../../support/log.ts';

const LABELS = { exporter: 'dest' };

function open(dir: string, over: Partial<DiskQueueSettings> = {}, stats = new Stats()) {
  const q = new DiskQueue(
    { dir, maxBytes: 1 << 20, fsync: 'always', fsyncIntervalMs: 50, batch: { maxItems: 1000, timeoutMs: 0, maxBytes: 1 << 20 }, segmentBytes: 1024, ...over },
    captureLogger().log,
    stats,
    LABELS,
  );
  return { q, stats };
}

/** A payload whose bytes name it, so what comes back can be told apart. */
const payload = (n: number, size = 100): Payload => ({ signal: 'traces', bytes: Buffer.from(`#${n};`.padEnd(size, '.')), items: n });
const names = (parts: readonly Uint8Array[]) => parts.map((p) => Buffer.from(p).toString().split(';')[0]);

async function put(q: DiskQueue, ps: Payload[]): Promise<void> {
  const staged = ps.map((p) => q.stage(p));
  for (const s of staged) s.commit();
  await Promise.all(staged.map((s) => s.durable));
}

async function takeAll(q: DiskQueue): Promise<{ batch: DiskBatch; names: string[] }> {
  const taken = q.take(Date.now(), true);
  assert.ok(taken, 'a batch is due');
  const { batch } = await q.load(taken);
  return { batch, names: names(batch.parts) as string[] };
}

test('appends survive a crash: a copy of the directory taken at any moment replays every acknowledged record, in order', async () => {
  const dir = await tempDir();
  const { q } = open(dir);
  await q.open();
  await put(q, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => payload(n)));
  const crashed = await snapshot(dir); // no close(): what a SIGKILL leaves
  const { q: again, stats } = open(crashed);
  const report = await again.open();
  assert.equal(report.records, 12);
  assert.equal(report.items.traces, 78);
  assert.ok(report.segments > 1, 'the records span several segments');
  assert.deepEqual((await takeAll(again)).names, ['#1', '#2', '#3', '#4', '#5', '#6', '#7', '#8', '#9', '#10', '#11', '#12']);
  assert.equal(stats.get('otlp_relay_disk_queue_recovered_items_total', { signal: 'traces' }), 78);
  await again.close();
  await q.close();
});

test('a finished record is never replayed, an unfinished one always is; fully finished segments are deleted', async () => {
  const dir = await tempDir();
  const { q } = open(dir, { segmentBytes: 2 * (100 + RECORD_HEADER_BYTES) });
  await q.open();
  await put(q, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => payload(n)));
  const segmentsBefore = (await fsp.readdir(dir)).filter((f) => f.endsWith('.wal')).length;
  const taken = q.take(Date.now(), true)!;
  const { batch } = await q.load(taken);
  // Finish all but #4 and #9 (in flight when the process dies).
  const done = { ...batch, records: batch.records.filter((r) => ![4, 9].includes(r.items)) };
  q.finish(done, false);
  await new Promise((r) => setTimeout(r, 20)); // the ack log write and unlinks run in the background
  const segmentsAfter = (await fsp.readdir(dir)).filter((f) => f.endsWith('.wal')).length;
  assert.deepEqual([segmentsBefore, segmentsAfter], [5, 2], 'segments with only finished records are removed');
  assert.ok(q.usedBytes < 10 * (100 + RECORD_HEADER_BYTES), 'their bytes leave the budget');
  const crashed = await snapshot(dir);
  const { q: again } = open(crashed);
  await again.open();
  assert.deepEqual((await takeAll(again)).names, ['#4', '#9']);
  await again.close();
  await q.close();
});

test('kept (parked) records stay on disk across a clean close and are replayed after it', async () => {
  const dir = await tempDir();
  const { q } = open(dir);
  await q.open();
  await put(q, [payload(1), payload(2)]);
  const taken = q.take(Date.now(), true)!;
  q.finish(taken, true);
  assert.equal(q.undeliveredItems, 3);
  await q.close();
  const { q: again } = open(dir);
  assert.equal((await again.open()).records, 2);
  await again.close();
});

test('concurrent appends share fsyncs (group commit) and none is acknowledged before its fsync', async () => {
  const dir = await tempDir();
  const fs = new FaultFs();
  const { q, stats } = open(dir, { fs, segmentBytes: 1 << 20 });
  await q.open();
  const syncsBefore = fs.datasyncs;
  const staged = Array.from({ length: 200 }, (_, i) => q.stage(payload(i)));
  let resolvedEarly = 0;
  for (const s of staged) void s.durable.then(() => (fs.datasyncs === syncsBefore ? resolvedEarly++ : 0));
  await Promise.all(staged.map((s) => s.durable));
  assert.equal(resolvedEarly, 0, 'no append resolves before an fsync');
  assert.equal(stats.get('otlp_relay_disk_queue_appends_total'), 200);
  assert.ok(fs.datasyncs - syncsBefore <= 2, `200 appends in one tick cost ${fs.datasyncs - syncsBefore} fsyncs`);
  await Promise.all(staged.map((s) => s.abort()));
  await q.close();
});

test('fsync: interval and never do not sync per append; interval syncs within its period', async () => {
  for (const policy of ['interval', 'never'] as const) {
    const dir = await tempDir();
    const fs = new FaultFs();
    const { q } = open(dir, { fs, fsync: policy, fsyncIntervalMs: 20 });
    await q.open();
    const before = fs.datasyncs;
    await put(q, [payload(1), payload(2)]);
    assert.equal(fs.datasyncs, before, `${policy}: the append resolved without an fsync`);
    if (policy === 'interval') {
      const end = Date.now() + 5000;
      while (fs.datasyncs === before && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      assert.ok(fs.datasyncs > before, 'interval: synced by the timer');
    }
    await q.close();
  }
});

test('an aborted append is never delivered, not even after a restart', async () => {
  const dir = await tempDir();
  const { q } = open(dir);
  await q.open();
  const a = q.stage(payload(1));
  const b = q.stage(payload(2));
  await Promise.all([a.durable, b.durable]);
  await a.abort();
  b.commit();
  assert.deepEqual((await takeAll(q)).names, ['#2']);
  await new Promise((r) => setTimeout(r, 20));
  const { q: again } = open(await snapshot(dir));
  await again.open();
  assert.deepEqual((await takeAll(again)).names, ['#2'], 'the abort was logged as an ack');
  await again.close();
  await q.close();
});

test('ENOSPC: the append is refused, nothing partial stays in the file, new data is refused for a moment, and space freed lets it in again', async () => {
  const dir = await tempDir();
  const fs = new FaultFs();
  const { q, stats } = open(dir, { fs, segmentBytes: 1 << 20 });
  await q.open();
  await put(q, [payload(1), payload(2)]);
  const sizeBefore = (await fsp.readdir(dir)).filter((f) => f.endsWith('.wal')).length;
  fs.quota = fs.used + 50; // less than one more record
  const s = q.stage(payload(3));
  s.commit();
  await assert.rejects(s.durable, /ENOSPC/);
  assert.equal(q.problem, 'ENOSPC');
  assert.equal(q.hasRoom(10), false, 'refuses while the disk is full');
  assert.equal(stats.get('otlp_relay_disk_queue_write_errors_total', { code: 'ENOSPC' }), 1);
  const walFiles = (await fsp.readdir(dir)).filter((f) => f.endsWith('.wal'));
  assert.equal(walFiles.length, sizeBefore);
  const size = (await fsp.stat(path.join(dir, walFiles[0]!))).size;
  assert.equal(size, 2 * (100 + RECORD_HEADER_BYTES), 'the partial write was cut off');
  // Delivering frees the segment; the disk takes data again.
  const { batch } = await takeAll(q);
  q.finish(batch, false);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(q.problem, undefined);
  await put(q, [payload(4)]);
  const { q: again } = open(await snapshot(dir));
  await again.open();
  assert.deepEqual((await takeAll(again)).names, ['#4'], 'the refused record was never kept');
  await again.close();
  await q.close();
});

test('a failed fsync refuses the append and keeps it from being replayed', async () => {
  const dir = await tempDir();
  const fs = new FaultFs();
  const { q } = open(dir, { fs });
  await q.open();
  await put(q, [payload(1)]);
  fs.failSync = 'EIO';
  const s = q.stage(payload(2));
  s.commit();
  await assert.rejects(s.durable, /EIO/);
  fs.failSync = undefined;
  await new Promise((r) => setTimeout(r, 20));
  const { q: again } = open(await snapshot(dir));
  await again.open();
  assert.deepEqual((await takeAll(again)).names, ['#1']);
  await again.close();
  await q.close();
});

test('drop_oldest frees whole segments of queued records, oldest first, never records in flight', async () => {
  const dir = await tempDir();
  const size = 100 + RECORD_HEADER_BYTES;
  const { q } = open(dir, { maxBytes: 10 * size, segmentBytes: 2 * size });
  await q.open();
  await put(q, [payload(1), payload(2)]);
  const inflight = q.take(Date.now(), true)!; // #1 and #2 in flight
  await put(q, [3, 4, 5, 6, 7, 8].map((n) => payload(n)));
  assert.equal(q.hasRoom(3 * size), false);
  assert.equal(q.hasRoom(3 * size, true), true);
  const dropped = q.makeRoom(3 * size);
  // Each record also reserves its future ack entry (16 bytes): two whole segments have to go.
  assert.deepEqual(dropped.map((d) => d.items), [3, 4, 5, 6], 'whole segments, oldest first, only as many as needed');
  assert.ok(q.usedBytes + 3 * size + RECORD_HEADER_BYTES + 16 <= 10 * size, 'it fits now');
  assert.equal(q.hasRoom(20 * size, true), false, 'in-flight data is never dropped to make room');
  assert.deepEqual(names((await q.load(inflight as DiskBatch)).batch.parts), ['#1', '#2']);
  await q.close();
});

test('damage on disk: a corrupt record, a torn tail, a damaged ack and a missing segment cost only what they hit', async () => {
  const dir = await tempDir();
  const size = 100 + RECORD_HEADER_BYTES;
  const { q } = open(dir, { segmentBytes: 3 * size });
  await q.open();
  await put(q, [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => payload(n)));
  const taken = q.take(Date.now(), true)!;
  const delivered: DiskBatch = { ...taken, records: taken.records.filter((r) => r.items === 7) };
  q.finish(delivered, false); // #7 delivered
  await q.close();
  const wal = (await fsp.readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
  assert.equal(wal.length, 3);
  // Segment 1 (#1 #2 #3): flip a byte in #2's payload. Segment 2 (#4 #5 #6): deleted by hand.
  // Segment 3 (#7 #8 #9): a torn half record appended; #7's ack damaged, so #7 comes back (a duplicate, not a loss).
  const seg1 = path.join(dir, wal[0]!);
  const b1 = await fsp.readFile(seg1);
  b1[size + RECORD_HEADER_BYTES + 10]! ^= 0x20;
  await fsp.writeFile(seg1, b1);
  await fsp.rm(path.join(dir, wal[1]!));
  const seg3 = path.join(dir, wal[2]!);
  await fsp.appendFile(seg3, (await fsp.readFile(seg3)).subarray(0, size - 7));
  const acks = await fsp.readFile(path.join(dir, 'acks'));
  acks[acks.length - 3]! ^= 0xff;
  await fsp.writeFile(path.join(dir, 'acks'), acks);

  const { q: again, stats } = open(dir);
  const report = await again.open();
  assert.deepEqual(report.damage.map((d) => d.kind).sort(), ['corrupt', 'torn_tail']);
  assert.equal(report.damagedAcks, 1);
  assert.deepEqual((await takeAll(again)).names, ['#1', '#3', '#7', '#8', '#9']);
  assert.equal(stats.get('otlp_relay_disk_queue_damaged_total', { kind: 'corrupt' }), 1);
  assert.equal(stats.get('otlp_relay_disk_queue_damaged_total', { kind: 'torn_tail' }), 1);
  await again.close();
});

test('a record damaged after start-up is found when read back, dropped alone and reported', async () => {
  const dir = await tempDir();
  const { q } = open(dir, { hotBytes: 0, segmentBytes: 1 << 20 });
  await q.open();
  await put(q, [payload(1), payload(2), payload(3)]);
  const wal = (await fsp.readdir(dir)).find((f) => f.endsWith('.wal'))!;
  const fh = await fsp.open(path.join(dir, wal), 'r+');
  await fh.write(Buffer.from('X'), 0, 1, 100 + RECORD_HEADER_BYTES + RECORD_HEADER_BYTES + 20); // inside #2
  await fh.close();
  const taken = q.take(Date.now(), true)!;
  const { batch, corrupt } = await q.load(taken);
  assert.deepEqual(names(batch.parts), ['#1', '#3']);
  assert.deepEqual(corrupt, [{ signal: 'traces', items: 2 }]);
  await q.close();
});

test('two processes never share a directory; a lock left by a dead process, or by our own pid (a container restart), is taken over', async () => {
  const dir = await tempDir();
  await fsp.writeFile(path.join(dir, 'LOCK'), `${process.ppid}\n`); // a live process that is not us
  const { q } = open(dir);
  await assert.rejects(q.open(), /in use by another process/);
  for (const stale of [2 ** 22 + 12345, process.pid]) {
    await fsp.writeFile(path.join(dir, 'LOCK'), `${stale}\n`);
    const { q: ok } = open(dir);
    await ok.open();
    await ok.close();
  }
});

test('in one process, a second queue on the same directory waits until the first closes (a reload)', async () => {
  const dir = await tempDir();
  const { q: first } = open(dir);
  await first.open();
  await put(first, [payload(1)]);
  const { q: second } = open(dir);
  let opened = false;
  const opening = second.open().then((r) => {
    opened = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(opened, false);
  await first.close();
  assert.equal((await opening).records, 1);
  await second.close();
});
