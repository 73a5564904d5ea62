/**
 * The disk queue's on-disk formats, pure (no I/O): data records in segment files and entries in the
 * acknowledgement log. Checksums are CRC-32 (ISO-HDLC, the zlib/PNG polynomial) from node:zlib's
 * native `crc32`: CRC-32C has no native implementation in Node and a JS one would cost more per
 * byte than the rest of the append path.
 *
 * Data record (little-endian), header 32 bytes then the payload:
 *   0  "ORW1"            magic: lets recovery find the next record after damage
 *   4  u32 headerCrc     crc32 of bytes 8..32: the length can be trusted before the payload is read
 *   8  u32 length        payload bytes
 *  12  u8  signal        0 traces, 1 logs, 2 metrics
 *  13  u8, u16           reserved (0)
 *  16  u32 items         spans / log records / data points in the payload
 *  20  u32, u32          sequence number (low, high): unique and increasing per queue
 *  28  u32 recordCrc     crc32 of bytes 8..28 followed by the payload (length, signal, items, seq, payload)
 *
 * Ack entry, 16 bytes: "ORA1", u32 crc32 of bytes 8..16, u32 seq low, u32 seq high.
 */
import { crc32 } from 'node:zlib';
import type { Signal } from '../../otlp/signal.ts';

export const RECORD_HEADER_BYTES = 32;
export const ACK_ENTRY_BYTES = 16;
const RECORD_MAGIC = Buffer.from('ORW1', 'latin1');
const ACK_MAGIC = Buffer.from('ORA1', 'latin1');
const SIGNAL_CODE: Readonly<Record<Signal, number>> = { traces: 0, logs: 1, metrics: 2 };
const CODE_SIGNAL: readonly Signal[] = ['traces', 'logs', 'metrics'];
const TWO_32 = 2 ** 32;

export interface RecordMeta {
  seq: number;
  signal: Signal;
  items: number;
  /** Payload bytes. */
  length: number;
}

/** A record found in a segment: where its header starts. */
export interface FoundRecord extends RecordMeta {
  offset: number;
}

/** A stretch of a segment that holds no intact record. `torn_tail`: it runs to the end of the file (a write cut short). */
export interface Damage {
  kind: 'corrupt' | 'torn_tail';
  offset: number;
  bytes: number;
}

/** The 32-byte header for `payload`. */
export function encodeHeader(meta: Omit<RecordMeta, 'length'>, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(RECORD_HEADER_BYTES);
  RECORD_MAGIC.copy(h, 0);
  h.writeUInt32LE(payload.byteLength, 8);
  h.writeUInt8(SIGNAL_CODE[meta.signal], 12);
  h.writeUInt32LE(meta.items, 16);
  h.writeUInt32LE(meta.seq % TWO_32, 20);
  h.writeUInt32LE(Math.floor(meta.seq / TWO_32), 24);
  h.writeUInt32LE(crc32(payload, crc32(h.subarray(8, 28))), 28);
  h.writeUInt32LE(crc32(h.subarray(8, 32)), 4);
  return h;
}

/** The header at `offset` if its magic and checksum hold (its length may still run past the buffer). */
export function readHeader(buf: Uint8Array, offset: number): RecordMeta | undefined {
  if (offset + RECORD_HEADER_BYTES > buf.byteLength) return undefined;
  const b = Buffer.from(buf.buffer, buf.byteOffset + offset, RECORD_HEADER_BYTES);
  if (!b.subarray(0, 4).equals(RECORD_MAGIC)) return undefined;
  if (crc32(b.subarray(8, 32)) !== b.readUInt32LE(4)) return undefined;
  const signal = CODE_SIGNAL[b.readUInt8(12)];
  if (signal === undefined) return undefined;
  return { length: b.readUInt32LE(8), signal, items: b.readUInt32LE(16), seq: b.readUInt32LE(20) + b.readUInt32LE(24) * TWO_32 };
}

/** Whether the payload following a valid header matches the record checksum. */
export function payloadIntact(buf: Uint8Array, offset: number, meta: RecordMeta): boolean {
  const end = offset + RECORD_HEADER_BYTES + meta.length;
  if (end > buf.byteLength) return false;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return crc32(b.subarray(offset + RECORD_HEADER_BYTES, end), crc32(b.subarray(offset + 8, offset + 28))) === b.readUInt32LE(offset + 28);
}

/**
 * Walks a whole segment file: every intact record, and every damaged stretch between them. A record
 * whose header holds but whose payload does not is skipped by its (checksummed) length; a damaged
 * header is skipped by searching for the next magic whose header checksum holds. So one bad record
 * never costs the records after it.
 */
export function scanSegment(buf: Uint8Array): { records: FoundRecord[]; damage: Damage[] } {
  const records: FoundRecord[] = [];
  const damage: Damage[] = [];
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const damaged = (from: number, to: number) => damage.push({ kind: to >= b.byteLength ? 'torn_tail' : 'corrupt', offset: from, bytes: to - from });
  while (pos < b.byteLength) {
    const meta = readHeader(b, pos);
    if (meta !== undefined) {
      const end = pos + RECORD_HEADER_BYTES + meta.length;
      if (end > b.byteLength) {
        const next = nextHeader(b, pos + 1); // usually none: the last write was cut short
        damaged(pos, next);
        pos = next;
        continue;
      }
      if (payloadIntact(b, pos, meta)) records.push({ ...meta, offset: pos });
      else damaged(pos, end);
      pos = end;
      continue;
    }
    const next = nextHeader(b, pos + 1);
    damaged(pos, next);
    pos = next;
  }
  return { records, damage };
}

/** The offset of the next valid header at or after `from`, or the buffer's length. */
function nextHeader(b: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const i = b.indexOf(RECORD_MAGIC, at);
    if (i === -1) return b.byteLength;
    if (readHeader(b, i) !== undefined) return i;
    at = i + 1;
  }
}

export function encodeAck(seq: number): Buffer {
  const e = Buffer.alloc(ACK_ENTRY_BYTES);
  ACK_MAGIC.copy(e, 0);
  e.writeUInt32LE(seq % TWO_32, 8);
  e.writeUInt32LE(Math.floor(seq / TWO_32), 12);
  e.writeUInt32LE(crc32(e.subarray(8, 16)), 4);
  return e;
}

/** Every intact entry of an ack log; damaged or partial slots are counted and skipped (a lost ack only means a duplicate). */
export function scanAcks(buf: Uint8Array): { seqs: number[]; damaged: number } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const seqs: number[] = [];
  let damaged = 0;
  for (let pos = 0; pos < b.byteLength; pos += ACK_ENTRY_BYTES) {
    if (pos + ACK_ENTRY_BYTES > b.byteLength || !b.subarray(pos, pos + 4).equals(ACK_MAGIC) || crc32(b.subarray(pos + 8, pos + 16)) !== b.readUInt32LE(pos + 4)) {
      damaged++;
      continue;
    }
    seqs.push(b.readUInt32LE(pos + 8) + b.readUInt32LE(pos + 12) * TWO_32);
  }
  return { seqs, damaged };
}
