/**
 * `items_per_minute`: at most N items in any 60 s, as rollbar.js's `itemsPerMinute` caps its own sends.
 * An error storm then costs a bounded share of the project's Rollbar quota; items over the cap are shed
 * (and counted), never queued, so the storm cannot fill the queue and refuse other destinations' data.
 */
const WINDOW_MS = 60_000;

export class ItemsPerMinute {
  readonly cap: number;
  readonly #now: () => number;
  /** The times of the last `cap` admitted items, oldest at `#next` (a ring). */
  readonly #times: Float64Array;
  #next = 0;

  /** `cap` 0: no cap. */
  constructor(cap: number, now: () => number = Date.now) {
    this.cap = cap;
    this.#now = now;
    this.#times = new Float64Array(cap).fill(Number.NEGATIVE_INFINITY);
  }

  /** True (and counted) when one more item fits in the last 60 s. */
  admit(): boolean {
    if (this.cap === 0) return true;
    const now = this.#now();
    if (now - this.#times[this.#next]! < WINDOW_MS) return false;
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % this.cap;
    return true;
  }
}
