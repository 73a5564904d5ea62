/** items_per_minute: at most N items in any 60 s window. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ItemsPerMinute } from '../../../src/exporters/rollbar/rate.ts';

test('admits N items in any 60 s, then admits again as the oldest fall out of the window', () => {
  let now = 1_000_000;
  const cap = new ItemsPerMinute(3, () => now);
  assert.deepEqual([cap.admit(), cap.admit(), cap.admit(), cap.admit()], [true, true, true, false]);
  now += 59_999;
  assert.equal(cap.admit(), false, 'still inside the minute');
  now += 1;
  assert.equal(cap.admit(), true, 'the first one is a minute old');
  assert.equal(cap.admit(), true);
  assert.equal(cap.admit(), true);
  assert.equal(cap.admit(), false);
});

test('a sliding window, not a fixed one: a burst at the end of a minute does not double at the turn', () => {
  let now = 0;
  const cap = new ItemsPerMinute(2, () => now);
  now = 59_000;
  assert.deepEqual([cap.admit(), cap.admit()], [true, true]);
  now = 61_000;
  assert.equal(cap.admit(), false, 'the burst is 2 s old');
  now = 119_000;
  assert.equal(cap.admit(), true);
});

test('0 means no cap', () => {
  const cap = new ItemsPerMinute(0, () => 0);
  for (let i = 0; i < 10_000; i++) assert.equal(cap.admit(), true);
});
