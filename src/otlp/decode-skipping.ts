/**
 * Decoding a queued batch so that one bad request cannot cost the others. The receiver's wire scan
 * checks structure, not UTF-8 (validating every string would double the receive cost), so a batch
 * can hold an entry whose strings the decoder refuses, as protobuf's proto3 rules require.
 */
import { decodeRequest } from './codec.ts';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest } from './types.ts';
import { scanRequest } from './wire.ts';

export interface Skipping<T> {
  request: T;
  /** Items of the resource entries left out because they could not be decoded. */
  skipped: number;
  /** The decoder's words for the first entry left out. */
  reason?: string;
}

/** The batch decoded whole; when that fails, entry by entry, leaving out (and counting) only the entries that fail. */
export function decodeSkipping(signal: 'traces', bytes: Uint8Array): Skipping<ExportTraceServiceRequest>;
export function decodeSkipping(signal: 'logs', bytes: Uint8Array): Skipping<ExportLogsServiceRequest>;
export function decodeSkipping(signal: 'traces' | 'logs', bytes: Uint8Array): Skipping<ExportTraceServiceRequest | ExportLogsServiceRequest> {
  try {
    return { request: decodeRequest(signal, bytes), skipped: 0 };
  } catch (whole) {
    // A request's only field is its repeated resource entries, so the decoded entries simply concatenate.
    const spans: ExportTraceServiceRequest['resourceSpans'] = [];
    const logs: ExportLogsServiceRequest['resourceLogs'] = [];
    let skipped = 0;
    let reason: string | undefined;
    for (const r of scanRequest(signal, bytes).resources) {
      const entry = bytes.subarray(r.start, r.end);
      try {
        if (signal === 'traces') spans.push(...decodeRequest('traces', entry).resourceSpans);
        else logs.push(...decodeRequest('logs', entry).resourceLogs);
      } catch (err) {
        skipped += r.items;
        reason ??= (err as Error).message;
      }
    }
    if (skipped === 0) throw whole; // no entry is at fault alone: not a bad string, so not ours to skip
    const request = signal === 'traces' ? { resourceSpans: spans } : { resourceLogs: logs };
    return reason === undefined ? { request, skipped } : { request, skipped, reason };
  }
}
