import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { BodyError, readBody } from '../../../src/receivers/otlp/body.ts';

/** A request stand-in: the body in pieces, and the headers readBody looks at. */
function req(body: Buffer, headers: Record<string, string>, piece = 16 * 1024): IncomingMessage {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += piece) pieces.push(body.subarray(at, at + piece));
  const r = Readable.from(pieces) as unknown as IncomingMessage;
  r.headers = { 'content-length': String(body.length), ...headers };
  return r;
}

/** Compressible but not trivially: what an OTLP request looks like to zlib. */
function payload(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 7 + (i >> 9)) % 61;
  return b;
}

async function refused(p: Promise<unknown>): Promise<BodyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BodyError);
    return err;
  }
  assert.fail('the body was taken');
}

test('an identity body is returned as sent, with no gzip', async () => {
  const b = payload(5000);
  const got = await readBody(req(b, {}), 1 << 20);
  assert.deepEqual(got.bytes, b);
  assert.equal(got.gzip, undefined);
});

test('a small gzip body is inflated (on the main thread) and its gzip kept byte for byte', async () => {
  const b = payload(300 * 1024);
  const gz = zlib.gzipSync(b, { level: 9 });
  const got = await readBody(req(gz, { 'content-encoding': 'gzip' }), 20 << 20);
  assert.ok(got.bytes.equals(b));
  assert.ok(got.gzip?.equals(gz), 'the sender\'s gzip, unchanged');
});

test('a body over the synchronous size is inflated on the pool, same result', async () => {
  const b = payload(3 * 1024 * 1024);
  const gz = zlib.gzipSync(b);
  const got = await readBody(req(gz, { 'content-encoding': 'gzip' }), 20 << 20);
  assert.ok(got.bytes.equals(b));
  assert.ok(got.gzip?.equals(gz));
});

test('concatenated gzip members are one body; a trailer that lies about the size still gives the right bytes', async () => {
  const a = payload(40_000);
  const c = payload(70_000).reverse();
  const two = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(c)]);
  const got = await readBody(req(two, { 'content-encoding': 'gzip' }), 1 << 20);
  assert.ok(got.bytes.equals(Buffer.concat([a, c])), 'ISIZE names only the last member: a hint, not a size');
});

test('deflate and zstd are inflated; only gzip is kept for pass-through', async () => {
  const b = payload(100_000);
  for (const [encoding, compressed] of [
    ['deflate', zlib.deflateSync(b)],
    ['zstd', zlib.zstdCompressSync(b)],
  ] as const) {
    const got = await readBody(req(compressed, { 'content-encoding': encoding }), 1 << 20);
    assert.ok(got.bytes.equals(b), encoding);
    assert.equal(got.gzip, undefined, encoding);
  }
});

test('the limit applies to the inflated size, on both paths, and a bomb is stopped there', async () => {
  const b = payload(600_000);
  const small = await refused(readBody(req(zlib.gzipSync(b), { 'content-encoding': 'gzip' }), 500_000));
  assert.equal(small.status, 413);
  assert.equal(small.message, 'request body is over the limit of 500000 bytes after decompression');
  const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: 64 }, () => member)); // 64 MiB inflated from ~64 KB
  const big = await refused(readBody(req(bomb, { 'content-encoding': 'gzip' }), 4 << 20));
  assert.equal(big.status, 413);
  const exact = await readBody(req(zlib.gzipSync(b), { 'content-encoding': 'gzip' }), b.length);
  assert.equal(exact.bytes.length, b.length, 'a body exactly at the limit is taken');
});

test('trailing garbage, a truncated stream and a wrong checksum are refused with 400', async () => {
  const gz = zlib.gzipSync(payload(20_000));
  const bad = [Buffer.concat([gz, Buffer.from('junk')]), gz.subarray(0, gz.length - 5), Buffer.from(gz)];
  bad[2]!.writeUInt32LE(12345, gz.length - 8); // CRC-32
  for (const body of bad) {
    const err = await refused(readBody(req(body, { 'content-encoding': 'gzip' }), 1 << 20));
    assert.equal(err.status, 400);
    assert.match(err.message, /^could not decompress the gzip body: /);
  }
});

test('a compressed body larger than the limit is refused while it is read', async () => {
  const noise = zlib.gzipSync(Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24)), { level: 0 });
  const r = req(noise, { 'content-encoding': 'gzip' });
  delete r.headers['content-length'];
  const err = await refused(readBody(r, 100_000));
  assert.equal(err.status, 413);
});
