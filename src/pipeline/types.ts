import type { Signal } from '../otlp/signal.ts';
import type { Outcome } from './outcome.ts';

/**
 * Telemetry in flight: an encoded Export*ServiceRequest holding only top-level field-1 entries,
 * so payloads of one signal concatenate into a valid merged request (field 1 is repeated).
 */
export interface Payload {
  signal: Signal;
  bytes: Uint8Array;
  items: number;
  /**
   * The client's own gzip of exactly `bytes`, kept only for a memory queue whose client sends gzip
   * (Honeycomb): it is sent on unchanged instead of compressing the same bytes again.
   */
  gzip?: Uint8Array;
}

/** Memory a payload holds in a queue: its bytes, and the client's gzip of them when kept. */
export function heldBytes(p: Payload): number {
  return p.bytes.byteLength + (p.gzip?.byteLength ?? 0);
}

/**
 * A batch's parts as they were queued, for a client that can reuse the gzip its senders already did:
 * `gzip[i]` is the gzip of `parts[i]`, or undefined when that part must be compressed here.
 */
export interface BatchParts {
  parts: readonly Uint8Array[];
  gzip: readonly (Uint8Array | undefined)[];
}

/** An exporter's I/O side: it sends one batch and classifies what happened; nothing more. */
export interface ExportClient {
  /**
   * `parts`: given only to a client with `reusesGzip`, when at least one part still has its sender's
   * gzip; when every part has one, `bytes` is empty (the parts are not joined) and the client sends them.
   */
  send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal, parts?: BatchParts): Promise<Outcome>;
  /** The client sends gzip of the bytes as they are, so a sender's gzip of them can go out unchanged. */
  readonly reusesGzip?: boolean;
  /** Releases connections; safe to call more than once. */
  close?(): Promise<void>;
}
