/**
 * PutLogEvents batches, exactly by the API's rules (limits.ts): per (group, stream), in chronological
 * order, at most 10,000 events, 1,048,576 bytes (UTF-8 message bytes + 26 per event) and less than
 * 24 hours from first to last event. Pure: no I/O, no clock (the caller passes `now`).
 */
import {
  EVENT_OVERHEAD_BYTES,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_BATCH_SPAN_MS,
  MAX_EVENT_AGE_MS,
  MAX_EVENT_BYTES,
  MAX_EVENT_FUTURE_MS,
} from './limits.ts';

/** Appended to a cut message so a reader sees it is not whole. */
export const TRUNCATION_MARKER = '…[truncated by otlp-relay]';

const encoder = new TextEncoder();

/** UTF-8 length of a string without encoding it into a new buffer. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export const MARKER_BYTES = utf8Bytes(TRUNCATION_MARKER);

/** The longest prefix of `text` that fits `maxBytes` of UTF-8, never splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  if (text.length * 3 <= maxBytes || utf8Bytes(text) <= maxBytes) return text;
  // encodeInto writes whole code points only, so `read` ends on a character boundary.
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

/** One log event for one (group, stream): what PutLogEvents takes, plus where it goes. */
export interface LogEvent {
  group: string;
  stream: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Non-empty and well-formed (no lone surrogates), so its UTF-8 length is exact. */
  message: string;
  /** Already cut to size by the event encoder (counted as truncated). */
  truncated?: boolean;
}

export interface InputLogEvent {
  timestamp: number;
  message: string;
}

export interface EventBatch {
  group: string;
  stream: string;
  events: InputLogEvent[];
  /** Bytes as PutLogEvents counts them: UTF-8 message bytes + 26 per event. */
  bytes: number;
}

export interface BatchPlan {
  batches: EventBatch[];
  /** Events cut to the event size limit (still sent). */
  truncated: number;
  /** Events dropped before sending: older than the accepted window. */
  tooOld: number;
  /** Events dropped before sending: further ahead than the accepted window. */
  tooNew: number;
}

export interface PlanOptions {
  /** The clock the window is measured from, in ms. */
  now: number;
  /** Largest event (message bytes + 26); default and maximum 1,048,576. */
  maxEventBytes?: number;
  /** How far back events are accepted: 14 days, or less when the group's retention is shorter. */
  maxAgeMs?: number;
}

/** A message cut so that its UTF-8 bytes + 26 fit `maxEventBytes`, with the marker at the end. */
export function truncateMessage(message: string, maxEventBytes: number): string {
  return cutUtf8(message, maxEventBytes - EVENT_OVERHEAD_BYTES - MARKER_BYTES) + TRUNCATION_MARKER;
}

/** Cuts oversized events, drops those outside the accepted window, and packs the rest into batches. */
export function planBatches(events: readonly LogEvent[], opts: PlanOptions): BatchPlan {
  const maxEventBytes = Math.min(opts.maxEventBytes ?? MAX_EVENT_BYTES, MAX_EVENT_BYTES);
  const oldest = opts.now - Math.min(opts.maxAgeMs ?? MAX_EVENT_AGE_MS, MAX_EVENT_AGE_MS);
  const newest = opts.now + MAX_EVENT_FUTURE_MS;
  const plan: BatchPlan = { batches: [], truncated: 0, tooOld: 0, tooNew: 0 };
  // Per group, then per stream, in order of first appearance (group names cannot hold every character stream names can).
  const streams = new Map<string, Map<string, Array<InputLogEvent & { size: number }>>>();
  let list: Array<InputLogEvent & { size: number }> | undefined;
  let lastGroup = '';
  let lastStream = '';
  for (const e of events) {
    if (e.timestamp < oldest) {
      plan.tooOld++;
      continue;
    }
    if (e.timestamp > newest) {
      plan.tooNew++;
      continue;
    }
    let message = e.message;
    let size = utf8Bytes(message) + EVENT_OVERHEAD_BYTES;
    if (size > maxEventBytes) {
      message = truncateMessage(message, maxEventBytes);
      size = utf8Bytes(message) + EVENT_OVERHEAD_BYTES;
      plan.truncated++;
    } else if (e.truncated) {
      plan.truncated++;
    }
    // Events of one resource come together with the same names: look the list up only when they change.
    if (list === undefined || e.group !== lastGroup || e.stream !== lastStream) {
      let byStream = streams.get(e.group);
      if (!byStream) streams.set(e.group, (byStream = new Map()));
      list = byStream.get(e.stream);
      if (!list) byStream.set(e.stream, (list = []));
      lastGroup = e.group;
      lastStream = e.stream;
    }
    list.push({ timestamp: e.timestamp, message, size });
  }
  for (const [group, byStream] of streams) {
    for (const [stream, queued] of byStream) {
      queued.sort((a, b) => a.timestamp - b.timestamp); // stable: equal timestamps keep their order
      let current: EventBatch | undefined;
      let first = 0;
      for (const e of queued) {
        if (
          current === undefined ||
          current.events.length >= MAX_BATCH_EVENTS ||
          current.bytes + e.size > MAX_BATCH_BYTES ||
          // Strictly under 24 h from the first event: the rule says "cannot span more than 24 hours"; equality is not risked.
          e.timestamp - first >= MAX_BATCH_SPAN_MS
        ) {
          current = { group, stream, events: [], bytes: 0 };
          first = e.timestamp;
          plan.batches.push(current);
        }
        current.events.push({ timestamp: e.timestamp, message: e.message });
        current.bytes += e.size;
      }
    }
  }
  return plan;
}
