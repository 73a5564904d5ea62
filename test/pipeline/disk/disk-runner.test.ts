import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeRequest } from '../../../src/otlp/codec.ts';
import type { Signal } from '../../../src/otlp/signal.ts';
import { scanRequest } from '../../../src/otlp/wire.ts';
import { ExporterRunner, queueDirOf, splitBatch, type RunnerOptions, type RunnerSettings } from '../../../src/pipeline/exporter-runner.ts';
import { retryable, SUCCESS, tooLarge, type Outcome } from '../../../src/pipeline/outcome.ts';
import type { ExportClient, Payload } from '../../../src/pipeline/types.ts';
import { ExportHandler } from '../../../src/receivers/otlp/handler.ts';
import { Router } from '../../../src/router/router.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { FaultFs, tempDir } from '../../support/fault-fs.ts';
import { captureLogger } from '../../support/log.ts';

/** A destination that records the service names it got, refuses on demand and has a body size limit. */
class Dest implements ExportClient {
  readonly got: string[] = [];
  calls = 0;
  down = false;
  /** Bodies larger than this are refused as too large (413). */
  limit = Infinity;
  async send(signal: Signal, bytes: Uint8Array, items: number): Promise<Outcome> {
    this.calls++;
    if (this.down) return retryable('503 from the destination', 5);
    if (bytes.byteLength > this.limit) return tooLarge(`413: ${bytes.byteLength} bytes`, items);
    this.got.push(...services(signal, bytes));
    return SUCCESS;
  }
}

/** Each resource is named "svc-<n>" so what arrived can be listed from the bytes. */
function services(signal: Signal, bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (const r of scanRequest(signal, bytes).resources) out.push(/svc-\d+/.exec(Buffer.from(bytes.subarray(r.start, r.end)).toString('latin1'))![0]);
  return out;
}

/** One request with a resource (one span each) per name. */
function request(...names: number[]): Payload {
  const bytes = encodeRequest('traces', {
    resourceSpans: names.map((n) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${n}` } }] },
      scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, n % 250 + 1), name: 'x'.repeat(40) }] }],
    })),
  });
  return { signal: 'traces', bytes, items: names.length };
}

function settings(dir: string | undefined, over: Partial<RunnerSettings> = {}): RunnerSettings {
  return {
    name: 'dest',
    type: 'test',
    queue: { maxBytes: 1 << 20, consumers: 1, ...(dir ? { disk: { dir, fsync: 'always' as const, fsyncIntervalMs: 1000 } } : {}) },
    batch: { maxItems: 1000, timeoutMs: 5, maxBytes: 1 << 20 },
    retry: { enabled: true, initialIntervalMs: 5, maxIntervalMs: 20, maxElapsedMs: 0 },
    timeoutMs: 1000,
    ...over,
  };
}

async function runner(t: TestContext, dir: string | undefined, dest: Dest, over: Partial<RunnerSettings> = {}, opts: RunnerOptions = {}) {
  const stats = new Stats();
  const r = new ExporterRunner(settings(dir, over), dest, captureLogger().log, stats, opts);
  t.after(() => r.shutdown(0)); // a failed assertion must not leave a retrying runner holding the test file open
  r.start();
  await r.ready();
  return { r, stats };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

const walFiles = async (dir: string, exporter = 'dest') => (await fsp.readdir(queueDirOf(dir, exporter))).filter((f) => f.endsWith('.wal'));

test('a disk runner delivers through its log and leaves no segment behind once everything is delivered', async (t) => {
  const dir = await tempDir();
  const dest = new Dest();
  const { r, stats } = await runner(t, dir, dest);
  for (let i = 1; i <= 20; i++) r.enqueue(request(i));
  await until(() => dest.got.length === 20);
  assert.deepEqual(dest.got, Array.from({ length: 20 }, (_, i) => `svc-${i + 1}`));
  await until(() => r.usedBytes === 0);
  for (let i = 0; i < 100 && (await walFiles(dir)).length > 0; i++) await sleep(10); // unlinks run in the background
  assert.deepEqual(await walFiles(dir), []);
  assert.equal(stats.get('otlp_relay_exporter_sent_items_total'), 20);
  await r.shutdown(1000);
});

test('shutdown while the destination is down keeps every item on disk (none counted dropped) and does not wait out retries; the next start delivers them', { timeout: 20_000 }, async (t) => {
  const dir = await tempDir();
  const dest = new Dest();
  dest.down = true;
  const { r, stats } = await runner(t, dir, dest, { retry: { enabled: true, initialIntervalMs: 60_000, maxIntervalMs: 60_000, maxElapsedMs: 0 } });
  for (let i = 1; i <= 5; i++) r.enqueue(request(i));
  await until(() => dest.calls >= 1);
  await r.shutdown(60_000); // resolves long before the deadline: the batch in its retry wait is kept, not waited for
  assert.equal(stats.get('otlp_relay_exporter_dropped_items_total'), 0);
  assert.ok((await walFiles(dir)).length > 0);

  const back = new Dest();
  const { r: next, stats: nextStats } = await runner(t, dir, back);
  await until(() => back.got.length === 5);
  assert.deepEqual(back.got.sort(), ['svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5']);
  assert.equal(nextStats.get('otlp_relay_disk_queue_recovered_items_total'), 5);
  await next.shutdown(1000);
});

test('a memory runner still drops and counts at shutdown what it could not deliver (unchanged)', async (t) => {
  const dest = new Dest();
  dest.down = true;
  const { r, stats } = await runner(t, undefined, dest);
  r.enqueue(request(1, 2));
  await until(() => dest.calls >= 1);
  await r.shutdown(50);
  assert.equal(stats.get('otlp_relay_exporter_dropped_items_total', { reason: 'shutdown' }), 2);
});

test('413: a batch of several payloads is split in halves, a single payload by its resources, until each piece fits', async (t) => {
  for (const dir of [undefined, await tempDir()]) {
    const dest = new Dest();
    const { r, stats } = await runner(t, dir, dest, { batch: { maxItems: 1000, timeoutMs: 50, maxBytes: 1 << 20 } });
    const one = request(1).bytes.byteLength;
    dest.limit = 2 * one + 10; // at most two resources per request
    r.enqueue(request(1, 2, 3, 4, 5));
    r.enqueue(request(6));
    r.enqueue(request(7, 8, 9));
    await until(() => dest.got.length === 9);
    assert.deepEqual([...dest.got].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))), ['svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6', 'svc-7', 'svc-8', 'svc-9']);
    assert.ok(stats.get('otlp_relay_exporter_splits_total') >= 3);
    assert.equal(stats.get('otlp_relay_exporter_sent_items_total'), 9);
    assert.equal(stats.get('otlp_relay_exporter_failed_items_total'), 0);

    dest.limit = 10; // nothing fits: one resource cannot be split further, so it is refused for good and counted
    r.enqueue(request(10, 11));
    await until(() => stats.get('otlp_relay_exporter_failed_items_total', { reason: 'permanent' }) === 2);
    await r.shutdown(1000);
  }
});

test('splitBatch keeps every byte and item: halves by payload, then by resource', () => {
  const a = request(1, 2, 3);
  const b = request(4);
  const byParts = splitBatch({ signal: 'traces', parts: [a.bytes, b.bytes], bytes: a.bytes.byteLength + b.bytes.byteLength, items: 4 })!;
  assert.deepEqual(byParts.map((p) => p.items), [3, 1]);
  const byResource = splitBatch(byParts[0]!)!;
  assert.deepEqual(byResource.map((p) => services('traces', p.parts[0]!)), [['svc-1', 'svc-2'], ['svc-3']]);
  assert.equal(byResource.reduce((s, p) => s + p.bytes, 0), a.bytes.byteLength);
  assert.equal(splitBatch(byParts[1]!), undefined, 'one resource cannot be split');
});

test('overflow drop_oldest in memory: the oldest queued payloads go (counted), data in flight stays, nothing is refused', async (t) => {
  const dest = new Dest();
  dest.down = true;
  const size = request(1).bytes.byteLength;
  const { r, stats } = await runner(t, undefined, dest, { queue: { maxBytes: 4 * size, consumers: 1, overflow: 'drop_oldest' }, batch: { maxItems: 1, timeoutMs: 0, maxBytes: 1 << 20 } });
  r.enqueue(request(1));
  await until(() => dest.calls >= 1); // #1 in flight (retrying)
  for (let i = 2; i <= 8; i++) {
    assert.ok(r.hasRoom(size), `room for #${i}`);
    r.enqueue(request(i));
  }
  assert.ok(r.usedBytes <= 4 * size);
  assert.equal(stats.get('otlp_relay_exporter_dropped_items_total', { reason: 'drop_oldest' }), 4);
  dest.down = false;
  await until(() => dest.got.length === 4);
  assert.deepEqual(dest.got, ['svc-1', 'svc-6', 'svc-7', 'svc-8']);
  await r.shutdown(1000);
});

test('overflow drop_oldest on disk keeps the directory within max_bytes while the destination is down', async (t) => {
  const dir = await tempDir();
  const dest = new Dest();
  dest.down = true;
  const size = request(1).bytes.byteLength + 32;
  const { r, stats } = await runner(t, dir, dest, { queue: { maxBytes: 20 * size, consumers: 1, overflow: 'drop_oldest', disk: { dir, fsync: 'never', fsyncIntervalMs: 1000 } } }, { segmentBytes: 4 * size });
  for (let i = 1; i <= 100; i++) {
    assert.ok(r.hasRoom(size - 32));
    r.enqueue(request(i));
    await sleep(0);
    assert.ok(r.usedBytes <= 20 * size + 16 * 8, `within budget after #${i}: ${r.usedBytes}`);
  }
  assert.ok(stats.get('otlp_relay_exporter_dropped_items_total', { reason: 'drop_oldest' }) >= 70);
  dest.down = false;
  await until(() => dest.got.includes('svc-100'));
  await r.shutdown(1000);
});

test('reload: disk → disk on the same directory replays; disk → memory and memory → disk move the data; nothing is lost or doubled', async (t) => {
  const dir = await tempDir();
  const other = await tempDir();
  const dest = new Dest();
  dest.down = true;
  const log = captureLogger().log;
  const made: ExporterRunner[] = [];
  t.after(() => Promise.all(made.map((r) => r.shutdown(0))));
  const make = (d: string | undefined) => {
    const r = new ExporterRunner(settings(d, { retry: { enabled: true, initialIntervalMs: 10, maxIntervalMs: 10, maxElapsedMs: 0 } }), dest, log, new Stats());
    made.push(r);
    return r;
  };
  const a = make(dir);
  a.start();
  await a.ready();
  for (let i = 1; i <= 4; i++) a.enqueue(request(i));
  await until(() => dest.calls >= 2);
  const b = make(dir); // same directory: b opens it only once a has closed it
  b.start();
  assert.deepEqual(await a.handOver(1000, b), []);
  await b.ready();
  const c = make(undefined); // to memory: b reads its log back, c queues it, b deletes its files
  c.start();
  await b.handOver(1000, c);
  assert.deepEqual(await walFiles(dir), []);
  const d = make(other); // and back to disk, elsewhere
  d.start();
  await d.ready();
  await c.handOver(1000, d);
  assert.ok((await walFiles(other)).length > 0, 'on disk again');
  dest.down = false;
  await until(() => dest.got.length >= 4);
  await sleep(50);
  assert.deepEqual(dest.got.sort(), ['svc-1', 'svc-2', 'svc-3', 'svc-4']);
  await d.shutdown(1000);
});

test('the handler answers only once the disk copy is written, and refuses with 503 + a retry delay when the disk is full, keeping no copy anywhere', async () => {
  const dir = await tempDir();
  const fs = new FaultFs();
  const disk = new Dest();
  const mem = new Dest();
  const stats = new Stats();
  const log = captureLogger().log;
  const onDisk = new ExporterRunner({ ...settings(dir), name: 'disk' }, disk, log, stats, { fs });
  const inMemory = new ExporterRunner({ ...settings(undefined), name: 'mem' }, mem, log, stats);
  for (const r of [onDisk, inMemory]) r.start();
  await onDisk.ready();
  const runners = new Map([['disk', onDisk], ['mem', inMemory]]);
  const handler = new ExportHandler(new Router([{ signals: ['traces'], to: ['disk', 'mem'] }], (n) => runners.get(n)!), log, stats);

  const first = handler.accept('traces', request(1).bytes, 'protobuf', 'test');
  assert.ok(first instanceof Promise, 'a disk target makes the answer wait for the write');
  assert.deepEqual(await first, { kind: 'ok' });
  await until(() => disk.got.length === 1 && mem.got.length === 1);
  // The delivered segment is unlinked in the background; wait for FaultFs to stop counting it (a
  // readdir can miss the file before the unlink's own continuation has run, which let the quota below
  // grow by a segment and the next write fit).
  await until(() => !fs.paths.some((p) => p.endsWith('.wal')), 3000);

  fs.quota = fs.used + 20;
  const refused = await handler.accept('traces', request(2).bytes, 'protobuf', 'test');
  assert.equal(refused.kind, 'unavailable');
  assert.ok(refused.kind === 'unavailable' && refused.status === 503 && refused.retryAfterMs > 0);
  const again = await handler.accept('traces', request(3).bytes, 'protobuf', 'test');
  assert.ok(again.kind === 'unavailable' && again.status === 503, 'refused at once while the disk is full');
  assert.equal(stats.get('otlp_relay_receiver_refused_items_total', { reason: 'disk_error' }), 2);
  fs.quota = Infinity;
  await until(() => onDisk.diskProblem === undefined, 3000);
  assert.deepEqual(await handler.accept('traces', request(4).bytes, 'protobuf', 'test'), { kind: 'ok' });
  await until(() => disk.got.length === 2 && mem.got.length === 2);
  await sleep(30);
  assert.deepEqual([disk.got, mem.got], [['svc-1', 'svc-4'], ['svc-1', 'svc-4']], 'the refused requests reached neither target');
  await Promise.all([onDisk.shutdown(1000), inMemory.shutdown(1000)]);
});

test('a queue directory another process holds makes the runner not ready (the relay does not start) and refuse with 503', async () => {
  const dir = await tempDir();
  await fsp.mkdir(queueDirOf(dir, 'dest'), { recursive: true });
  await fsp.writeFile(`${queueDirOf(dir, 'dest')}/LOCK`, `${process.ppid}\n`);
  const r = new ExporterRunner(settings(dir), new Dest(), captureLogger().log, new Stats());
  r.start();
  await assert.rejects(r.ready(), /in use by another process/);
  assert.equal(r.hasRoom(10), false);
  assert.match(r.diskProblem ?? '', /could not open/);
  assert.equal(r.status().state, 'refusing');
  await r.shutdown(100);
});
