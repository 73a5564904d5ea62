import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutUtf8, MARKER_BYTES, planBatches, TRUNCATION_MARKER, utf8Bytes, type LogEvent } from '../../../src/exporters/cloudwatch_logs/batcher.ts';
import { EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../../../src/exporters/cloudwatch_logs/limits.ts';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function events(n: number, message: string | ((i: number) => string) = 'x', at: (i: number) => number = () => NOW): LogEvent[] {
  return Array.from({ length: n }, (_, i) => ({ group: 'g', stream: 's', timestamp: at(i), message: typeof message === 'string' ? message : message(i) }));
}

/** Every rule a PutLogEvents batch must satisfy, checked on a plan. */
function assertLegal(plan: ReturnType<typeof planBatches>): void {
  for (const b of plan.batches) {
    assert.ok(b.events.length >= 1 && b.events.length <= MAX_BATCH_EVENTS, `event count ${b.events.length}`);
    const bytes = b.events.reduce((sum, e) => sum + utf8Bytes(e.message) + EVENT_OVERHEAD_BYTES, 0);
    assert.equal(b.bytes, bytes, 'bytes as the API counts them');
    assert.ok(bytes <= MAX_BATCH_BYTES, `batch of ${bytes} bytes`);
    for (let i = 1; i < b.events.length; i++) assert.ok(b.events[i]!.timestamp >= b.events[i - 1]!.timestamp, 'chronological');
    assert.ok(b.events.at(-1)!.timestamp - b.events[0]!.timestamp < DAY, 'under 24 hours');
    for (const e of b.events) assert.ok(e.message.length > 0, 'no empty message');
  }
}

describe('planBatches: event counts', () => {
  it('puts exactly 10,000 events in one batch', () => {
    const plan = planBatches(events(10_000), { now: NOW });
    assert.equal(plan.batches.length, 1);
    assert.equal(plan.batches[0]!.events.length, 10_000);
    assertLegal(plan);
  });

  it('splits 10,001 events into 10,000 + 1, keeping their order', () => {
    const plan = planBatches(events(10_001, (i) => `m${i}`), { now: NOW });
    assert.deepEqual(plan.batches.map((b) => b.events.length), [10_000, 1]);
    assert.equal(plan.batches[1]!.events[0]!.message, 'm10000');
    assertLegal(plan);
  });
});

describe('planBatches: bytes, counting UTF-8 + 26 per event', () => {
  it('fills a batch to exactly 1,048,576 bytes and no further', () => {
    // 1024 events of 1024 bytes each = 1,048,576 − 1024×26 message bytes; the last event takes up the 26×1024 overhead.
    const body = 1024 - EVENT_OVERHEAD_BYTES;
    const exact = events(1024, 'a'.repeat(body));
    assert.equal(exact.length * (body + EVENT_OVERHEAD_BYTES), MAX_BATCH_BYTES);
    const plan = planBatches(exact, { now: NOW });
    assert.equal(plan.batches.length, 1);
    assert.equal(plan.batches[0]!.bytes, MAX_BATCH_BYTES);
    const over = planBatches([...exact, ...events(1, 'b')], { now: NOW });
    assert.deepEqual(over.batches.map((b) => b.events.length), [1024, 1]);
    assertLegal(over);
  });

  it('counts multibyte characters by their UTF-8 bytes, not string length', () => {
    // '€' is 3 bytes: 20 events of 52,403 '€' are 157,209 + 26 bytes each; 6 fit (943,410), the 7th does not (1,100,645).
    const plan = planBatches(events(20, '€'.repeat(52_403)), { now: NOW });
    assert.deepEqual(plan.batches.map((b) => b.events.length), [6, 6, 6, 2]);
    assertLegal(plan);
  });
});

describe('planBatches: order and time span', () => {
  it('sorts unsorted input chronologically, equal timestamps keeping their order', () => {
    const input: LogEvent[] = [30, 10, 20, 10, 0].map((t, i) => ({ group: 'g', stream: 's', timestamp: NOW - t, message: `e${i}` }));
    const plan = planBatches(input, { now: NOW });
    assert.deepEqual(plan.batches[0]!.events.map((e) => e.message), ['e0', 'e2', 'e1', 'e3', 'e4']);
    assertLegal(plan);
  });

  it('splits a 25-hour spread so no batch spans 24 hours', () => {
    const plan = planBatches(events(26, 'x', (i) => NOW - 25 * HOUR + i * HOUR), { now: NOW });
    assert.equal(plan.batches.length, 2);
    assert.deepEqual(plan.batches.map((b) => b.events.length), [24, 2]);
    assertLegal(plan);
  });

  it('starts a new batch at exactly 24 hours from the first event', () => {
    const plan = planBatches(events(2, 'x', (i) => NOW - DAY + i * DAY), { now: NOW });
    assert.equal(plan.batches.length, 2);
  });

  it('keeps (group, stream) pairs apart, in order of first appearance', () => {
    const input: LogEvent[] = [
      { group: 'b', stream: 's1', timestamp: NOW, message: '1' },
      { group: 'a', stream: 's1', timestamp: NOW, message: '2' },
      { group: 'b', stream: 's2', timestamp: NOW, message: '3' },
      { group: 'b', stream: 's1', timestamp: NOW - 1, message: '4' },
    ];
    const plan = planBatches(input, { now: NOW });
    assert.deepEqual(
      plan.batches.map((b) => [b.group, b.stream, b.events.map((e) => e.message).join()]),
      [
        ['b', 's1', '4,1'],
        ['b', 's2', '3'],
        ['a', 's1', '2'],
      ],
    );
  });
});

describe('planBatches: the accepted window', () => {
  it('drops and counts events older than 14 days or more than 2 hours ahead, keeping the edges', () => {
    const input = events(5, 'x', (i) => [NOW - 14 * DAY - 1, NOW - 14 * DAY, NOW, NOW + 2 * HOUR, NOW + 2 * HOUR + 1][i]!);
    const plan = planBatches(input, { now: NOW });
    assert.equal(plan.tooOld, 1);
    assert.equal(plan.tooNew, 1);
    // The two kept edges are 14 days apart: two batches.
    assert.deepEqual(plan.batches.flatMap((b) => b.events.map((e) => e.timestamp)), [NOW - 14 * DAY, NOW, NOW + 2 * HOUR]);
  });

  it('uses a shorter retention as the window', () => {
    const plan = planBatches(events(2, 'x', (i) => NOW - (i === 0 ? 2 * DAY : DAY / 2)), { now: NOW, maxAgeMs: DAY });
    assert.equal(plan.tooOld, 1);
    assert.equal(plan.batches[0]!.events.length, 1);
  });
});

describe('truncation', () => {
  it('cuts an oversized event to the limit on a UTF-8 boundary, with the marker, and counts it', () => {
    const max = 4096;
    // '😀' is 4 bytes (2 UTF-16 units): no limit position can fall on a character boundary for every prefix.
    for (const filler of ['a', 'é', '€', '😀']) {
      for (let shift = 0; shift < 4; shift++) {
        const message = 'a'.repeat(shift) + filler.repeat(5000);
        const plan = planBatches(events(1, message), { now: NOW, maxEventBytes: max });
        assert.equal(plan.truncated, 1);
        const out = plan.batches[0]!.events[0]!.message;
        assert.ok(out.endsWith(TRUNCATION_MARKER));
        assert.ok(utf8Bytes(out) + EVENT_OVERHEAD_BYTES <= max, `${filler}+${shift}: ${utf8Bytes(out)} bytes`);
        assert.ok(utf8Bytes(out) + EVENT_OVERHEAD_BYTES > max - 4, 'as much as fits is kept');
        const kept = out.slice(0, -TRUNCATION_MARKER.length);
        assert.ok(message.startsWith(kept), 'a prefix of the original');
        assert.ok(kept.isWellFormed(), 'no half of a surrogate pair');
        assert.equal(Buffer.from(kept, 'utf8').toString('utf8'), kept, 'round-trips through UTF-8');
      }
    }
  });

  it('leaves an event of exactly the limit alone, and cuts one byte more', () => {
    const max = 2048;
    const exact = 'x'.repeat(max - EVENT_OVERHEAD_BYTES);
    assert.equal(planBatches(events(1, exact), { now: NOW, maxEventBytes: max }).truncated, 0);
    const plan = planBatches(events(1, `${exact}y`), { now: NOW, maxEventBytes: max });
    assert.equal(plan.truncated, 1);
    assert.equal(utf8Bytes(plan.batches[0]!.events[0]!.message), max - EVENT_OVERHEAD_BYTES);
  });

  it('defaults to the API limit of 1,048,576 bytes per event, so one maximal event fills a batch alone', () => {
    const plan = planBatches(events(2, 'z'.repeat(2 * 1024 * 1024)), { now: NOW });
    assert.equal(plan.truncated, 2);
    assert.deepEqual(plan.batches.map((b) => b.bytes), [MAX_BATCH_BYTES, MAX_BATCH_BYTES]);
    assertLegal(plan);
  });

  it('cutUtf8 never splits a character and counts bytes, not characters', () => {
    assert.equal(cutUtf8('€€€', 7), '€€');
    assert.equal(cutUtf8('€€€', 6), '€€');
    assert.equal(cutUtf8('a😀', 4), 'a');
    assert.equal(cutUtf8('a😀', 5), 'a😀');
    assert.equal(cutUtf8('abc', 0), '');
    assert.equal(MARKER_BYTES, utf8Bytes(TRUNCATION_MARKER));
  });

  it('counts events the encoder already cut', () => {
    const plan = planBatches([{ group: 'g', stream: 's', timestamp: NOW, message: 'm', truncated: true }], { now: NOW });
    assert.equal(plan.truncated, 1);
  });
});
