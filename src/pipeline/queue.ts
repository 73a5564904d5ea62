import type { Signal } from '../otlp/signal.ts';
import { heldBytes, type Payload } from './types.ts';

interface Entry extends Payload {
  enqueuedAt: number;
}

export interface BatchSettings {
  maxItems: number;
  timeoutMs: number;
  maxBytes: number;
}

export interface Batch {
  signal: Signal;
  parts: Uint8Array[];
  bytes: number;
  items: number;
  /** The senders' gzip of each part, where kept (Payload.gzip); absent when no part has one. */
  gzip?: Array<Uint8Array | undefined>;
  /** Memory the batch holds in the queue's budget (bytes plus kept gzip); absent: `bytes`. */
  held?: number;
}

/**
 * A bounded FIFO per signal that shares one byte budget: the budget counts data from the moment it
 * is offered until its batch is finished (delivered, refused or dropped), so in-flight data counts.
 * Data is held as encoded bytes, never as decoded objects (a decoded span costs ~8x its wire size).
 */
export class ByteQueue {
  readonly maxBytes: number;
  readonly #batch: BatchSettings;
  readonly #fifos = new Map<Signal, Entry[]>();
  #used = 0;
  #queuedBytes = 0;
  #queuedItems = 0;

  constructor(maxBytes: number, batch: BatchSettings) {
    this.maxBytes = maxBytes;
    this.#batch = batch;
  }

  /** Bytes held: queued plus in flight. */
  get usedBytes(): number {
    return this.#used;
  }
  get queuedBytes(): number {
    return this.#queuedBytes;
  }
  get queuedItems(): number {
    return this.#queuedItems;
  }
  get isEmpty(): boolean {
    return this.#queuedItems === 0 && this.#queuedBytes === 0;
  }

  hasRoom(bytes: number): boolean {
    // An empty queue always takes one payload, so a request larger than the budget is not refused forever.
    return this.#used === 0 || this.#used + bytes <= this.maxBytes;
  }

  push(p: Payload, now: number): void {
    let fifo = this.#fifos.get(p.signal);
    if (!fifo) this.#fifos.set(p.signal, (fifo = []));
    fifo.push({ ...p, enqueuedAt: now });
    this.#used += heldBytes(p);
    this.#queuedBytes += heldBytes(p);
    this.#queuedItems += p.items;
  }

  /** Marks a taken batch finished, giving its bytes back to the budget. */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }

  /** Whether a full batch is waiting (by items or bytes), so a consumer should wake now. */
  hasFullBatch(): boolean {
    for (const fifo of this.#fifos.values()) if (this.#isFull(fifo)) return true;
    return false;
  }

  #isFull(fifo: Entry[]): boolean {
    let items = 0;
    let bytes = 0;
    for (const e of fifo) {
      items += e.items;
      bytes += e.bytes.byteLength;
      if (items >= this.#batch.maxItems || bytes >= this.#batch.maxBytes) return true;
    }
    return false;
  }

  /** When the oldest waiting entry's batch timeout expires, or undefined when nothing waits. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const fifo of this.#fifos.values()) {
      const head = fifo[0];
      if (head && (min === undefined || head.enqueuedAt < min)) min = head.enqueuedAt;
    }
    return min === undefined ? undefined : min + this.#batch.timeoutMs;
  }

  /**
   * Takes the next batch that is due: full by items or bytes, timed out, or anything when `flush`.
   * Whole entries only; a single entry above the limits goes alone.
   */
  take(now: number, flush: boolean): Batch | undefined {
    for (const [signal, fifo] of this.#fifos) {
      const head = fifo[0];
      if (!head) continue;
      if (!flush && now - head.enqueuedAt < this.#batch.timeoutMs && !this.#isFull(fifo)) continue;
      const parts: Uint8Array[] = [];
      const gzip: Array<Uint8Array | undefined> = [];
      let items = 0;
      let bytes = 0;
      let held = 0;
      while (fifo.length > 0) {
        const e = fifo[0]!;
        if (parts.length > 0 && (items + e.items > this.#batch.maxItems || bytes + e.bytes.byteLength > this.#batch.maxBytes)) break;
        fifo.shift();
        parts.push(e.bytes);
        gzip.push(e.gzip);
        items += e.items;
        bytes += e.bytes.byteLength;
        held += heldBytes(e);
      }
      this.#queuedBytes -= held;
      this.#queuedItems -= items;
      return held === bytes ? { signal, parts, bytes, items } : { signal, parts, bytes, items, gzip, held };
    }
    return undefined;
  }

  /** overflow: drop_oldest: removes the oldest queued entry (never one in flight) and gives its bytes back. */
  dropOldest(): Payload | undefined {
    let oldest: Entry[] | undefined;
    for (const fifo of this.#fifos.values()) {
      const head = fifo[0];
      if (head && (oldest === undefined || head.enqueuedAt < oldest[0]!.enqueuedAt)) oldest = fifo;
    }
    const e = oldest?.shift();
    if (!e) return undefined;
    this.#queuedBytes -= heldBytes(e);
    this.#queuedItems -= e.items;
    this.#used = Math.max(0, this.#used - heldBytes(e));
    return { signal: e.signal, bytes: e.bytes, items: e.items };
  }

  /** Empties the queue (shutdown past its deadline), returning what was dropped per signal. */
  drain(): Batch[] {
    const out: Batch[] = [];
    for (const [signal, fifo] of this.#fifos) {
      if (fifo.length === 0) continue;
      const parts = fifo.map((e) => e.bytes);
      const items = fifo.reduce((s, e) => s + e.items, 0);
      const bytes = parts.reduce((s, b) => s + b.byteLength, 0);
      const held = fifo.reduce((s, e) => s + heldBytes(e), 0);
      fifo.length = 0;
      this.#queuedBytes -= held;
      this.#queuedItems -= items;
      this.#used = Math.max(0, this.#used - held);
      out.push({ signal, parts, bytes, items });
    }
    return out;
  }
}
