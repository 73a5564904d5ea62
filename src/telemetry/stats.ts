/**
 * The relay's own counters, keyed by name and labels. One typed event function per thing worth
 * counting increments here; the admin endpoint exposes them as Prometheus text through prom-client.
 *
 * Counters and gauges stay in a plain map (one string key per series, cheap on the hot path) and are
 * exposed through prom-client collectors that copy them at scrape time; names may appear at run time
 * (each exporter counts its own), so each name's prom-client metric is made on first use. Histograms
 * are prom-client Histograms declared up front in HISTOGRAMS.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How often the event loop lag timer fires (prom-client's `eventLoopMonitoringPrecision`). */
export const EVENT_LOOP_LAG_RESOLUTION_MS = 100;

export type Labels = Readonly<Record<string, string>>;

function keyOf(name: string, labels: Labels): string {
  const parts = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  return `${name}{${parts.join(',')}}`;
}

/** HELP text of the counters and gauges the README documents; others get a generic one. */
const HELP: Readonly<Record<string, string>> = {
  otlp_relay_receiver_accepted_items_total: 'Items accepted and queued, per receiver and signal',
  otlp_relay_receiver_refused_items_total: 'Items refused (reason: invalid, queue_full, disk_error, memory_limit)',
  otlp_relay_receiver_refused_requests_total: 'Requests refused (reason: invalid, too_large, not_found, ...)',
  otlp_relay_router_unrouted_items_total: 'Accepted items no route took',
  otlp_relay_exporter_enqueued_items_total: 'Items queued for an exporter',
  otlp_relay_exporter_sent_items_total: 'Items delivered',
  otlp_relay_exporter_failed_items_total: 'Items refused by the destination (reason: permanent, partial)',
  otlp_relay_exporter_dropped_items_total: 'Items given up (reason: retry_exhausted, shutdown, drop_oldest, corrupt, disk_error)',
  otlp_relay_exporter_retries_total: 'Retried export requests',
  otlp_relay_exporter_requests_total: 'Export requests by outcome (success, retryable, permanent)',
  otlp_relay_exporter_batches_total: 'Batches delivered',
  otlp_relay_exporter_queue_bytes: 'Bytes held by the exporter queue (queued plus in flight)',
  otlp_relay_exporter_queue_capacity_bytes: 'The exporter queue budget in bytes',
  otlp_relay_config_reloads_total: 'Config reloads (result: applied, refused)',
  otlp_relay_exporter_splits_total: 'Batches split in halves after the destination refused them as too large (413) or for their content (400 from Honeycomb), to deliver the rest',
  otlp_relay_disk_queue_recovered_items_total: 'Items replayed from the disk queue at start',
  otlp_relay_disk_queue_damaged_total: 'Damaged stretches of the disk queue skipped (kind: corrupt, torn_tail, ack, unreadable)',
  otlp_relay_disk_queue_skipped_bytes_total: 'Bytes of the disk queue skipped as damaged at start',
  otlp_relay_disk_queue_appends_total: 'Records written to the disk queue',
  otlp_relay_disk_queue_fsyncs_total: 'fsyncs of disk queue segments (appends per fsync is the group-commit batching)',
  otlp_relay_disk_queue_write_errors_total: 'Failed disk queue writes (code: ENOSPC, EIO, ...)',
  otlp_relay_memory_used_bytes: "The memory limiter's estimate of the relay's memory at its last check (the runtime's floor, V8's heap in use, Buffers)",
  otlp_relay_memory_limit_bytes: 'service.memory_limiter.limit in bytes (0: no limiter)',
  otlp_relay_memory_refusing: '1 while the memory limiter refuses new data, else 0',
  otlp_relay_memory_forced_gcs_total: 'Full GCs the memory limiter forced past its soft limit',
  otlp_relay_xray_sampling_requests_total: 'X-Ray SDK sampling calls by answer (proxied, local, refused, failed)',
};

/** The histograms, declared once: name → help, label names, buckets. */
export const HISTOGRAMS = {
  otlp_relay_exporter_send_duration_seconds: {
    help: 'Time of one export attempt to the destination, by outcome',
    labelNames: ['exporter', 'signal', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  otlp_relay_exporter_batch_items: {
    help: 'Items per batch sent to the destination',
    labelNames: ['exporter', 'signal'],
    buckets: [1, 8, 32, 128, 512, 1024, 2048, 4096, 8192, 16384],
  },
  otlp_relay_exporter_batch_bytes: {
    help: 'Encoded bytes per batch sent to the destination (before compression)',
    labelNames: ['exporter', 'signal'],
    buckets: [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 8388608, 16777216],
  },
} as const satisfies Record<string, { help: string; labelNames: readonly string[]; buckets: readonly number[] }>;

export type HistogramName = keyof typeof HISTOGRAMS;

interface Series {
  name: string;
  labels: Labels;
  value: number;
}

interface Exposed {
  labelNames: Set<string>;
}

export class Stats {
  /** Every metric of this relay; one registry per Stats, so relays in one process never collide. */
  readonly registry = new Registry();
  readonly #counters = new Map<string, Series>();
  readonly #gauges = new Map<string, { name: string; labels: Labels; read: () => number }>();
  readonly #exposed = new Map<string, Exposed>();
  readonly #histograms = new Map<HistogramName, Histogram>();
  #processMetrics = false;

  inc(name: string, labels: Labels, by = 1): void {
    if (by === 0) return;
    const key = keyOf(name, labels);
    const c = this.#counters.get(key);
    if (c) c.value += by;
    else {
      this.#counters.set(key, { name, labels, value: by });
      this.#expose(name, 'counter', labels);
    }
  }

  /** A gauge read on demand (queue sizes), so nothing needs updating on the hot path. */
  gauge(name: string, labels: Labels, read: () => number): void {
    this.#gauges.set(keyOf(name, labels), { name, labels, read });
    this.#expose(name, 'gauge', labels);
  }

  /** Forgets a gauge (an exporter removed by a reload), so the scrape stops reporting it. */
  removeGauge(name: string, labels: Labels): void {
    this.#gauges.delete(keyOf(name, labels));
  }

  /** Records one observation in a declared histogram (per batch or per attempt, never per item). */
  observe(name: HistogramName, labels: Labels, value: number): void {
    let h = this.#histograms.get(name);
    if (!h) {
      const spec = HISTOGRAMS[name];
      h = new Histogram({ name, help: spec.help, labelNames: [...spec.labelNames], buckets: [...spec.buckets], registers: [this.registry] });
      this.#histograms.set(name, h);
    }
    h.observe(labels, value);
  }

  /** Sum of a counter over every label set that includes `where`. */
  get(name: string, where: Labels = {}): number {
    let sum = 0;
    for (const c of this.#counters.values()) {
      if (c.name !== name) continue;
      if (Object.entries(where).every(([k, v]) => c.labels[k] === v)) sum += c.value;
    }
    for (const g of this.#gauges.values()) {
      if (g.name !== name) continue;
      if (Object.entries(where).every(([k, v]) => g.labels[k] === v)) sum += g.read();
    }
    return sum;
  }

  snapshot(): Array<{ name: string; labels: Labels; value: number }> {
    const out = [...this.#counters.values()].map((c) => ({ name: c.name, labels: c.labels, value: c.value }));
    for (const g of this.#gauges.values()) out.push({ name: g.name, labels: g.labels, value: g.read() });
    return out;
  }

  /** Adds the process metrics (CPU, memory, event loop lag, GC) prom-client collects; once per Stats. */
  enableProcessMetrics(): void {
    if (this.#processMetrics) return;
    this.#processMetrics = true;
    // prom-client samples event loop lag every 10 ms by default: 100 wakeups a second cost an idle relay ~0.7 % of a core (docs/PERFORMANCE.md).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_LAG_RESOLUTION_MS });
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Makes (or remakes, when a new label key appears) the prom-client metric for a name. It runs when a
   * series is first seen, not per increment; the metric copies this name's series at each scrape.
   */
  #expose(name: string, kind: 'counter' | 'gauge', labels: Labels): void {
    const known = this.#exposed.get(name);
    if (known && Object.keys(labels).every((k) => known.labelNames.has(k))) return;
    const labelNames = new Set([...(known?.labelNames ?? []), ...Object.keys(labels)]);
    this.#exposed.set(name, { labelNames });
    if (known) this.registry.removeSingleMetric(name);
    const help = HELP[name] ?? `otlp-relay ${kind} ${name}`;
    if (kind === 'counter') {
      const counter: Counter = new Counter({
        name,
        help,
        labelNames: [...labelNames],
        registers: [this.registry],
        collect: () => {
          counter.reset();
          for (const c of this.#counters.values()) if (c.name === name) counter.inc(c.labels, c.value);
        },
      });
    } else {
      const gauge: Gauge = new Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [this.registry],
        collect: () => {
          gauge.reset();
          for (const g of this.#gauges.values()) if (g.name === name) gauge.set(g.labels, g.read());
        },
      });
    }
  }
}
