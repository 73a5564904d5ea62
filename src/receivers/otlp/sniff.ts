/**
 * A front door for the gRPC port: grpc-js cannot say that a client spoke HTTP/1 to it (the HTTP/2
 * session just fails), so this listener reads the first bytes of each connection, hands HTTP/2
 * connections to the gRPC server untouched (the bytes read are put back first), and answers HTTP/1
 * requests with a 400 that says which port and protocol to use.
 */
import net from 'node:net';

const PREFACE = 'PRI * HTTP/2.0';
const HTTP1 = /^(GET|POST|PUT|HEAD|OPTIONS|DELETE|PATCH) (\S+) HTTP\/1\.[01]/;
const SNIFF_TIMEOUT_MS = 10_000; // a connection that sends nothing is closed, like a read-header timeout

export interface FrontDoorHandlers {
  /** An HTTP/2 (gRPC) connection, first bytes restored: hand it to the gRPC server. */
  http2(socket: net.Socket): void;
  /** An HTTP/1 request: method and path, for the log line. */
  http1(method: string, path: string, userAgent: string): void;
  /** A TLS handshake on this plaintext port. */
  tls(): void;
}

export class GrpcFrontDoor {
  readonly #server: net.Server;
  readonly #sniffing = new Set<net.Socket>();

  constructor(handlers: FrontDoorHandlers) {
    this.#server = net.createServer((socket) => {
      this.#sniffing.add(socket);
      socket.once('close', () => this.#sniffing.delete(socket));
      socket.setTimeout(SNIFF_TIMEOUT_MS, () => socket.destroy());
      socket.once('error', () => socket.destroy());
      socket.once('data', (first: Buffer) => {
        this.#sniffing.delete(socket);
        socket.pause();
        socket.setTimeout(0);
        socket.removeAllListeners('error');
        const head = first.subarray(0, 2048).toString('latin1');
        const m = HTTP1.exec(head);
        if (m) {
          const ua = /\r\nuser-agent:\s*([^\r\n]*)/i.exec(head)?.[1] ?? '';
          handlers.http1(m[1]!, m[2]!, ua);
          const body = 'This is the OTLP/gRPC port: it speaks HTTP/2 only. For OTLP over HTTP (http/protobuf or http/json) use the OTLP/HTTP port (4318 by default); for gRPC set OTEL_EXPORTER_OTLP_PROTOCOL=grpc.\n';
          socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
          return;
        }
        if (first[0] === 0x16 && first[1] === 0x03) {
          handlers.tls(); // a TLS ClientHello: record type handshake, version 3.x
          socket.destroy();
          return;
        }
        if (!PREFACE.startsWith(head.slice(0, PREFACE.length))) {
          socket.destroy(); // neither HTTP/1 nor HTTP/2 (a port scan, a health probe): nothing to say
          return;
        }
        socket.unshift(first);
        handlers.http2(socket);
      });
    });
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting; connections already handed to the gRPC server are closed by it. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sniffing) s.destroy();
    });
  }
}
