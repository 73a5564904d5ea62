import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MemoryLimiterConfig } from '../../src/config/types.ts';
import { decide, effectiveLimiter, estimateMemory, exposedGc, MemoryLimiter, MIN_FORCED_GC_INTERVAL_MS, ProcessMemory } from '../../src/pipeline/memory-limiter.ts';
import { Stats } from '../../src/telemetry/stats.ts';
import { captureLogger } from '../support/log.ts';

const MiB = 2 ** 20;
const CFG: MemoryLimiterConfig = { limit: 100 * MiB, spike: 20 * MiB, checkInterval: 250 };

/** A limiter over a memory reading the test sets, a clock it moves, and a gc() that frees what the test says. */
function harness(cfg: MemoryLimiterConfig | null = CFG) {
  const state = { used: 10 * MiB, freedByGc: 0, now: 0, gcs: 0 };
  const logs = captureLogger('debug');
  const stats = new Stats();
  const limiter = new MemoryLimiter(cfg ?? undefined, {
    read: () => state.used,
    gc: () => {
      state.gcs++;
      state.used -= state.freedByGc;
    },
    now: () => state.now,
    log: logs.log,
    stats,
  });
  return { state, limiter, logs, stats };
}

describe('decide: soft limit = limit − spike', () => {
  const cases: Array<[number, number, ReturnType<typeof decide>]> = [
    [79 * MiB, 0, 'accept'],
    [80 * MiB - 1, 10_000, 'accept'],
    [80 * MiB, 10_000, 'gc'], // at the soft limit: collect first
    [150 * MiB, MIN_FORCED_GC_INTERVAL_MS, 'gc'],
    [150 * MiB, MIN_FORCED_GC_INTERVAL_MS - 1, 'refuse'], // a GC just ran: refuse without another
  ];
  for (const [used, sinceGc, expected] of cases) {
    test(`${used / MiB} MiB held, ${sinceGc} ms since the last forced GC → ${expected}`, () => {
      assert.equal(decide(CFG, used, sinceGc), expected);
    });
  }
});

describe('MemoryLimiter', () => {
  test('below the soft limit: accepts, never collects', () => {
    const { state, limiter } = harness();
    state.used = 79 * MiB;
    assert.deepEqual(limiter.check(), { used: 79 * MiB, refusing: false });
    assert.equal(state.gcs, 0);
  });

  test('past the soft limit, garbage only: one forced GC brings it back and nothing is refused', () => {
    const { state, limiter, stats, logs } = harness();
    state.used = 95 * MiB;
    state.freedByGc = 40 * MiB;
    assert.deepEqual(limiter.check(), { used: 55 * MiB, refusing: false });
    assert.equal(state.gcs, 1);
    assert.equal(stats.get('otlp_relay_memory_forced_gcs_total'), 1);
    assert.equal(logs.lines().filter((l) => l['level'] === 40).length, 0, 'nothing refused, nothing said');
  });

  test('past the soft limit after a GC: refuses, collects at most once a second, and accepts again once under', () => {
    const { state, limiter, logs, stats } = harness();
    state.used = 95 * MiB;
    state.freedByGc = 1 * MiB;
    assert.equal(limiter.check().refusing, true);
    assert.equal(limiter.refusing, true);
    assert.equal(state.gcs, 1);
    state.now += 250;
    assert.equal(limiter.check().refusing, true);
    assert.equal(state.gcs, 1, 'no second GC within a second');
    state.now += MIN_FORCED_GC_INTERVAL_MS;
    limiter.check();
    assert.equal(state.gcs, 2);
    assert.equal(stats.get('otlp_relay_memory_refusing'), 1);
    const warn = logs.lines().filter((l) => l['level'] === 40);
    assert.equal(warn.length, 1, 'said once when it starts refusing, not at every check');
    assert.match(String(warn[0]!['msg']), /refusing new data .*\(503 \/ UNAVAILABLE\).*94MiB in use, soft limit 80MiB \(memory_limiter\.limit 100MiB − spike 20MiB\)/);
    state.used = 60 * MiB;
    state.now += 250;
    assert.deepEqual(limiter.check(), { used: 60 * MiB, refusing: false });
    assert.match(logs.text(), /accepting data again/);
  });

  test('the gauges read the last check', async () => {
    const { state, limiter, stats } = harness();
    state.used = 95 * MiB;
    limiter.check();
    const text = await stats.metrics();
    assert.match(text, /^otlp_relay_memory_refusing 1$/m);
    assert.match(text, new RegExp(`^otlp_relay_memory_used_bytes ${95 * MiB}$`, 'm'));
    assert.match(text, new RegExp(`^otlp_relay_memory_limit_bytes ${100 * MiB}$`, 'm'));
  });

  test('configure(undefined) turns it off and stops refusing; new limits apply at the next check', () => {
    const { state, limiter } = harness();
    state.used = 95 * MiB;
    limiter.check();
    assert.equal(limiter.refusing, true);
    limiter.configure(undefined);
    assert.equal(limiter.refusing, false);
    assert.equal(limiter.check().refusing, false);
    limiter.configure({ limit: 200 * MiB, spike: 40 * MiB, checkInterval: 250 });
    state.now += 10_000;
    assert.equal(limiter.check().refusing, false, '95 MiB is under the new soft limit (160 MiB)');
  });

  test('without a limit it measures and never refuses, nor collects', () => {
    const { state, limiter } = harness(null);
    state.used = 10_000 * MiB;
    assert.deepEqual(limiter.check(), { used: 10_000 * MiB, refusing: false });
    assert.equal(state.gcs, 0);
  });

  test('start() checks at once and then on its interval; shutdown() stops it', async () => {
    const { state, limiter } = harness({ ...CFG, checkInterval: 10 });
    state.used = 10 * MiB;
    assert.deepEqual(limiter.start(), { used: 10 * MiB, refusing: false }, 'the first check is start() itself');
    try {
      state.used = 95 * MiB;
      const until = Date.now() + 2000;
      while (!limiter.refusing && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      assert.equal(limiter.refusing, true, 'a check ran on its own');
    } finally {
      limiter.shutdown();
    }
    state.used = 1 * MiB;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(limiter.refusing, true, 'no check after shutdown');
  });

  test('started without a limit, a limit given later (a reload) is checked on its interval', async () => {
    const { state, limiter } = harness(null);
    limiter.start();
    try {
      state.used = 95 * MiB;
      limiter.configure({ ...CFG, checkInterval: 10 });
      const until = Date.now() + 2000;
      while (!limiter.refusing && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      assert.equal(limiter.refusing, true);
    } finally {
      limiter.shutdown();
    }
  });
});

describe('effectiveLimiter', () => {
  const GiB = 2 ** 30;
  test('the configured limit wins; enabled: false turns every limit off', () => {
    assert.deepEqual(effectiveLimiter(CFG, true, 512 * MiB, 24 * GiB), CFG);
    assert.equal(effectiveLimiter(CFG, false, 512 * MiB, 24 * GiB), undefined);
    assert.equal(effectiveLimiter(undefined, false, 512 * MiB, 24 * GiB), undefined);
  });

  test("none configured, in a container with a memory limit: 80 % of it, spike a fifth", () => {
    const l = effectiveLimiter(undefined, true, 512 * MiB, 24 * GiB);
    assert.deepEqual(l, { limit: Math.floor(512 * MiB * 0.8), spike: Math.floor(512 * MiB * 0.8 * 0.2), checkInterval: 250, fromContainer: true });
  });

  test('none configured and no container limit (0, or cgroup v2 "max" read as 2^64): off', () => {
    assert.equal(effectiveLimiter(undefined, true, 0, 24 * GiB), undefined);
    assert.equal(effectiveLimiter(undefined, true, 2 ** 64, 24 * GiB), undefined);
    assert.equal(effectiveLimiter(undefined, true, 24 * GiB, 24 * GiB), undefined);
  });
});

describe('the process readings', () => {
  test('estimateMemory: the floor is RSS minus what is held, at its lowest; what is held counts at once, up and down', () => {
    let e = estimateMemory(Infinity, 90 * MiB, 15 * MiB);
    assert.deepEqual(e, { floor: 75 * MiB, used: 90 * MiB });
    e = estimateMemory(e.floor, 200 * MiB, 120 * MiB); // under load: RSS follows what is held
    assert.deepEqual(e, { floor: 75 * MiB, used: 195 * MiB });
    e = estimateMemory(e.floor, 200 * MiB, 30 * MiB); // after a GC: RSS stays at its high-water mark, the estimate falls
    assert.deepEqual(e, { floor: 75 * MiB, used: 105 * MiB });
    assert.deepEqual(estimateMemory(Infinity, 10 * MiB, 40 * MiB), { floor: 0, used: 40 * MiB }, 'Buffers allocated but not yet touched: never a negative floor');
  });

  test('ProcessMemory counts a Buffer outside the V8 heap', () => {
    const memory = new ProcessMemory();
    const before = memory.read();
    const kept = Buffer.alloc(32 * MiB, 1);
    const after = memory.read();
    assert.ok(after - before >= 30 * MiB, `a 32 MiB Buffer shows (${after - before} bytes more)`);
    assert.ok(before >= process.memoryUsage().heapUsed, 'the estimate includes the heap');
    assert.equal(kept[0], 1);
  });

  test('exposedGc collects for real, without leaving gc() on the global object', async () => {
    const gc = exposedGc();
    assert.equal(typeof gc, 'function');
    assert.equal((globalThis as { gc?: unknown }).gc, undefined);
    const ref = (() => new WeakRef({ payload: new Array(1000).fill(1) }))();
    await new Promise((r) => setImmediate(r)); // WeakRef targets live until the end of the job that made them
    gc();
    assert.equal(ref.deref(), undefined, 'the unreachable object is gone');
    assert.equal(exposedGc(), gc, 'taken once');
  });

  test('exposedGc frees the memory of dead Buffers at once, so the check that follows sees it', () => {
    const gc = exposedGc();
    const memory = new ProcessMemory();
    gc(); // the earlier tests' garbage out of the way
    const before = memory.read();
    const kept: Buffer[] = Array.from({ length: 500 }, () => Buffer.alloc(64 * 1024, 1)); // 32 MiB in 64 KiB Buffers, as requests arrive
    assert.ok(memory.read() - before >= 24 * MiB, 'counted (less than 32 MiB when malloc reuses pages freed earlier)');
    assert.equal(kept.length, 500);
    kept.length = 0; // the Buffers are now garbage
    gc();
    assert.ok(memory.read() - before < 8 * MiB, `freed after one forced collection (${((memory.read() - before) / MiB).toFixed(1)} MiB still counted)`);
  });
});
