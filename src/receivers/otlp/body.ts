import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';

/** A body that cannot be taken, with the HTTP status that says why. */
export class BodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const SUPPORTED_ENCODINGS = ['gzip', 'deflate', 'zstd', 'identity'] as const;

const DECOMPRESSED = new Set(['gzip', 'x-gzip', 'deflate', 'zstd']);

/** A request body read whole. */
export interface Body {
  /** The request's bytes, decompressed. */
  bytes: Buffer;
  /** The body exactly as the client sent it, when that was gzip of `bytes` (exporters that send gzip pass it on unchanged). */
  gzip?: Buffer;
}

/**
 * Below this decompressed size the body is inflated on the main thread in one call: a libuv pool round
 * trip costs more than inflating an OTLP request of a few hundred KB (measured in docs/PERFORMANCE.md).
 */
const SYNC_INFLATE_BYTES = 1024 * 1024;
/** deflate's largest possible compression ratio (https://www.zlib.net/zlib_tech.html): no honest body inflates more. */
const MAX_RATIO = 1032;

/**
 * Reads a request body, then decompresses it in one call into one buffer sized for the result, with
 * `limit` applied to the *decompressed* size: a gzip bomb stops at `limit` bytes of output. Streaming
 * through zlib's 16 KiB chunks cost a pool round trip and a Buffer per chunk, about 2x the CPU of the
 * inflate itself, and the garbage drove the V8 GC (docs/PERFORMANCE.md).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? NaN);
  return new Promise<Body>((resolve, reject) => {
    let settled = false;
    const fail = (err: BodyError) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const compressed = encoding !== 'identity' && encoding !== '';
    if (compressed && !DECOMPRESSED.has(encoding)) {
      fail(new BodyError(415, `unsupported Content-Encoding "${encoding}": send gzip, deflate, zstd or none`));
      return;
    }
    if (Number.isFinite(declared) && declared > limit) {
      fail(new BodyError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      // A compressed body this large inflates past the limit too (compression never shrinks data by nothing).
      if (size > limit) {
        fail(new BodyError(413, `request body is over the limit of ${limit} bytes${compressed ? ' after decompression' : ''}`));
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      if (!compressed) {
        settled = true;
        resolve({ bytes: raw });
        return;
      }
      decompress(encoding, raw, limit).then(
        (bytes) => {
          if (settled) return;
          settled = true;
          resolve(encoding === 'gzip' || encoding === 'x-gzip' ? { bytes, gzip: raw } : { bytes });
        },
        (err: BodyError) => fail(err),
      );
    });
    req.on('error', (err: Error) => fail(new BodyError(400, `the request was cut off: ${err.message}`)));
    req.on('aborted', () => fail(new BodyError(400, 'the client aborted the request')));
  });
}

/** The decompressed size a body announces: gzip's ISIZE trailer (RFC 1952 §2.3.1), bounded by what is possible. */
function expectedSize(encoding: string, raw: Buffer, limit: number): number {
  const possible = Math.min(limit, raw.length * MAX_RATIO);
  // ISIZE is the last member's size mod 2^32, so only a hint: a wrong one costs a resize, never a wrong result.
  const hint = (encoding === 'gzip' || encoding === 'x-gzip') && raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : raw.length * 8;
  return Math.max(64, Math.min(possible, hint));
}

function decompress(encoding: string, raw: Buffer, limit: number): Promise<Buffer> {
  const expected = expectedSize(encoding, raw, limit);
  // One output chunk for the whole result (+1 so a body of exactly `expected` bytes needs no second chunk).
  const opts: zlib.ZlibOptions & zlib.ZstdOptions = { maxOutputLength: limit, chunkSize: Math.max(16 * 1024, expected + 1) };
  const explain = (err: Error & { code?: string }): BodyError =>
    err.code === 'ERR_BUFFER_TOO_LARGE'
      ? new BodyError(413, `request body is over the limit of ${limit} bytes after decompression`)
      : new BodyError(400, `could not decompress the ${encoding} body: ${err.message}`);
  if (expected <= SYNC_INFLATE_BYTES) {
    try {
      return Promise.resolve(inflateSync(encoding, raw, opts));
    } catch (err) {
      return Promise.reject(explain(err as Error));
    }
  }
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err ? reject(explain(err)) : resolve(out));
    if (encoding === 'deflate') zlib.inflate(raw, opts, done);
    else if (encoding === 'zstd') zlib.zstdDecompress(raw, opts, done);
    else zlib.gunzip(raw, opts, done);
  });
}

function inflateSync(encoding: string, raw: Buffer, opts: zlib.ZlibOptions & zlib.ZstdOptions): Buffer {
  if (encoding === 'deflate') return zlib.inflateSync(raw, opts);
  if (encoding === 'zstd') return zlib.zstdDecompressSync(raw, opts);
  return zlib.gunzipSync(raw, opts);
}
