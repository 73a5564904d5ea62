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
}

/** An exporter's I/O side: it sends one batch and classifies what happened; nothing more. */
export interface ExportClient {
  send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal): Promise<Outcome>;
  /** Releases connections; safe to call more than once. */
  close?(): Promise<void>;
}
