import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeRequest } from '../../src/otlp/codec.ts';
import type { Signal } from '../../src/otlp/signal.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { CONTENT_ISOLATION_SENDS, ExporterRunner, type RunnerSettings } from '../../src/pipeline/exporter-runner.ts';
import { permanent, refusedContent, retryable, SUCCESS, type Outcome } from '../../src/pipeline/outcome.ts';
import type { ExportClient, Payload } from '../../src/pipeline/types.ts';
import { Stats } from '../../src/telemetry/stats.ts';
import { tempDir } from '../support/fault-fs.ts';
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

/** A request with one resource named `svc-<name>` holding `spans` spans. */
function request(name: string, spans = 1): Payload {
  const bytes = encodeRequest('traces', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${name}` } }] },
        scopeSpans: [{ spans: Array.from({ length: spans }, (_, i) => ({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, i + 1), name: 'op' })) }],
      },
    ],
  });
  return { signal: 'traces', bytes, items: spans };
}

/** The service names of a body's resources, in order. */
function services(bytes: Uint8Array): string[] {
  return scanRequest('traces', bytes).resources.map((r) => /svc-[a-z0-9]+/.exec(Buffer.from(bytes.subarray(r.start, r.end)).toString('latin1'))![0]);
}

const HUSKY_400 = 'Honeycomb answered 400: failed to parse OTLP request body';

/** Refuses a whole body (content outcome) when it holds a marked resource, as Honeycomb's 400 refuses a body for one bad string. */
class PickyClient implements ExportClient {
  readonly got: string[] = [];
  readonly bodies: string[][] = [];
  readonly refuses: (service: string) => boolean;
  constructor(refuses: (service: string) => boolean) {
    this.refuses = refuses;
  }
  async send(_signal: Signal, bytes: Uint8Array, items: number): Promise<Outcome> {
    const names = services(bytes);
    this.bodies.push(names);
    if (names.some(this.refuses)) return refusedContent(HUSKY_400, items);
    this.got.push(...names);
    return SUCCESS;
  }
}

async function pickyRunner(dir: string | undefined, client: PickyClient) {
  const stats = new Stats();
  const cap = captureLogger();
  const queue = { maxBytes: 1 << 20, consumers: 1, ...(dir ? { disk: { dir, fsync: 'always' as const, fsyncIntervalMs: 1000 } } : {}) };
  // A long batch timeout, so every payload enqueued at once leaves in one batch.
  const r = new ExporterRunner(settings({ queue, batch: { maxItems: 1000, timeoutMs: 200, maxBytes: 1 << 20 } }), client, cap.log, stats);
  r.start();
  await r.ready();
  return { r, stats, cap };
}

for (const queue of ['memory', 'disk'] as const) {
  test(`[${queue}] a content refusal is bisected: only the marked payload is refused, the 7 others delivered exactly once`, async () => {
    const client = new PickyClient((s) => s === 'svc-5');
    const { r, stats, cap } = await pickyRunner(queue === 'disk' ? await tempDir() : undefined, client);
    const names = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
    for (let i = 0; i < 8; i++) r.enqueue(request(String(i), 2));
    await until(() => stats.get('otlp_relay_exporter_failed_items_total') + stats.get('otlp_relay_exporter_sent_items_total') === 16);
    await r.shutdown(1000);
    assert.deepEqual(client.bodies[0], names, 'all 8 were first sent together');
    assert.deepEqual([...client.got].sort(), names.filter((n) => n !== 'svc-5'), 'each good one delivered once');
    assert.equal(stats.get('otlp_relay_exporter_sent_items_total'), 14);
    assert.equal(stats.get('otlp_relay_exporter_failed_items_total', { reason: 'permanent' }), 2, "the marked payload's 2 spans");
    // 8 → 4 + 4 → 2 + 2 → 1 + 1: three splits, one send for the whole and two per split.
    assert.equal(stats.get('otlp_relay_exporter_splits_total', { exporter: 'dest', signal: 'traces' }), 3);
    assert.equal(client.bodies.length, 7);
    const warns = cap.lines().filter((l) => l['level'] === 40);
    assert.equal(warns.length, 1, 'said once');
    assert.equal(String(warns[0]!['msg']), `dest refused 2 spans: ${HUSKY_400} (the rest of the batch was re-sent without them; not retried; said once per reason)`);
  });
}

test('a destination refusing every piece costs at most the isolation budget, then the rest is refused for good', async () => {
  const client = new PickyClient(() => true);
  const { r, stats, cap } = await pickyRunner(undefined, client);
  for (let i = 0; i < 64; i++) r.enqueue(request(String(i)));
  await until(() => stats.get('otlp_relay_exporter_failed_items_total') === 64);
  assert.equal(client.bodies[0]!.length, 64, 'one batch');
  assert.ok(client.bodies.length <= CONTENT_ISOLATION_SENDS + 1, `${client.bodies.length} sends`);
  assert.equal(client.bodies.length, CONTENT_ISOLATION_SENDS + 1, 'the budget is spent, no more');
  assert.equal(stats.get('otlp_relay_exporter_splits_total'), CONTENT_ISOLATION_SENDS / 2);
  assert.equal(stats.get('otlp_relay_exporter_failed_items_total', { reason: 'permanent' }), 64, 'every item counted once');
  assert.equal(stats.get('otlp_relay_exporter_sent_items_total'), 0);
  const warns = cap.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));
  assert.equal(warns.length, 2, 'said once, and once more when the budget ran out');
  assert.match(warns[0]!, /the rest of the batch was re-sent without them/);
  assert.match(warns[1]!, /isolating the refused part stopped after 32 extra sends, so these may include items it would take/);

  // The budget is per batch: the next batch of 8 is bisected down to its single payloads again (1 + 7 × 2 sends).
  for (let i = 0; i < 8; i++) r.enqueue(request(`b${i}`));
  await until(() => stats.get('otlp_relay_exporter_failed_items_total') === 72);
  assert.equal(client.bodies.length, CONTENT_ISOLATION_SENDS + 1 + 15);
  await r.shutdown(1000);
});

test('a content refusal of one payload with one resource is refused for good at once: nothing to split', async () => {
  const client = new PickyClient(() => true);
  const { r, stats, cap } = await pickyRunner(undefined, client);
  r.enqueue(request('1', 3));
  await until(() => stats.get('otlp_relay_exporter_failed_items_total', { reason: 'permanent' }) === 3);
  await r.shutdown(1000);
  assert.equal(client.bodies.length, 1, 'one send');
  assert.equal(stats.get('otlp_relay_exporter_splits_total'), 0);
  assert.match(cap.text(), /dest refused 3 spans: Honeycomb answered 400: failed to parse OTLP request body \(not retried; said once per reason\)/);
});
