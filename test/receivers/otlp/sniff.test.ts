import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { GrpcFrontDoor } from '../../../src/receivers/otlp/sniff.ts';

/** Sends bytes to the door and resolves with what came back when the door closes the connection. */
function exchange(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
  });
}

test('the gRPC front door: HTTP/2 handed over with its first bytes intact; HTTP/1 answered; TLS and garbage named or closed', async () => {
  const seen: string[] = [];
  const handed: net.Socket[] = [];
  const door = new GrpcFrontDoor({
    http2: (socket) => {
      handed.push(socket);
      socket.once('data', (d: Buffer) => {
        seen.push(`h2:${d.toString('latin1').slice(0, 14)}`);
        socket.end();
      });
      socket.resume();
    },
    http1: (method, path, ua) => seen.push(`h1:${method} ${path} ${ua}`),
    tls: () => seen.push('tls'),
  });
  const port = await door.listen('127.0.0.1', 0);
  try {
    const h1 = await exchange(port, 'GET /v1/traces HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8\r\n\r\n');
    assert.match(h1, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*OTLP\/HTTP port \(4318 by default\)/);
    await exchange(port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    await exchange(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    assert.equal(await exchange(port, 'SSH-2.0-OpenSSH\r\n'), '');
    assert.deepEqual(seen, ['h1:GET /v1/traces curl/8', 'h2:PRI * HTTP/2.0', 'tls']);
    assert.equal(handed.length, 1);
  } finally {
    await door.close();
  }
});
