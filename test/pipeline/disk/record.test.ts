import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeAck, encodeHeader, RECORD_HEADER_BYTES, scanAcks, scanSegment } from '../../../src/pipeline/disk/record.ts';
import type { Signal } from '../../../src/otlp/signal.ts';

function record(seq: number, payload: string, signal: Signal = 'traces', items = 1): Buffer {
  const p = Buffer.from(payload);
  return Buffer.concat([encodeHeader({ seq, signal, items }, p), p]);
}

function segment(n: number): { buf: Buffer; offsets: number[] } {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (let i = 1; i <= n; i++) {
    const r = record(i, `payload number ${i} `.repeat(i), i % 2 ? 'traces' : 'logs', i);
    offsets.push(at);
    at += r.byteLength;
    parts.push(r);
  }
  return { buf: Buffer.concat(parts), offsets };
}

test('records round-trip with their signal, item count and sequence number; large sequence numbers survive', () => {
  const { buf } = segment(5);
  const big = record(2 ** 40 + 7, 'x', 'metrics', 3);
  const scan = scanSegment(Buffer.concat([buf, big]));
  assert.deepEqual(scan.damage, []);
  assert.deepEqual(
    scan.records.map((r) => [r.seq, r.signal, r.items]),
    [[1, 'traces', 1], [2, 'logs', 2], [3, 'traces', 3], [4, 'logs', 4], [5, 'traces', 5], [2 ** 40 + 7, 'metrics', 3]],
  );
});

test('a flipped payload byte costs exactly that record: the ones after it are recovered', () => {
  const { buf, offsets } = segment(6);
  buf[offsets[2]! + RECORD_HEADER_BYTES + 3]! ^= 0xff;
  const scan = scanSegment(buf);
  assert.deepEqual(scan.records.map((r) => r.seq), [1, 2, 4, 5, 6]);
  assert.equal(scan.damage.length, 1);
  assert.equal(scan.damage[0]!.kind, 'corrupt');
  assert.equal(scan.damage[0]!.offset, offsets[2]);
});

test('a damaged header (its length unknowable) is skipped by finding the next valid header', () => {
  const { buf, offsets } = segment(6);
  buf.fill(0x41, offsets[1]! + 4, offsets[1]! + 20); // checksum and length of record 2
  const scan = scanSegment(buf);
  assert.deepEqual(scan.records.map((r) => r.seq), [1, 3, 4, 5, 6]);
  assert.deepEqual(scan.damage.map((d) => [d.kind, d.offset, d.bytes]), [['corrupt', offsets[1], offsets[2]! - offsets[1]!]]);
});

test('a torn tail (the last write cut short) is reported as such, whatever was cut', () => {
  const { buf, offsets } = segment(4);
  for (const cut of [offsets[3]! + 5, offsets[3]! + RECORD_HEADER_BYTES + 2, buf.byteLength - 1]) {
    const scan = scanSegment(buf.subarray(0, cut));
    assert.deepEqual(scan.records.map((r) => r.seq), [1, 2, 3], `cut at ${cut}`);
    assert.deepEqual(scan.damage.map((d) => d.kind), ['torn_tail']);
  }
  const zeros = scanSegment(Buffer.concat([buf, Buffer.alloc(4096)])); // a file extended with zeros by a crash
  assert.equal(zeros.records.length, 4);
  assert.deepEqual(zeros.damage.map((d) => [d.kind, d.bytes]), [['torn_tail', 4096]]);
});

test('garbage everywhere but one intact record still yields that record', () => {
  const noise = Buffer.alloc(10_000);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  const r = record(42, 'the survivor');
  const scan = scanSegment(Buffer.concat([noise, r, noise]));
  assert.deepEqual(scan.records.map((x) => x.seq), [42]);
  assert.deepEqual(scan.damage.map((d) => d.kind), ['corrupt', 'torn_tail']);
});

test('the ack log skips damaged and partial entries and keeps the rest', () => {
  const log = Buffer.concat([encodeAck(1), encodeAck(2), encodeAck(3), encodeAck(2 ** 33)]);
  log[16 + 9]! ^= 0x01;
  const scan = scanAcks(Buffer.concat([log, encodeAck(9).subarray(0, 7)]));
  assert.deepEqual(scan.seqs, [1, 3, 2 ** 33]);
  assert.equal(scan.damaged, 2);
});
