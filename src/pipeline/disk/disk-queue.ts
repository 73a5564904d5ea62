/**
 * A per-exporter write-ahead log: the disk variant of ByteQueue. Payloads are appended to segment
 * files as checksummed records (record.ts) by one writer that gathers concurrent appends into one
 * write and one fsync (group commit). A record is deleted only when the runner finishes it
 * (delivered, refused for good, or dropped by a policy the user chose): its sequence number goes to
 * the ack log, and a segment whose records are all finished is unlinked. On open, every intact
 * record not in the ack log is queued again; damaged stretches are skipped and counted.
 *
 * Memory: an index entry per record (~150 bytes) plus at most `hotBytes` of payloads kept after
 * writing; anything else is read back from the segment when its batch is taken.
 */
import path from 'node:path';
import type { Logger } from '../../log.ts';
import type { Signal } from '../../otlp/signal.ts';
import type { Stats } from '../../telemetry/stats.ts';
import type { Batch, BatchSettings } from '../queue.ts';
import type { Payload } from '../types.ts';
import { nodeFs, type DiskFile, type DiskFs } from './fs.ts';
import { acquireDir } from './lock.ts';
import { ACK_ENTRY_BYTES, encodeAck, encodeHeader, payloadIntact, readHeader, RECORD_HEADER_BYTES, scanAcks, scanSegment, type Damage } from './record.ts';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface DiskQueueSettings {
  /** This queue's own directory (one per exporter). */
  dir: string;
  /** Budget for everything in the directory: segments (acknowledged records included until their segment goes) and the ack log. */
  maxBytes: number;
  /** always: an append is acknowledged after fdatasync; interval: synced every fsyncIntervalMs; never: left to the OS. */
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  batch: BatchSettings;
  /** Bytes per segment file before the next one starts; default max_bytes / 16 within [4 KiB, 32 MiB]. */
  segmentBytes?: number;
  /** Payload bytes kept in memory after writing, so delivery need not read them back; default 16 MiB. */
  hotBytes?: number;
  fs?: DiskFs;
}

export interface Staged {
  /** Resolves once the record is written (and synced, with fsync: always); rejects when it cannot be. */
  readonly durable: Promise<void>;
  /** Makes the record deliverable as soon as it is durable. */
  commit(): void;
  /** Forgets the record: never delivered, not even after a restart once the returned promise resolves (its ack is written). */
  abort(): Promise<void>;
}

type RecState = 'staged' | 'queued' | 'inflight' | 'parked' | 'done';

interface Segment {
  id: number;
  file: string;
  size: number;
  /** Records not finished yet (staged, queued, in flight or parked). */
  live: number;
  /** Of those, waiting in a FIFO (droppable by drop_oldest). */
  queued: number;
  recs: Rec[];
  fh: DiskFile | undefined;
  /** A read-only open under way (a segment recovered at start has no handle until read). */
  opening: Promise<DiskFile> | undefined;
  dirty: boolean;
  deleted: boolean;
}

interface Rec {
  seq: number;
  signal: Signal;
  items: number;
  len: number;
  seg: Segment | undefined;
  offset: number;
  bytes: Uint8Array | undefined;
  state: RecState;
  committed: boolean;
  aborted: boolean;
  written: boolean;
  hot: boolean;
  enqueuedAt: number;
  resolve: (() => void) | undefined;
  reject: ((err: Error) => void) | undefined;
}

/** A batch taken from the disk queue: its parts line up with its records. */
export interface DiskBatch extends Batch {
  readonly records: readonly Rec[];
}

export interface RecoveryReport {
  records: number;
  items: Record<Signal, number>;
  bytes: number;
  segments: number;
  damage: Array<Damage & { segment: string }>;
  damagedAcks: number;
  /** Records found twice (a sequence number seen in an earlier segment): skipped. */
  duplicates: number;
}

const EMPTY = new Uint8Array(0);
const KiB = 1024;
const MiB = 1024 * KiB;
/** The ack log is rewritten with only the acks still needed once it passes max_bytes / 32 within these bounds. */
const ACK_COMPACT_MIN = 512;
const ACK_COMPACT_MAX = 256 * KiB;
/** After a write error, new data is refused this long before the disk is tried again. */
export const DISK_ERROR_BACKOFF_MS = 1000;
/** With fsync: always, acknowledgements (whose loss only causes duplicates) are synced this often. */
const ACK_SYNC_MS = 1000;
const SEGMENT_NAME = /^(\d{16})\.wal$/;

/** A FIFO of records with lazy removal: finished records are skipped when they reach the head. */
class Fifo {
  #items: Rec[] = [];
  #head = 0;
  queuedBytes = 0;
  queuedItems = 0;

  push(r: Rec): void {
    this.#items.push(r);
    this.queuedBytes += r.len;
    this.queuedItems += r.items;
  }

  /** The first queued record. */
  peek(): Rec | undefined {
    while (this.#head < this.#items.length) {
      const r = this.#items[this.#head]!;
      if (r.state === 'queued') return r;
      this.#head++;
    }
    if (this.#head > 0) this.#compact();
    return undefined;
  }

  shift(): Rec | undefined {
    const r = this.peek();
    if (r) {
      this.#head++;
      this.forget(r);
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) this.#compact();
    }
    return r;
  }

  /** Accounts for a record leaving the queued state (shifted, or dropped in place). */
  forget(r: Rec): void {
    this.queuedBytes -= r.len;
    this.queuedItems -= r.items;
  }

  *queued(): Generator<Rec> {
    for (let i = this.#head; i < this.#items.length; i++) {
      const r = this.#items[i]!;
      if (r.state === 'queued') yield r;
    }
  }

  /** Puts records taken but not sent back at the head, in their order. */
  unshift(recs: readonly Rec[]): void {
    this.#items = [...recs, ...this.#items.slice(this.#head)];
    this.#head = 0;
    for (const r of recs) {
      this.queuedBytes += r.len;
      this.queuedItems += r.items;
    }
  }

  #compact(): void {
    this.#items = this.#items.slice(this.#head);
    this.#head = 0;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // whoever cares awaits it; a rejection nobody awaits must not crash the process
  return { promise, resolve, reject };
}

/** Writes every byte, continuing after short writes (libuv returns a short count when an error follows progress). */
async function writeFully(fh: DiskFile, buffers: Uint8Array[], position: number): Promise<number> {
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  let done = (await fh.writev(buffers, position)).bytesWritten;
  if (done === total) return total;
  const all = Buffer.concat(buffers, total);
  while (done < total) {
    const n = (await fh.writev([all.subarray(done)], position + done)).bytesWritten;
    if (n <= 0) throw Object.assign(new Error('short write with no error reported'), { code: 'EIO' });
    done += n;
  }
  return total;
}

/** What a record of `payload` bytes takes on disk over its life: header, payload and its ack entry. */
function cost(payload: number): number {
  return RECORD_HEADER_BYTES + payload + ACK_ENTRY_BYTES;
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
}

export class DiskQueue {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #s: DiskQueueSettings;
  readonly #fs: DiskFs;
  readonly #log: Logger;
  readonly #stats: Stats;
  readonly #labels: Readonly<Record<string, string>>;
  readonly #segmentBytes: number;
  readonly #hotLimit: number;
  readonly #fifos = new Map<Signal, Fifo>();
  readonly #segments = new Map<number, Segment>();
  readonly #background = new Set<Promise<void>>();
  /** Written records the receiver has neither committed nor aborted yet (it is awaiting the other targets). */
  readonly #undecided = new Set<Rec>();
  /** Called when records become deliverable, so the runner wakes a consumer. */
  onReady: () => void = () => undefined;
  #active: Segment | undefined;
  #nextSeq = 1;
  #nextSegment = 1;
  #segBytes = 0;
  /** Staged records not written yet, at their full cost (header, payload, their future ack). */
  #reserved = 0;
  /** Written records not finished: each will need an ack entry, counted in advance. */
  #live = 0;
  #hot = 0;
  #pending: Rec[] = [];
  #writerBusy = false;
  #writer: Promise<void> = Promise.resolve();
  #opened = false;
  #closed = false;
  #openError: Error | undefined;
  #release: (() => Promise<void>) | undefined;
  #writeError: { code: string; at: number } | undefined;
  #dirNeedsSync = false;
  #ackFh: DiskFile | undefined;
  #ackSize = 0;
  #ackDirty = false;
  #ackPending: number[] = [];
  #ackWriting = 0;
  #ackScheduled = false;
  #ackChain: Promise<void> = Promise.resolve();
  #ackLink: Promise<void> = Promise.resolve();
  readonly #compactBase: number;
  #compactAt: number;
  #timer: NodeJS.Timeout | undefined;
  #syncing = false;

  constructor(settings: DiskQueueSettings, log: Logger, stats: Stats, labels: Readonly<Record<string, string>>) {
    this.#s = settings;
    this.dir = settings.dir;
    this.maxBytes = settings.maxBytes;
    this.#fs = settings.fs ?? nodeFs;
    this.#log = log;
    this.#stats = stats;
    this.#labels = labels;
    this.#segmentBytes = settings.segmentBytes ?? Math.min(32 * MiB, Math.max(4 * KiB, Math.floor(settings.maxBytes / 16)));
    this.#hotLimit = settings.hotBytes ?? 16 * MiB;
    this.#compactBase = Math.min(ACK_COMPACT_MAX, Math.max(ACK_COMPACT_MIN, Math.floor(settings.maxBytes / 32)));
    this.#compactAt = this.#compactBase;
  }

  /** Bytes the directory holds or will hold: segments, appends under way, the ack log and the acks still to come. */
  get usedBytes(): number {
    return this.#segBytes + this.#reserved + this.#ackSize + ACK_ENTRY_BYTES * (this.#live + this.#ackPending.length + this.#ackWriting);
  }

  get queuedItems(): number {
    let n = 0;
    for (const f of this.#fifos.values()) n += f.queuedItems;
    return n;
  }

  /** Items on disk not delivered yet: queued, in flight or parked (kept for the next start). */
  get undeliveredItems(): number {
    let n = 0;
    for (const seg of this.#segments.values()) for (const r of seg.recs) if (r.state !== 'done' && r.state !== 'staged') n += r.items;
    return n;
  }

  /** Why the disk cannot take data right now (a recent write error, or the queue could not open), else undefined. */
  get problem(): string | undefined {
    if (this.#openError) return `the disk queue could not open: ${this.#openError.message}`;
    if (this.#writeError && Date.now() - this.#writeError.at < DISK_ERROR_BACKOFF_MS) return this.#writeError.code;
    return undefined;
  }

  hasRoom(bytes: number, dropOldest = false): boolean {
    if (this.#closed || this.problem !== undefined) return false;
    const need = cost(bytes);
    if (this.#segBytes + this.#reserved === 0 || this.usedBytes + need <= this.maxBytes) return true;
    return dropOldest && this.usedBytes - this.#freeable() + need <= this.maxBytes;
  }

  /** Bytes drop_oldest could free: segments whose unfinished records are all queued (none in flight). */
  #freeable(): number {
    let n = 0;
    for (const seg of this.#segments.values()) if (seg.live > 0 && seg.live === seg.queued) n += seg.size;
    return n;
  }

  /**
   * drop_oldest: finishes the oldest queued records, a whole segment at a time, until `bytes` fit.
   * Returns what was dropped, for the runner to count.
   */
  makeRoom(bytes: number): Array<{ signal: Signal; items: number }> {
    const dropped: Array<{ signal: Signal; items: number }> = [];
    const need = cost(bytes);
    for (const seg of [...this.#segments.values()].sort((a, b) => a.id - b.id)) {
      if (this.#segBytes + this.#reserved === 0 || this.usedBytes + need <= this.maxBytes) break;
      if (seg.live === 0 || seg.live !== seg.queued) continue;
      for (const r of [...seg.recs]) {
        if (r.state !== 'queued') continue;
        dropped.push({ signal: r.signal, items: r.items });
        this.#finish(r);
      }
    }
    return dropped;
  }

  /** Appends a payload; it is delivered only after `commit()` and once durable. */
  stage(p: Payload): Staged {
    const d = deferred();
    const r: Rec = {
      seq: 0, // given when written: records staged before open must not reuse a recovered number
      signal: p.signal,
      items: p.items,
      len: p.bytes.byteLength,
      seg: undefined,
      offset: 0,
      bytes: p.bytes,
      state: 'staged',
      committed: false,
      aborted: false,
      written: false,
      hot: false,
      enqueuedAt: 0,
      resolve: d.resolve,
      reject: d.reject,
    };
    const staged: Staged = { durable: d.promise, commit: () => this.#commit(r), abort: () => this.#abort(r) };
    if (this.#closed || this.#openError) {
      r.state = 'done';
      d.reject(new Error(this.#openError ? `the disk queue could not open: ${this.#openError.message}` : 'the disk queue is closed'));
      return staged;
    }
    this.#reserved += cost(r.len);
    this.#pending.push(r);
    this.#schedule();
    return staged;
  }

  #commit(r: Rec): void {
    if (r.aborted) return;
    this.#undecided.delete(r);
    r.committed = true;
    if (r.written && r.state === 'staged') {
      this.#keepHot(r);
      this.#queue(r);
      this.onReady();
    }
  }

  #abort(r: Rec): Promise<void> {
    if (r.state !== 'staged' || r.committed) return Promise.resolve();
    this.#undecided.delete(r);
    r.aborted = true;
    if (r.written) {
      this.#finish(r); // on disk already: the ack keeps a restart from delivering it
      return this.#ackLink;
    }
    if (r.seg === undefined) {
      r.state = 'done'; // still pending: the writer skips it
      this.#reserved -= cost(r.len);
      this.#dropBytes(r);
      return Promise.resolve();
    }
    const d = deferred(); // being written: the writer finishes it once written
    const settle = () => void this.#ackLink.then(d.resolve);
    r.resolve = settle;
    r.reject = settle;
    return d.promise;
  }

  #queue(r: Rec): void {
    r.state = 'queued';
    r.enqueuedAt = Date.now();
    r.seg!.queued++;
    let fifo = this.#fifos.get(r.signal);
    if (!fifo) this.#fifos.set(r.signal, (fifo = new Fifo()));
    fifo.push(r);
  }

  hasFullBatch(): boolean {
    for (const fifo of this.#fifos.values()) if (this.#isFull(fifo)) return true;
    return false;
  }

  #isFull(fifo: Fifo): boolean {
    if (fifo.queuedItems < this.#s.batch.maxItems && fifo.queuedBytes < this.#s.batch.maxBytes) return false;
    return fifo.peek() !== undefined;
  }

  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const fifo of this.#fifos.values()) {
      const head = fifo.peek();
      if (head && (min === undefined || head.enqueuedAt < min)) min = head.enqueuedAt;
    }
    return min === undefined ? undefined : min + this.#s.batch.timeoutMs;
  }

  /** Takes the next due batch (as ByteQueue.take); its payloads may still be on disk only: see load(). */
  take(now: number, flush: boolean): DiskBatch | undefined {
    for (const [signal, fifo] of this.#fifos) {
      const head = fifo.peek();
      if (!head) continue;
      if (!flush && now - head.enqueuedAt < this.#s.batch.timeoutMs && !this.#isFull(fifo)) continue;
      const records: Rec[] = [];
      let items = 0;
      let bytes = 0;
      for (let r = fifo.peek(); r; r = fifo.peek()) {
        if (records.length > 0 && (items + r.items > this.#s.batch.maxItems || bytes + r.len > this.#s.batch.maxBytes)) break;
        fifo.shift();
        r.state = 'inflight';
        r.seg!.queued--;
        records.push(r);
        items += r.items;
        bytes += r.len;
      }
      return { signal, parts: records.map((r) => r.bytes ?? EMPTY), bytes, items, records };
    }
    return undefined;
  }

  /**
   * Reads the payloads a batch does not hold in memory. A record that no longer matches its checksum
   * is finished (it can never be delivered) and reported; the batch returned holds the intact ones.
   * Throws on an I/O error, leaving the records in flight (see putBack).
   */
  async load(batch: DiskBatch): Promise<{ batch: DiskBatch; corrupt: Array<{ signal: Signal; items: number }> }> {
    const corrupt: Array<{ signal: Signal; items: number }> = [];
    const records: Rec[] = [];
    const parts: Uint8Array[] = [];
    for (const r of batch.records) {
      if (r.state !== 'inflight') continue;
      let bytes = r.bytes;
      if (bytes === undefined) {
        bytes = await this.#read(r);
        if (bytes === undefined) {
          corrupt.push({ signal: r.signal, items: r.items });
          this.#stats.inc('otlp_relay_disk_queue_damaged_total', { ...this.#labels, kind: 'corrupt' });
          this.#finish(r);
          continue;
        }
      }
      records.push(r);
      parts.push(bytes);
    }
    return { batch: { signal: batch.signal, parts, bytes: records.reduce((s, r) => s + r.len, 0), items: records.reduce((s, r) => s + r.items, 0), records }, corrupt };
  }

  async #read(r: Rec): Promise<Uint8Array | undefined> {
    const seg = r.seg!;
    const fh = await this.#handle(seg);
    const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + r.len);
    const { bytesRead } = await fh.read(buf, 0, buf.byteLength, r.offset);
    if (bytesRead !== buf.byteLength) return undefined;
    const meta = readHeader(buf, 0);
    if (!meta || meta.seq !== r.seq || meta.length !== r.len || !payloadIntact(buf, 0, meta)) return undefined;
    return buf.subarray(RECORD_HEADER_BYTES);
  }

  /** One handle per segment, even when several consumers read from it at once. */
  #handle(seg: Segment): Promise<DiskFile> {
    if (seg.fh) return Promise.resolve(seg.fh);
    seg.opening ??= this.#fs.open(seg.file, 'r').then(async (fh) => {
      if (seg.deleted) {
        await fh.close().catch(() => undefined);
        throw Object.assign(new Error(`segment ${seg.file} was removed`), { code: 'ENOENT' });
      }
      seg.fh = fh;
      return fh;
    });
    seg.opening.catch(() => (seg.opening = undefined));
    return seg.opening;
  }

  /** Returns a taken batch's records to the head of their queue (its payloads could not be read). */
  putBack(batch: DiskBatch): void {
    const recs = batch.records.filter((r) => r.state === 'inflight');
    for (const r of recs) {
      r.state = 'queued';
      r.seg!.queued++;
    }
    let fifo = this.#fifos.get(batch.signal);
    if (!fifo) this.#fifos.set(batch.signal, (fifo = new Fifo()));
    fifo.unshift(recs);
  }

  /** The runner is done with a batch: `kept` (shutdown, hand-over) leaves its records on disk for the next start. */
  finish(batch: Batch, kept: boolean): void {
    if (!isDiskBatch(batch)) return;
    for (const r of batch.records) {
      if (r.state !== 'inflight') continue;
      if (kept) r.state = 'parked';
      else this.#finish(r);
    }
  }

  /** A record is over: its ack is logged, and its segment goes once nothing in it is left. */
  #finish(r: Rec): void {
    if (r.state === 'done') return;
    if (r.state === 'queued') {
      this.#fifos.get(r.signal)?.forget(r);
      r.seg!.queued--;
    }
    r.state = 'done';
    this.#dropBytes(r);
    const seg = r.seg;
    if (!seg || !r.written) return;
    seg.live--;
    this.#live--;
    // Acked even when its segment goes: if the process dies before the unlink lands, the record is still not replayed.
    this.#ackPending.push(r.seq);
    void this.#scheduleAcks();
    if (seg.live === 0 && seg.size > 0) this.#deleteSegment(seg);
  }

  #dropBytes(r: Rec): void {
    if (r.hot) this.#hot -= r.len;
    r.hot = false;
    r.bytes = undefined;
  }

  /** Every record not delivered yet (queued, in flight, parked), read back in order: a reload moving them elsewhere. */
  async undelivered(): Promise<Payload[]> {
    const out: Payload[] = [];
    const segs = [...this.#segments.values()].sort((a, b) => a.id - b.id);
    for (const seg of segs) {
      for (const r of seg.recs) {
        if (r.state === 'done' || r.state === 'staged') continue;
        const bytes = r.bytes ?? (await this.#read(r));
        if (bytes === undefined) {
          this.#stats.inc('otlp_relay_disk_queue_damaged_total', { ...this.#labels, kind: 'corrupt' });
          continue;
        }
        out.push({ signal: r.signal, bytes, items: r.items });
      }
    }
    return out;
  }

  /** Opens the directory, takes its lock and recovers what is in it. */
  async open(): Promise<RecoveryReport> {
    try {
      return await this.#open();
    } catch (err) {
      this.#openError = err as Error;
      for (const r of this.#pending.splice(0)) r.reject?.(this.#openError);
      this.#reserved = 0;
      throw err;
    }
  }

  async #open(): Promise<RecoveryReport> {
    const fs = this.#fs;
    this.#release = await acquireDir(this.dir, fs);
    const report: RecoveryReport = { records: 0, items: { traces: 0, logs: 0, metrics: 0 }, bytes: 0, segments: 0, damage: [], damagedAcks: 0, duplicates: 0 };
    const names = await fs.readdir(this.dir);
    const acked = new Set<number>();
    if (names.includes('acks')) {
      const acks = scanAcks(await fs.readFile(path.join(this.dir, 'acks')));
      for (const s of acks.seqs) acked.add(s);
      report.damagedAcks = acks.damaged;
    }
    const seen = new Set<number>();
    const ids = names
      .map((n) => SEGMENT_NAME.exec(n)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const id of ids) {
      const file = this.#segmentFile(id);
      this.#nextSegment = Math.max(this.#nextSegment, id + 1);
      let buf: Uint8Array;
      try {
        buf = await fs.readFile(file);
      } catch (err) {
        // Unreadable (permissions, I/O): say so and leave it in place; never loop on it or throw it away.
        this.#log.error({ err, file }, `disk queue: segment ${file} cannot be read (${errorCode(err)}); it is left in place and skipped`);
        this.#stats.inc('otlp_relay_disk_queue_damaged_total', { ...this.#labels, kind: 'unreadable' });
        continue;
      }
      const scan = scanSegment(buf);
      const seg: Segment = { id, file, size: buf.byteLength, live: 0, queued: 0, recs: [], fh: undefined, opening: undefined, dirty: false, deleted: false };
      for (const d of scan.damage) {
        report.damage.push({ ...d, segment: path.basename(file) });
        this.#stats.inc('otlp_relay_disk_queue_damaged_total', { ...this.#labels, kind: d.kind });
        this.#stats.inc('otlp_relay_disk_queue_skipped_bytes_total', this.#labels, d.bytes);
      }
      for (const f of scan.records) {
        this.#nextSeq = Math.max(this.#nextSeq, f.seq + 1);
        if (seen.has(f.seq)) {
          report.duplicates++;
          continue;
        }
        seen.add(f.seq);
        const done = acked.has(f.seq);
        const r: Rec = {
          seq: f.seq, signal: f.signal, items: f.items, len: f.length, seg, offset: f.offset, bytes: undefined,
          state: done ? 'done' : 'staged', committed: true, aborted: false, written: true, hot: false, enqueuedAt: 0, resolve: undefined, reject: undefined,
        };
        seg.recs.push(r);
        if (done) continue;
        seg.live++;
        report.records++;
        report.items[f.signal] += f.items;
        report.bytes += f.length;
      }
      if (seg.live === 0) {
        await this.#unlink(file);
        continue;
      }
      report.segments++;
      this.#live += seg.live;
      this.#segments.set(id, seg);
      this.#segBytes += seg.size;
      for (const r of seg.recs) if (r.state === 'staged') this.#queue(r);
    }
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      if (report.items[signal] > 0) this.#stats.inc('otlp_relay_disk_queue_recovered_items_total', { ...this.#labels, signal }, report.items[signal]);
    }
    if (report.damagedAcks > 0) this.#stats.inc('otlp_relay_disk_queue_damaged_total', { ...this.#labels, kind: 'ack' }, report.damagedAcks);
    if (names.includes('acks.tmp')) await this.#unlink(path.join(this.dir, 'acks.tmp'));
    await this.#rewriteAcks();
    this.#opened = true;
    const every = this.#s.fsync === 'interval' ? this.#s.fsyncIntervalMs : this.#s.fsync === 'always' ? ACK_SYNC_MS : 0;
    if (every > 0) {
      this.#timer = setInterval(() => void this.#syncDirty(), every);
      this.#timer.unref();
    }
    if (this.#pending.length > 0) this.#schedule();
    return report;
  }

  #segmentFile(id: number): string {
    return path.join(this.dir, `${String(id).padStart(16, '0')}.wal`);
  }

  async #unlink(file: string): Promise<void> {
    try {
      await this.#fs.unlink(file);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') this.#log.warn({ err, file }, `disk queue: could not remove ${file}: ${(err as Error).message}`);
    }
  }

  /** Replaces the ack log with the acks of records still on disk (write, sync, rename), and opens it for appending. */
  async #rewriteAcks(): Promise<void> {
    const seqs: number[] = [];
    for (const seg of this.#segments.values()) for (const r of seg.recs) if (r.state === 'done' && r.written) seqs.push(r.seq);
    const data = seqs.length > 0 ? Buffer.concat(seqs.map(encodeAck)) : Buffer.alloc(0);
    const file = path.join(this.dir, 'acks');
    const tmp = `${file}.tmp`;
    await this.#ackFh?.close().catch(() => undefined);
    this.#ackFh = undefined;
    await this.#fs.writeFile(tmp, data, 'w');
    const t = await this.#fs.open(tmp, 'r+');
    try {
      await t.datasync();
    } finally {
      await t.close();
    }
    await this.#fs.rename(tmp, file);
    await this.#fs.syncDir(this.dir);
    this.#ackFh = await this.#fs.open(file, 'r+');
    this.#ackSize = data.byteLength;
    this.#ackDirty = false;
    this.#compactAt = Math.max(this.#compactBase, 2 * data.byteLength);
  }

  /** Resolves once every ack finished so far is written. */
  #scheduleAcks(): Promise<void> {
    if (this.#ackScheduled) return this.#ackLink;
    this.#ackScheduled = true;
    const run = this.#ackChain.then(async () => {
      this.#ackScheduled = false;
      const seqs = this.#ackPending.splice(0);
      this.#ackWriting = seqs.length;
      try {
        if (!this.#ackFh) return;
        if (this.#segments.size === 0) {
          // Nothing left on disk once the unlinks under way land: no ack is needed any more.
          await Promise.all(this.#background);
          if (this.#segments.size === 0 && this.#ackSize > 0) await this.#ackFh.truncate(0).then(() => (this.#ackSize = 0), () => undefined);
          return;
        }
        if (seqs.length === 0) return;
        const buf = Buffer.concat(seqs.map(encodeAck));
        try {
          await writeFully(this.#ackFh, [buf], this.#ackSize);
          this.#ackSize += buf.byteLength;
          this.#ackDirty = true;
        } catch (err) {
          // A lost ack only means a duplicate after a restart; cut the partial entry so later ones stay aligned.
          this.#stats.inc('otlp_relay_disk_queue_write_errors_total', { ...this.#labels, code: errorCode(err) });
          await this.#ackFh.truncate(this.#ackSize).catch(() => undefined);
        }
      } finally {
        this.#ackWriting = 0;
      }
      if (this.#ackSize > this.#compactAt) {
        try {
          await this.#rewriteAcks();
        } catch (err) {
          this.#log.warn({ err }, `disk queue: the ack log could not be compacted: ${(err as Error).message}`);
          this.#ackFh ??= await this.#fs.open(path.join(this.dir, 'acks'), 'r+').catch(() => undefined);
          this.#compactAt *= 2;
        }
      }
    });
    this.#ackChain = run.catch(() => undefined);
    this.#ackLink = this.#ackChain;
    return this.#ackLink;
  }

  #deleteSegment(seg: Segment): void {
    seg.deleted = true;
    this.#segments.delete(seg.id);
    this.#segBytes -= seg.size;
    seg.recs = [];
    if (this.#active === seg) this.#active = undefined;
    this.#writeError = undefined; // space was freed: try the disk again at once
    if (this.#segments.size === 0) void this.#scheduleAcks(); // empties the ack log
    this.#track(
      (async () => {
        await seg.fh?.close().catch(() => undefined);
        seg.fh = undefined;
        await this.#unlink(seg.file);
      })(),
    );
  }

  #track(p: Promise<void>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  #schedule(): void {
    if (this.#writerBusy || !this.#opened) return;
    this.#writerBusy = true;
    this.#writer = this.#writeLoop();
  }

  /** Group commit: everything staged while a write (and its fsync) is under way goes out in the next one. */
  async #writeLoop(): Promise<void> {
    await Promise.resolve(); // appends staged in the same tick share the first write
    for (;;) {
      const group = this.#pending.splice(0).filter((r) => r.state === 'staged');
      if (group.length === 0) {
        this.#writerBusy = false;
        return;
      }
      try {
        await this.#writeGroup(group);
      } catch (err) {
        // #writeGroup settles every record itself; this only guards the loop.
        this.#log.error({ err }, `disk queue: unexpected writer error: ${(err as Error).message}`);
      }
    }
  }

  async #writeGroup(group: Rec[]): Promise<void> {
    interface Run {
      seg: Segment;
      position: number;
      bufs: Uint8Array[];
      recs: Rec[];
    }
    const runs: Run[] = [];
    const assigned = new Set<Rec>();
    let failure: unknown;
    let failedRun = Infinity;
    for (const r of group) {
      const size = RECORD_HEADER_BYTES + r.len;
      let seg = this.#active;
      if (!seg || seg.deleted || (seg.size > 0 && seg.size + size > this.#segmentBytes)) {
        try {
          seg = await this.#newSegment();
        } catch (err) {
          failure = err;
          failedRun = runs.length;
          break;
        }
      }
      let run = runs.at(-1);
      if (!run || run.seg !== seg) runs.push((run = { seg, position: seg.size, bufs: [], recs: [] }));
      r.seq = this.#nextSeq++;
      r.seg = seg;
      r.offset = seg.size;
      seg.size += size;
      seg.live++;
      this.#live++;
      seg.recs.push(r);
      this.#segBytes += size;
      this.#reserved -= cost(r.len);
      assigned.add(r);
      run.bufs.push(encodeHeader(r, r.bytes!), r.bytes!);
      run.recs.push(r);
    }
    for (let i = 0; i < runs.length && failure === undefined; i++) {
      const run = runs[i]!;
      try {
        await writeFully(run.seg.fh!, run.bufs, run.position);
        run.seg.dirty = true;
      } catch (err) {
        failure = err;
        failedRun = i;
      }
    }
    // Roll back the runs that did not make it: cut the file where they started, so no partial record stays behind.
    for (let i = runs.length - 1; i >= failedRun && i >= 0; i--) {
      const run = runs[i]!;
      const seg = run.seg;
      seg.live -= run.recs.length;
      this.#live -= run.recs.length;
      seg.recs.splice(seg.recs.length - run.recs.length);
      this.#segBytes -= seg.size - run.position;
      seg.size = run.position;
      try {
        await seg.fh!.truncate(run.position);
      } catch {
        if (this.#active === seg) this.#active = undefined; // never append after bytes we could not cut: recovery skips them
      }
      if (!seg.deleted && seg.live === 0 && !(seg.size === 0 && seg === this.#active)) this.#deleteSegment(seg);
    }
    let durable = runs.slice(0, Math.min(runs.length, failedRun)).flatMap((run) => run.recs);
    if (failure === undefined && this.#s.fsync === 'always') {
      try {
        for (const seg of new Set(runs.map((run) => run.seg))) {
          await seg.fh!.datasync();
          seg.dirty = false;
          this.#stats.inc('otlp_relay_disk_queue_fsyncs_total', this.#labels);
        }
        if (this.#dirNeedsSync) {
          this.#dirNeedsSync = false;
          await this.#fs.syncDir(this.dir);
        }
      } catch (err) {
        // Written but not durable: refuse them (the client retries) and ack them, so a restart does not deliver them too.
        failure = err;
        for (const r of durable) {
          r.written = true;
          this.#finish(r);
        }
        durable = [];
      }
    }
    const ok = new Set(durable);
    if (durable.length > 0) this.#stats.inc('otlp_relay_disk_queue_appends_total', this.#labels, durable.length);
    let ready = false;
    for (const r of durable) {
      r.written = true;
      if (r.aborted) {
        this.#finish(r); // acked before its abort() resolves
        r.resolve?.();
        continue;
      }
      r.resolve?.();
      if (r.committed) {
        this.#keepHot(r);
        this.#queue(r);
        ready = true;
      } else this.#undecided.add(r);
    }
    if (failure !== undefined) {
      const code = errorCode(failure);
      this.#writeError = { code, at: Date.now() };
      this.#stats.inc('otlp_relay_disk_queue_write_errors_total', { ...this.#labels, code });
      this.#log.warn({ err: failure, dir: this.dir }, `disk queue ${this.dir}: write failed (${code}); new data is refused with a retry delay until the disk takes it again`);
      const err = new Error(`the disk queue cannot write (${code})`);
      for (const r of group) {
        if (ok.has(r)) continue;
        if (r.state === 'staged') {
          r.state = 'done';
          if (!assigned.has(r)) this.#reserved -= cost(r.len);
          this.#dropBytes(r);
        }
        r.reject?.(err);
      }
    } else if (durable.length > 0) {
      this.#writeError = undefined;
    }
    if (ready) this.onReady();
  }

  /** Keeps a written payload in memory while the hot budget allows; otherwise it is read back when its batch is taken. */
  #keepHot(r: Rec): void {
    if (r.hot) return;
    if (this.#hot + r.len <= this.#hotLimit) {
      r.hot = true;
      this.#hot += r.len;
    } else {
      r.bytes = undefined;
    }
  }

  async #newSegment(): Promise<Segment> {
    const old = this.#active;
    const id = this.#nextSegment++;
    const file = this.#segmentFile(id);
    const fh = await this.#fs.open(file, 'wx+');
    const seg: Segment = { id, file, size: 0, live: 0, queued: 0, recs: [], fh, opening: undefined, dirty: false, deleted: false };
    this.#segments.set(id, seg);
    this.#active = seg;
    this.#dirNeedsSync = true;
    if (old && !old.deleted && old.live === 0) this.#deleteSegment(old); // left empty by a rolled-back write
    return seg;
  }

  /** fsync: interval (and the ack log with always): sync what was written since the last time. */
  async #syncDirty(): Promise<void> {
    if (this.#syncing || this.#closed) return;
    this.#syncing = true;
    try {
      if (this.#s.fsync === 'interval') {
        for (const seg of [...this.#segments.values()]) {
          if (!seg.dirty || seg.deleted || !seg.fh) continue;
          seg.dirty = false;
          await seg.fh.datasync().catch((err: unknown) => {
            if (!seg.deleted) this.#stats.inc('otlp_relay_disk_queue_write_errors_total', { ...this.#labels, code: errorCode(err) });
          });
          this.#stats.inc('otlp_relay_disk_queue_fsyncs_total', this.#labels);
        }
        if (this.#dirNeedsSync) {
          this.#dirNeedsSync = false;
          await this.#fs.syncDir(this.dir).catch(() => undefined);
        }
      }
      if (this.#ackDirty && this.#ackFh) {
        this.#ackDirty = false;
        await this.#ackFh.datasync().catch(() => undefined);
      }
    } finally {
      this.#syncing = false;
    }
  }

  /** Finishes writes under way, syncs (unless fsync: never), closes every file and releases the directory. Records stay for the next open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#writer;
    // A receiver awaiting its other targets commits or aborts within microtasks; an abort must reach the ack log.
    for (let i = 0; i < 200 && this.#undecided.size > 0; i++) await new Promise((r) => setTimeout(r, 5));
    await this.#ackChain;
    await Promise.all(this.#background);
    for (const r of this.#pending.splice(0)) r.reject?.(new Error('the disk queue is closed'));
    for (const seg of this.#segments.values()) {
      if (seg.dirty && this.#s.fsync !== 'never') await seg.fh?.datasync().catch(() => undefined);
      await seg.fh?.close().catch(() => undefined);
      seg.fh = undefined;
    }
    if (this.#ackDirty && this.#s.fsync !== 'never') await this.#ackFh?.datasync().catch(() => undefined);
    await this.#ackFh?.close().catch(() => undefined);
    this.#ackFh = undefined;
    await this.#release?.();
    this.#release = undefined;
  }

  /** Closes and deletes every file: what it held has moved elsewhere (a reload to another directory or queue type). */
  async destroy(): Promise<void> {
    const segs = [...this.#segments.values()];
    await this.close();
    for (const seg of segs) await this.#unlink(seg.file);
    await this.#unlink(path.join(this.dir, 'acks'));
  }
}

export function isDiskBatch(b: Batch): b is DiskBatch {
  return Array.isArray((b as Partial<DiskBatch>).records);
}
