import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteQueue } from '../../src/pipeline/queue.ts';

const p = (n: number, items = 1, signal: 'traces' | 'logs' = 'traces') => ({ signal, bytes: new Uint8Array(n), items });

test('the byte budget counts queued and in-flight data until released', () => {
  const q = new ByteQueue(100, { maxItems: 10, timeoutMs: 50, maxBytes: 1000 });
  assert.ok(q.hasRoom(100), 'an empty queue takes one payload of any size');
  q.push(p(60), 0);
  assert.ok(q.hasRoom(40));
  assert.ok(!q.hasRoom(41));
  const b = q.take(1000, false)!;
  assert.equal(b.bytes, 60);
  assert.ok(!q.hasRoom(41), 'a taken batch still holds its bytes');
  q.release(b.bytes);
  assert.ok(q.hasRoom(100));
});

test('a payload that keeps its sender\'s gzip holds both in the budget, until released, dropped or drained', () => {
  const q = new ByteQueue(1000, { maxItems: 100, timeoutMs: 0, maxBytes: 10_000 });
  q.push({ ...p(300), gzip: new Uint8Array(40) }, 0);
  q.push(p(100), 0);
  assert.equal(q.usedBytes, 440);
  assert.equal(q.queuedBytes, 440);
  const b = q.take(0, true)!;
  assert.equal(b.bytes, 400, 'the batch is sized by what it sends');
  assert.equal(b.held, 440);
  assert.equal(b.gzip?.length, 2);
  assert.equal(b.gzip?.[0]?.byteLength, 40);
  assert.equal(b.gzip?.[1], undefined, 'the part without one is compressed by the client');
  assert.equal(q.usedBytes, 440, 'in flight still counts');
  q.release(b.held!);
  assert.equal(q.usedBytes, 0);
  q.push({ ...p(300), gzip: new Uint8Array(40) }, 0);
  q.dropOldest();
  assert.equal(q.usedBytes, 0, 'dropping gives back both');
  q.push({ ...p(300), gzip: new Uint8Array(40) }, 0);
  q.drain();
  assert.equal(q.usedBytes, 0, 'draining gives back both');
  assert.ok(q.isEmpty);
  q.push(p(50), 0);
  assert.equal(q.take(0, true)!.gzip, undefined, 'no part with a gzip: none carried');
});

test('a batch is due when full by items or bytes, when timed out, or when flushing', () => {
  const q = new ByteQueue(10_000, { maxItems: 5, timeoutMs: 200, maxBytes: 100 });
  q.push(p(10, 2), 0);
  assert.equal(q.take(100, false), undefined, 'not full, not timed out');
  assert.equal(q.nextDeadline(), 200);
  assert.equal(q.take(200, false)?.items, 2, 'timed out');
  q.push(p(10, 3), 1000);
  q.push(p(10, 3), 1000);
  assert.ok(q.hasFullBatch());
  const b = q.take(1000, false)!;
  assert.equal(b.items, 3, 'whole entries only: 3 + 3 would pass maxItems 5');
  assert.equal(q.take(1000, true)?.items, 3, 'flush takes the rest at once');
  q.push(p(150, 1), 2000);
  assert.equal(q.take(2000, false)?.bytes, 150, 'an entry above maxBytes goes alone and at once');
});

test('signals are batched apart and drain empties everything', () => {
  const q = new ByteQueue(10_000, { maxItems: 100, timeoutMs: 0, maxBytes: 1000 });
  q.push(p(10, 1, 'traces'), 0);
  q.push(p(20, 4, 'logs'), 0);
  const first = q.take(0, false)!;
  assert.equal(first.signal, 'traces');
  assert.equal(first.items, 1);
  const dropped = q.drain();
  assert.deepEqual(dropped.map((d) => [d.signal, d.items, d.bytes]), [['logs', 4, 20]]);
  assert.ok(q.isEmpty);
  assert.equal(q.usedBytes, 10, 'the taken traces batch is still in flight');
});
