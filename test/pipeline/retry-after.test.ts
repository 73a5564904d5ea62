import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from '../../src/pipeline/retry-after.ts';
import { backoffDelay, nextDelay } from '../../src/pipeline/backoff.ts';

test('Retry-After as delay-seconds and as an HTTP-date', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter(['3'], now), 3000);
  assert.equal(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now), 0, 'a date in the past means now');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('backoff doubles from the initial interval, stays within [d/2, d) and caps at the max', () => {
  const s = { enabled: true, initialIntervalMs: 100, maxIntervalMs: 1000, maxElapsedMs: 0 };
  assert.equal(backoffDelay(0, s, () => 0), 50);
  assert.equal(backoffDelay(0, s, () => 0.999), 100);
  assert.equal(backoffDelay(3, s, () => 0), 400);
  assert.equal(backoffDelay(10, s, () => 0.5), 750, 'capped at maxIntervalMs');
  assert.equal(nextDelay(0, s, 5000), 5000, "the server's Retry-After wins");
});
