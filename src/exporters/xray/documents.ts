/**
 * Segment documents carried as they were received (the X-Ray daemon drop-in): each one framed as a
 * 4-byte big-endian length and its bytes, so queued payloads concatenate into a valid batch the way
 * OTLP payloads do, and the exporter sends every document byte for byte.
 */
import type { TranslatedDocument } from './translate.ts';

const LENGTH_BYTES = 4;

/** One document's bytes, framed for the queue (a copy: the caller's buffer may be reused). */
export function frameDocument(json: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + json.byteLength);
  out.writeUInt32BE(json.byteLength, 0);
  out.set(json, LENGTH_BYTES);
  return out;
}

/** The documents of a batch of frames, with the ids X-Ray echoes in UnprocessedTraceSegments; throws on a broken frame. */
export function unframeDocuments(bytes: Uint8Array): TranslatedDocument[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TranslatedDocument[] = [];
  let pos = 0;
  while (pos < buf.byteLength) {
    if (pos + LENGTH_BYTES > buf.byteLength) throw new Error(`broken document frame at byte ${pos}`);
    const len = buf.readUInt32BE(pos);
    const start = pos + LENGTH_BYTES;
    if (start + len > buf.byteLength) throw new Error(`broken document frame at byte ${pos}: ${len} bytes announced, ${buf.byteLength - start} left`);
    const json = buf.toString('utf8', start, start + len);
    out.push({ ...idsOf(json), json });
    pos = start + len;
  }
  return out;
}

/** `id` and `trace_id` of a document, or "" (X-Ray then answers for it without an id). */
function idsOf(json: string): { id: string; traceId: string } {
  try {
    const doc = JSON.parse(json) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
      const { id, trace_id: traceId } = doc as Record<string, unknown>;
      return { id: typeof id === 'string' ? id : '', traceId: typeof traceId === 'string' ? traceId : '' };
    }
  } catch {
    // the receiver only queues JSON objects; a broken one still goes out and X-Ray says why
  }
  return { id: '', traceId: '' };
}
