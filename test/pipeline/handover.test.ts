import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Signal } from '../../src/otlp/signal.ts';
import { ExporterRunner, type RunnerSettings } from '../../src/pipeline/exporter-runner.ts';
import { retryable, SUCCESS, type Outcome } from '../../src/pipeline/outcome.ts';
import type { ExportClient } from '../../src/pipeline/types.ts';
import { Stats } from '../../src/telemetry/stats.ts';
import { captureLogger } from '../support/log.ts';
import { waitFor } from '../support/relay.ts';

/** A client answering with a fixed outcome, recording what it was sent. */
class Client implements ExportClient {
  readonly sent: number[][] = [];
  calls = 0;
  closed = false;
  outcome: Outcome;
  constructor(outcome: Outcome) {
    this.outcome = outcome;
  }
  async send(_signal: Signal, bytes: Uint8Array): Promise<Outcome> {
    this.calls++;
    if (this.outcome.kind === 'success') this.sent.push([...bytes]);
    return this.outcome;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function settings(over: Partial<RunnerSettings> = {}): RunnerSettings {
  return {
    name: 'dest',
    type: 'test',
    queue: { maxBytes: 1000, consumers: 1 },
    batch: { maxItems: 100, timeoutMs: 10, maxBytes: 10_000 },
    retry: { enabled: true, initialIntervalMs: 60_000, maxIntervalMs: 60_000, maxElapsedMs: 0 },
    timeoutMs: 1000,
    ...over,
  };
}

const payload = (b: number[], items = 1) => ({ signal: 'traces' as const, bytes: Uint8Array.from(b), items });

test('handOver gives back a batch stuck in a retry wait and everything queued; the replacement delivers it all', async () => {
  const stats = new Stats();
  const log = captureLogger().log;
  const failing = new Client(retryable('503 from the old endpoint'));
  const old = new ExporterRunner(settings(), failing, log, stats);
  old.start();
  old.enqueue(payload([1, 2], 2));
  await waitFor(() => failing.calls === 1, 5000, 'the first attempt'); // now waiting 60 s before its retry
  old.enqueue(payload([3], 1)); // queued behind it
  const handed = await old.handOver(1000);
  assert.deepEqual(
    handed.map((p) => [...p.bytes]),
    [[1, 2], [3]],
  );
  assert.deepEqual(
    handed.map((p) => p.items),
    [2, 1],
  );
  assert.ok(failing.closed, 'the old client is closed');
  assert.equal(failing.calls, 1, 'the old runner did not retry after the handover');
  assert.equal(stats.get('otlp_relay_exporter_dropped_items_total'), 0, 'nothing dropped');
  assert.equal(old.hasRoom(1), false, 'the old runner takes nothing more');

  const working = new Client(SUCCESS);
  const fresh = new ExporterRunner(settings({ retry: { enabled: true, initialIntervalMs: 5, maxIntervalMs: 5, maxElapsedMs: 0 } }), working, log, stats);
  fresh.start();
  fresh.adopt(handed);
  await waitFor(() => working.sent.flat().length === 3, 5000, 'delivery by the replacement');
  assert.deepEqual(working.sent.flat().sort(), [1, 2, 3]);
  assert.equal(stats.get('otlp_relay_exporter_sent_items_total', { exporter: 'dest' }), 3);
  await fresh.shutdown(100);
});

test('adopt takes payloads beyond its budget (they were accepted already) and refuses new data until it drains', async () => {
  const r = new ExporterRunner(settings({ queue: { maxBytes: 4, consumers: 1 } }), new Client(SUCCESS), captureLogger().log, new Stats());
  r.adopt([payload([1, 2, 3]), payload([4, 5, 6])]);
  assert.equal(r.usedBytes, 6);
  assert.equal(r.hasRoom(1), false);
  await r.shutdown(0);
});

test('a never-started runner hands over what was queued', async () => {
  const r = new ExporterRunner(settings(), new Client(SUCCESS), captureLogger().log, new Stats());
  r.enqueue(payload([9]));
  assert.deepEqual(
    (await r.handOver(10)).map((p) => [...p.bytes]),
    [[9]],
  );
});
