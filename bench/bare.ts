/**
 * Reference (a): the least a Node server can do with the same requests. `http`: read the body,
 * gunzip it, discard it, answer 200. `grpc`: grpc-js with raw bytes, discard, answer an empty message.
 * Forked by bench/run.ts; reports its port over IPC.
 */
import * as grpc from '@grpc/grpc-js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { GRPC_EXPORT_PATH } from '../src/otlp/schema.ts';

const kind = process.argv[2] === 'grpc' ? 'grpc' : 'http';

async function startHttp(): Promise<number> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const source = req.headers['content-encoding'] === 'gzip' ? req.pipe(zlib.createGunzip()) : req;
    let bytes = 0;
    source.on('data', (c: Buffer) => (bytes += c.length));
    source.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
      res.end();
    });
    source.on('error', () => res.writeHead(400).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function startGrpc(): Promise<number> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const identity = (b: Buffer): Buffer => b;
  const empty = Buffer.alloc(0);
  for (const path of Object.values(GRPC_EXPORT_PATH)) {
    server.addService(
      { Export: { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      { Export: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, empty) },
    );
  }
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

const port = kind === 'grpc' ? await startGrpc() : await startHttp();
process.send?.({ kind: 'ready', port });
process.on('disconnect', () => process.exit(0));
