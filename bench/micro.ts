/**
 * The pieces of the hot path, one at a time, on the bench payloads: CPU per span, all threads of this
 * process (zlib work on the libuv pool counts), one request at a time.
 * `node bench/micro.ts [seconds per line]`. docs/PERFORMANCE.md quotes it.
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { decodeRequest } from '../src/otlp/codec.ts';
import { decodeLogs, decodeTraces } from '../src/otlp/decode.ts';
import { requestType } from '../src/otlp/schema.ts';
import { scanRequest } from '../src/otlp/wire.ts';
import { buildPayloads, ITEMS_PER_REQUEST, type BenchPayload } from './payloads.ts';

const seconds = Number(process.argv[2] ?? 1.5);
const payloads = buildPayloads({ traces: 8, logs: 0, nowMs: Date.now() });
const logPayloads = buildPayloads({ traces: 0, logs: 8, nowMs: Date.now() });
/** protobufjs toObject options of the decoded shape (types.ts), as codec.ts used them for every signal. */
const DECODED_SHAPE = { longs: BigInt, defaults: true, arrays: true };
const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);
const zstd = promisify(zlib.zstdCompress);

/** The relay's streaming path: the body arrives in socket-sized pieces and is piped through a Gunzip. */
function streamGunzip(p: BenchPayload, chunkSize?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pieces = [p.gzip.subarray(0, 16384), p.gzip.subarray(16384, 32768), p.gzip.subarray(32768)];
    const inflate = zlib.createGunzip(chunkSize === undefined ? {} : { chunkSize });
    const chunks: Buffer[] = [];
    let size = 0;
    Readable.from(pieces).pipe(inflate);
    inflate.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    });
    inflate.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    inflate.on('error', reject);
  });
}

async function measure(name: string, each: (p: BenchPayload) => unknown, perBatch = 1, from: BenchPayload[] = payloads): Promise<void> {
  for (let i = 0; i < 20; i++) await each(from[i % from.length]!);
  const cpu0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) await each(from[n++ % from.length]!);
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / n / (ITEMS_PER_REQUEST * perBatch);
  process.stdout.write(`${name.padEnd(62)} ${us.toFixed(2).padStart(6)} µs/span\n`);
}

const batch = Buffer.concat(payloads.map((p) => p.raw)); // 8 requests, 4,000 spans, as the runner hands a batch over
const n = batch.length;
process.stdout.write(`payload: ${ITEMS_PER_REQUEST} spans, ${payloads[0]!.raw.length} bytes, ${payloads[0]!.gzip.length} gzipped; batch of ${payloads.length} requests = ${n} bytes\n\n`);
await measure('gunzip, streaming, zlib default 16 KiB chunks', (p) => streamGunzip(p));
await measure('gunzip, streaming, 256 KiB chunks (body.ts now)', (p) => streamGunzip(p, 256 * 1024));
await measure('gunzip, one call, async, output sized from ISIZE', (p) => gunzip(p.gzip, { chunkSize: p.gzip.readUInt32LE(p.gzip.length - 4) + 64 }));
await measure('gunzip, one call, sync, output sized from ISIZE', (p) => zlib.gunzipSync(p.gzip, { chunkSize: p.gzip.readUInt32LE(p.gzip.length - 4) + 64 }));
await measure('scanRequest (wire.ts): validate and count', (p) => scanRequest('traces', p.raw));
await measure('protobufjs decode (reference b)', (p) => requestType('traces').decode(p.raw));
await measure('protobufjs decode + toObject (decodeRequest before decode.ts)', (p) => requestType('traces').toObject(requestType('traces').decode(p.raw), DECODED_SHAPE));
await measure('decode.ts decodeTraces (no scan)', (p) => decodeTraces(p.raw));
await measure('decodeRequest (codec.ts): scan + decode.ts', (p) => decodeRequest('traces', p.raw));
await measure('logs: protobufjs decode + toObject', (p) => requestType('logs').toObject(requestType('logs').decode(p.raw), DECODED_SHAPE), 1, logPayloads);
await measure('logs: decode.ts decodeLogs (no scan)', (p) => decodeLogs(p.raw), 1, logPayloads);
await measure('logs: decodeRequest (codec.ts): scan + decode.ts', (p) => decodeRequest('logs', p.raw), 1, logPayloads);
await measure('gzip level 1 of a 4,000-span batch, async, 16 KiB chunks', () => gzip(batch, { level: 1 }), payloads.length);
await measure('gzip level 1 of a 4,000-span batch, async, sized output (now)', () => gzip(batch, { level: 1, chunkSize: Math.ceil(n / 4) }), payloads.length);
await measure('zstd level 1 of a 4,000-span batch, async, sized output', () => zstd(batch, { chunkSize: Math.ceil(n / 4), params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } }), payloads.length);
