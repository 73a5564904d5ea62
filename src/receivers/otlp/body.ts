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

/**
 * Output chunks sized for the whole body (OTLP compresses ~7x; 8x the declared length, 16 KiB to 1 MiB):
 * zlib's default 16 KiB chunks cost a libuv pool round trip and a Buffer each, measured at 2x the CPU of
 * the inflate itself for 500-span requests (docs/PERFORMANCE.md).
 */
function decompressor(encoding: string, declared: number): zlib.Gunzip | zlib.Inflate | zlib.ZstdDecompress | undefined {
  const chunkSize = Number.isFinite(declared) ? Math.min(1024 * 1024, Math.max(16 * 1024, declared * 8)) : 64 * 1024;
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip({ chunkSize });
    case 'deflate':
      return zlib.createInflate({ chunkSize });
    case 'zstd':
      return zlib.createZstdDecompress({ chunkSize });
    default:
      return undefined;
  }
}

/**
 * Reads a request body, decompressing as it streams, and stops at `limit` bytes of *decompressed*
 * data: a gzip bomb is cut off after `limit` bytes instead of being inflated whole.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? NaN);
  return new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    const fail = (err: BodyError) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    if (encoding !== 'identity' && encoding !== '' && !DECOMPRESSED.has(encoding)) {
      fail(new BodyError(415, `unsupported Content-Encoding "${encoding}": send gzip, deflate, zstd or none`));
      return;
    }
    if (Number.isFinite(declared) && declared > limit) {
      fail(new BodyError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`));
      return;
    }
    const inflate = encoding === 'identity' || encoding === '' ? undefined : decompressor(encoding, declared);
    const source: NodeJS.ReadableStream = inflate ? req.pipe(inflate) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => {
      fail(new BodyError(413, `request body is over the limit of ${limit} bytes${inflate ? ' after decompression' : ''}`));
      if (inflate) {
        req.unpipe(inflate);
        inflate.destroy();
      }
      req.pause();
    };
    source.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) return tooLarge();
      chunks.push(chunk);
    });
    source.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    source.on('error', (err: Error) => fail(new BodyError(400, `could not decompress the ${encoding} body: ${err.message}`)));
    if (inflate) req.on('error', (err: Error) => fail(new BodyError(400, `the request was cut off: ${err.message}`)));
    req.on('aborted', () => fail(new BodyError(400, 'the client aborted the request')));
  });
}
