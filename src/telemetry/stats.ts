/**
 * The relay's own counters, keyed by name and labels. One typed event function per thing worth
 * counting increments here; the admin endpoint (issue 8) exposes them as Prometheus text.
 */
export type Labels = Readonly<Record<string, string>>;

function keyOf(name: string, labels: Labels): string {
  const parts = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  return `${name}{${parts.join(',')}}`;
}

export class Stats {
  readonly #counters = new Map<string, { name: string; labels: Labels; value: number }>();
  readonly #gauges = new Map<string, { name: string; labels: Labels; read: () => number }>();

  inc(name: string, labels: Labels, by = 1): void {
    if (by === 0) return;
    const key = keyOf(name, labels);
    const c = this.#counters.get(key);
    if (c) c.value += by;
    else this.#counters.set(key, { name, labels, value: by });
  }

  /** A gauge read on demand (queue sizes), so nothing needs updating on the hot path. */
  gauge(name: string, labels: Labels, read: () => number): void {
    this.#gauges.set(keyOf(name, labels), { name, labels, read });
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
}
