import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stats } from '../../src/telemetry/stats.ts';
import { sample } from '../support/metrics.ts';

test('counters keep their names and labels in the Prometheus text, and get() still sums them', async () => {
  const stats = new Stats();
  stats.inc('otlp_relay_receiver_accepted_items_total', { receiver: 'otlp/http', signal: 'traces' }, 5);
  stats.inc('otlp_relay_receiver_accepted_items_total', { receiver: 'otlp/http', signal: 'traces' }, 2);
  stats.inc('otlp_relay_receiver_accepted_items_total', { receiver: 'otlp/grpc', signal: 'logs' }, 3);
  const text = await stats.metrics();
  assert.match(text, /# HELP otlp_relay_receiver_accepted_items_total Items accepted and queued/);
  assert.match(text, /# TYPE otlp_relay_receiver_accepted_items_total counter/);
  assert.equal(sample(text, 'otlp_relay_receiver_accepted_items_total{receiver="otlp/http",signal="traces"}'), 7);
  assert.equal(sample(text, 'otlp_relay_receiver_accepted_items_total{receiver="otlp/grpc",signal="logs"}'), 3);
  assert.equal(stats.get('otlp_relay_receiver_accepted_items_total'), 10);
  assert.equal(stats.get('otlp_relay_receiver_accepted_items_total', { signal: 'logs' }), 3);
});

test('a label key seen later is exposed too (the metric is remade, values kept)', async () => {
  const stats = new Stats();
  stats.inc('otlp_relay_x_total', { exporter: 'a' });
  stats.inc('otlp_relay_x_total', { exporter: 'a', reason: 'permanent' }, 4);
  const text = await stats.metrics();
  assert.equal(sample(text, 'otlp_relay_x_total{exporter="a"}'), 1);
  assert.equal(sample(text, 'otlp_relay_x_total{exporter="a",reason="permanent"}'), 4);
});

test('gauges are read at scrape time and can be removed', async () => {
  const stats = new Stats();
  let used = 10;
  stats.gauge('otlp_relay_exporter_queue_bytes', { exporter: 'hc' }, () => used);
  assert.equal(sample(await stats.metrics(), 'otlp_relay_exporter_queue_bytes{exporter="hc"}'), 10);
  used = 42;
  assert.equal(sample(await stats.metrics(), 'otlp_relay_exporter_queue_bytes{exporter="hc"}'), 42);
  stats.removeGauge('otlp_relay_exporter_queue_bytes', { exporter: 'hc' });
  assert.equal(sample(await stats.metrics(), 'otlp_relay_exporter_queue_bytes{exporter="hc"}'), undefined);
});

test('histograms: buckets, sum and count per label set', async () => {
  const stats = new Stats();
  stats.observe('otlp_relay_exporter_send_duration_seconds', { exporter: 'hc', signal: 'traces', outcome: 'success' }, 0.02);
  stats.observe('otlp_relay_exporter_send_duration_seconds', { exporter: 'hc', signal: 'traces', outcome: 'success' }, 3);
  const text = await stats.metrics();
  assert.match(text, /# TYPE otlp_relay_exporter_send_duration_seconds histogram/);
  const labels = 'exporter="hc",signal="traces",outcome="success"';
  assert.equal(sample(text, `otlp_relay_exporter_send_duration_seconds_bucket{le="0.025",${labels}}`), 1);
  assert.equal(sample(text, `otlp_relay_exporter_send_duration_seconds_bucket{le="5",${labels}}`), 2);
  assert.equal(sample(text, `otlp_relay_exporter_send_duration_seconds_count{${labels}}`), 2);
  assert.equal(sample(text, `otlp_relay_exporter_send_duration_seconds_sum{${labels}}`), 3.02);
});

test('two Stats never share metrics', async () => {
  const a = new Stats();
  const b = new Stats();
  a.inc('otlp_relay_y_total', { k: 'v' });
  assert.equal(sample(await b.metrics(), 'otlp_relay_y_total{k="v"}'), undefined);
});

test('process metrics: memory, GC and event loop lag, registered once', async () => {
  const stats = new Stats();
  stats.enableProcessMetrics();
  stats.enableProcessMetrics(); // once: a second call must not register the metrics twice
  await new Promise((r) => setTimeout(r, 250)); // the lag histogram needs a few samples
  const text = await stats.metrics();
  assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0);
  assert.match(text, /^nodejs_eventloop_lag_p99_seconds \d/m);
  assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
});
