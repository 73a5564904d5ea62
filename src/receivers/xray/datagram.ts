/**
 * One X-Ray daemon datagram: a header line `{"format": "json", "version": 1}`, a newline, and one
 * segment (or independent subsegment) document. Pure; the document bytes are kept as sent.
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon
 */

/**
 * The daemon reads each datagram into a 64 KB buffer (aws-xray-daemon `Socket.BufferSizeKB: 64`,
 * https://github.com/aws/aws-xray-daemon/blob/master/pkg/cfg/cfg.go), which also bounds the document
 * below X-Ray's own 64 kB (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html).
 */
export const MAX_DATAGRAM_BYTES = 64 * 1024;

/** The header is a few dozen bytes; anything much longer before the first newline is not one. */
const MAX_HEADER_BYTES = 256;

const NEWLINE = 0x0a;

export type Datagram =
  | { kind: 'segment'; body: Buffer; doc: Record<string, unknown> }
  /** No header line, or one that is not `{"format": "json", "version": 1}` (the daemon refuses these too). */
  | { kind: 'bad_header'; reason: string }
  | { kind: 'too_large'; reason: string }
  /** The document is not a JSON object (truncated, or not JSON). */
  | { kind: 'invalid'; reason: string };

export interface ReadOptions {
  /** false: do not parse the document (nobody will read it); `doc` is then empty. */
  parse?: boolean;
  /** Default MAX_DATAGRAM_BYTES. */
  maxBytes?: number;
}

/** Splits and checks a datagram. */
export function readDatagram(msg: Buffer, opts: ReadOptions = {}): Datagram {
  const maxBytes = opts.maxBytes ?? MAX_DATAGRAM_BYTES;
  if (msg.byteLength > maxBytes) return { kind: 'too_large', reason: `the datagram is ${msg.byteLength} bytes; the limit is ${maxBytes}` };
  const nl = msg.subarray(0, MAX_HEADER_BYTES + 1).indexOf(NEWLINE);
  if (nl === -1) return { kind: 'bad_header', reason: 'no header line: expected {"format": "json", "version": 1} and a newline before the segment' };
  const header = headerProblem(msg.toString('utf8', 0, nl));
  if (header) return { kind: 'bad_header', reason: header };
  const body = msg.subarray(nl + 1);
  if (body.byteLength === 0 || isBlank(body)) return { kind: 'invalid', reason: 'the header is followed by no segment document' };
  if (opts.parse === false) return { kind: 'segment', body, doc: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { kind: 'invalid', reason: `the segment document is not valid JSON (${(err as Error).message})` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { kind: 'invalid', reason: 'the segment document is not a JSON object' };
  return { kind: 'segment', body, doc: doc as Record<string, unknown> };
}

/** Why a header line is not `{"format": "json", "version": 1}` (whitespace free, as the daemon parses it as JSON), or undefined. */
function headerProblem(text: string): string | undefined {
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    return `the header line ${shown} is not JSON: expected {"format": "json", "version": 1}`;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return `the header line ${shown} is not a JSON object: expected {"format": "json", "version": 1}`;
  const { format, version } = header as Record<string, unknown>;
  if (format !== 'json' || version !== 1) return `unsupported header ${shown}: expected {"format": "json", "version": 1}`;
  return undefined;
}

function isBlank(b: Buffer): boolean {
  for (const c of b) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  return true;
}
