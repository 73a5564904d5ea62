import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Signal } from '../../src/otlp/signal.ts';
import { ExporterRunner, type RunnerSettings } from '../../src/pipeline/exporter-runner.ts';
import { permanent, retryable, SUCCESS, type Outcome } from '../../src/pipeline/outcome.ts';
import type { ExportClient } from '../../src/pipeline/types.ts';
import { Stats } from '../../src/telemetry/stats.ts';
import { captureLogger } from '../support/log.ts';

class ScriptedClient implements ExportClient {
  readonly sent: Array<{ signal: Signal; bytes: Uint8Array; items: number }> = [];
  readonly outcomes: Array<Outcome | 'hang'> = [];
  calls = 0;
  async send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal): Promise<Outcome> {
    this.calls++;
    const next = this.outcomes.shift() ?? SUCCESS;
    if (next === 'hang') {
      await new Promise((_, reject) => abort.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    }
    if (next !== 'hang' && next.kind === 'success') this.sent.push({ signal, bytes, items });
    return next as Outcome;
  }
}

function settings(over: Partial<RunnerSettings> = {}): RunnerSettings {
  return {
    name: 'dest',
    type: 'test',
    queue: { maxBytes: 1000, consumers: 1 },
    batch: { maxItems: 100, timeoutMs: 10, maxBytes: 10_000 },
    retry: { enabled: true, initialIntervalMs: 5, maxIntervalMs: 20, maxElapsedMs: 2000 },
    timeoutMs: 1000,
    ...over,
  };
}

const payload = (b: number[], items = 1) => ({ signal: 'traces' as const, bytes: Uint8Array.from(b), items });

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

test('payloads queued together leave as one concatenated batch', async () => {
  const client = new ScriptedClient();
  const stats = new Stats();
  const r = new ExporterRunner(settings(), client, captureLogger().log, stats);
  r.start();
  r.enqueue(payload([1, 2], 2));
  r.enqueue(payload([3], 1));
  await until(() => client.sent.length === 1);
  assert.deepEqual([...client.sent[0]!.bytes], [1, 2, 3]);
  assert.equal(client.sent[0]!.items, 3);
  assert.equal(stats.get('otlp_relay_exporter_sent_items_total', { exporter: 'dest' }), 3);
  await until(() => r.usedBytes === 0);
  await r.shutdown(100);
});

test('retryable outcomes are retried, honouring the delay the destination asked for', async () => {
  const client = new ScriptedClient();
  client.outcomes.push(retryable('503', 150), retryable('503'));
  const stats = new Stats();
  const r = new ExporterRunner(settings(), client, captureLogger().log, stats);
  r.start();
  const t0 = Date.now();
  r.enqueue(payload([9], 1));
  await until(() => client.sent.length === 1);
  assert.ok(Date.now() - t0 >= 150, 'waited at least the Retry-After delay');
  assert.equal(client.calls, 3);
  assert.equal(stats.get('otlp_relay_exporter_retries_total'), 2);
  assert.equal(stats.get('otlp_relay_exporter_sent_items_total'), 1);
  await r.shutdown(100);
});

test('permanent failures are not retried, are counted and said once at warn level', async () => {
  const client = new ScriptedClient();
  client.outcomes.push(permanent('key refused (401)'), permanent('key refused (401)'));
  const stats = new Stats();
  const cap = captureLogger();
  const r = new ExporterRunner(settings(), client, cap.log, stats);
  r.start();
  r.enqueue(payload([1], 4));
  await until(() => client.calls === 1);
  r.enqueue(payload([2], 3));
  await until(() => client.calls === 2);
  await r.shutdown(100);
  assert.equal(stats.get('otlp_relay_exporter_failed_items_total', { reason: 'permanent' }), 7);
  const warns = cap.lines().filter((l) => l['level'] === 40 && String(l['msg']).includes('key refused'));
  assert.equal(warns.length, 1, 'one warning for one reason');
  assert.equal(r.status().state, 'failing');
  assert.match(r.status().lastError!.text, /key refused/);
});

test('a batch is dropped and counted once the retry budget is spent', async () => {
  const client = new ScriptedClient();
  for (let i = 0; i < 100; i++) client.outcomes.push(retryable('down'));
  const stats = new Stats();
  const r = new ExporterRunner(settings({ retry: { enabled: true, initialIntervalMs: 10, maxIntervalMs: 20, maxElapsedMs: 100 } }), client, captureLogger().log, stats);
  r.start();
  r.enqueue(payload([1], 5));
  await until(() => stats.get('otlp_relay_exporter_dropped_items_total', { reason: 'retry_exhausted' }) === 5);
  assert.ok(client.calls >= 3);
  await r.shutdown(100);
});

test('shutdown delivers what is queued, and past its deadline drops and counts the rest', async () => {
  const client = new ScriptedClient();
  const stats = new Stats();
  const r = new ExporterRunner(settings({ batch: { maxItems: 100, timeoutMs: 60_000, maxBytes: 10_000 } }), client, captureLogger().log, stats);
  r.start();
  r.enqueue(payload([1], 2));
  await r.shutdown(1000);
  assert.equal(client.sent.length, 1, 'flushed at shutdown without waiting for the batch timeout');
  assert.ok(!r.hasRoom(1), 'a stopped runner takes nothing');

  const hanging = new ScriptedClient();
  hanging.outcomes.push('hang');
  const stats2 = new Stats();
  const r2 = new ExporterRunner(settings({ queue: { maxBytes: 1000, consumers: 1 } }), hanging, captureLogger().log, stats2);
  r2.start();
  r2.enqueue(payload([1], 2));
  await until(() => hanging.calls === 1);
  r2.enqueue(payload([2], 3));
  const t0 = Date.now();
  await r2.shutdown(100);
  assert.ok(Date.now() - t0 < 1000, 'the deadline bounds shutdown');
  assert.equal(stats2.get('otlp_relay_exporter_dropped_items_total', { reason: 'shutdown' }), 5);
  void stats;
});

test('a full queue refuses until a batch is delivered', async () => {
  const client = new ScriptedClient();
  client.outcomes.push('hang');
  const r = new ExporterRunner(settings({ queue: { maxBytes: 10, consumers: 1 }, timeoutMs: 200 }), client, captureLogger().log, new Stats());
  r.start();
  r.enqueue(payload([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1));
  assert.ok(!r.hasRoom(5));
  assert.equal(r.status().state, 'refusing');
  await until(() => client.sent.length === 1, 5000); // the hang times out after 200 ms and the retry succeeds
  await until(() => r.hasRoom(5));
  await r.shutdown(100);
});

test('a partial success counts the refused items apart from the sent ones and says the reason once', async () => {
  const client = new ScriptedClient();
  client.outcomes.push({ kind: 'success', rejected: 2, reason: 'span too large' });
  const stats = new Stats();
  const cap = captureLogger();
  const r = new ExporterRunner(settings(), client, cap.log, stats);
  r.start();
  r.enqueue(payload([1], 5));
  await until(() => stats.get('otlp_relay_exporter_sent_items_total') === 3);
  assert.equal(stats.get('otlp_relay_exporter_failed_items_total', { reason: 'partial' }), 2);
  assert.match(cap.text(), /refused 2 spans: span too large/);
  await r.shutdown(100);
});
