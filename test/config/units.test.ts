import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatDuration, parseBytes, parseDuration } from '../../src/config/units.ts';

describe('parseDuration', () => {
  const good: Array<[string | number, number]> = [
    ['200ms', 200],
    ['5s', 5_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1m 30s', 90_000],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    [' 10s ', 10_000],
    ['0s', 0],
    [250, 250],
    [0, 0],
  ];
  for (const [input, ms] of good) it(`${JSON.stringify(input)} → ${ms} ms`, () => assert.equal(parseDuration(input), ms));

  const bad: Array<[string | number, RegExp]> = [
    ['5', /has no unit/],
    ['5 sec', /expected a duration.*got "5 sec"/],
    ['5S', /expected a duration/],
    ['', /expected a duration/],
    ['-1s', /expected a duration/],
    ['1.5ms', /not a whole number of milliseconds/],
    [-1, /non-negative/],
    [1.5, /whole/],
  ];
  for (const [input, message] of bad) it(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseDuration(input), { name: 'RangeError', message }));
});

describe('parseBytes', () => {
  const good: Array<[string | number, number]> = [
    ['20MiB', 20 * 2 ** 20],
    ['64KiB', 64 * 1024],
    ['1GiB', 2 ** 30],
    ['1MB', 1_000_000],
    ['1KB', 1_000],
    ['1GB', 1e9],
    ['512B', 512],
    ['20mib', 20 * 2 ** 20],
    ['1.5KiB', 1536],
    ['1.1MB', 1_100_000],
    ['8 MiB', 8 * 2 ** 20],
    [4096, 4096],
  ];
  for (const [input, n] of good) it(`${JSON.stringify(input)} → ${n} bytes`, () => assert.equal(parseBytes(input), n));

  const bad: Array<[string | number, RegExp]> = [
    ['20', /has no unit/],
    ['20M', /"M" is ambiguous: write MiB for binary or MB for decimal/],
    ['20 megs', /expected a size/],
    ['1.5B', /not a whole number of bytes/],
    [-5, /non-negative/],
  ];
  for (const [input, message] of bad) it(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseBytes(input), { name: 'RangeError', message }));
});

describe('formatting for messages', () => {
  it('formats durations and sizes in their largest exact unit', () => {
    assert.deepEqual([formatDuration(200), formatDuration(1_500), formatDuration(60_000), formatDuration(7_200_000)], ['200ms', '1.5s', '1m', '2h']);
    assert.deepEqual([formatBytes(512), formatBytes(64 * 1024), formatBytes(20 * 2 ** 20), formatBytes(1_000_000)], ['512B', '64KiB', '20MiB', '1000000B']);
  });
});
