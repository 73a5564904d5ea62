import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { planReload } from '../../src/reload/plan.ts';
import { problemsOf } from './helpers.ts';

const REST = 'exporters:\n  out: { type: debug }\nroutes:\n  - { signals: [traces], to: [out] }\n';
const MiB = 2 ** 20;

describe('service.memory_limiter', () => {
  test('absent or empty: enabled, no limit of its own (the container default applies at run time)', () => {
    for (const text of [REST, `service:\n  memory_limiter:\n${REST}`]) {
      const s = parseConfig(text).service;
      assert.equal(s.memoryLimiterEnabled, true);
      assert.equal(s.memoryLimiter, undefined);
    }
  });

  test('a limit: spike defaults to a fifth of it (the collector default), checks every 250ms', () => {
    assert.deepEqual(parseConfig(`service: { memory_limiter: { limit: 256MiB } }\n${REST}`).service.memoryLimiter, { limit: 256 * MiB, spike: Math.floor(256 * MiB * 0.2), checkInterval: 250 });
    assert.deepEqual(parseConfig(`service: { memory_limiter: { limit: 1GiB, spike: 100MiB, check_interval: 1s } }\n${REST}`).service.memoryLimiter, { limit: 1024 * MiB, spike: 100 * MiB, checkInterval: 1000 });
  });

  test('from the environment, and off', () => {
    assert.equal(parseConfig(`service: { memory_limiter: { limit: "\${env:LIMIT:-64MiB}" } }\n${REST}`, { env: { LIMIT: '300MiB' } }).service.memoryLimiter?.limit, 300 * MiB);
    assert.equal(parseConfig(`service: { memory_limiter: { enabled: false } }\n${REST}`).service.memoryLimiterEnabled, false);
  });

  test('problems: a spike as large as the limit, a spike without a limit, a limit too small to work, an unknown key', () => {
    assert.deepEqual(problemsOf(`service: { memory_limiter: { limit: 64MiB, spike: 64MiB } }\n${REST}`), ['service.memory_limiter.spike: (64MiB) must be less than limit (64MiB): refusing starts at limit − spike']);
    assert.deepEqual(problemsOf(`service: { memory_limiter: { spike: 16MiB } }\n${REST}`), ['service.memory_limiter.spike: needs limit: the spike is a part of it']);
    assert.deepEqual(problemsOf(`service: { memory_limiter: { limit: 8MiB } }\n${REST}`), ['service.memory_limiter.limit: must be at least 32MiB']);
    // The collector's key names: an unknown key that lists ours.
    assert.deepEqual(problemsOf(`service: { memory_limiter: { limit_mib: 256 } }\n${REST}`), ['service.memory_limiter.limit_mib: unknown key (known keys: enabled, limit, spike, check_interval)']);
  });

  test('a reload notices a changed limit, and only then', () => {
    const a = parseConfig(`service: { memory_limiter: { limit: 256MiB } }\n${REST}`);
    const b = parseConfig(`service: { memory_limiter: { limit: 512MiB } }\n${REST}`);
    assert.equal(planReload(a, b).memory, true);
    assert.equal(planReload(a, parseConfig(`service: { memory_limiter: { limit: 256MiB } }\n${REST}`)).memory, false);
    assert.equal(planReload(a, parseConfig(`service: { memory_limiter: { limit: 256MiB, enabled: false } }\n${REST}`)).memory, true);
  });
});
