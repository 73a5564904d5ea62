import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../log.ts';
import { OnceLogger } from '../../log.ts';
import { encodeResponse, encodeStatus } from '../../otlp/codec.ts';
import type { Signal } from '../../otlp/signal.ts';
import type { ExportHandler } from './handler.ts';
import { parseHostPort } from './endpoint.ts';
import { GrpcFrontDoor } from './sniff.ts';

export interface GrpcReceiverSettings {
  endpoint: string;
  maxRecvMsgBytes: number;
}

// https://github.com/open-telemetry/opentelemetry-proto/tree/main/opentelemetry/proto/collector
const SERVICES: Array<{ signal: Signal; path: string }> = [
  { signal: 'traces', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export' },
  { signal: 'logs', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
  { signal: 'metrics', path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' },
];

const identity = (b: Buffer): Buffer => b;

/** OTLP/gRPC receiver: the three Export services, taking raw bytes so the shared handler scans them once. */
export class OtlpGrpcReceiver {
  readonly #s: GrpcReceiverSettings;
  readonly #handler: ExportHandler;
  readonly #log: Logger;
  readonly #once: OnceLogger;
  #server: grpc.Server | undefined;
  #door: GrpcFrontDoor | undefined;
  #port = 0;

  constructor(s: GrpcReceiverSettings, handler: ExportHandler, log: Logger) {
    this.#s = s;
    this.#handler = handler;
    this.#log = log.child({ receiver: 'otlp/grpc' });
    this.#once = new OnceLogger(this.#log);
  }

  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.#s.maxRecvMsgBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    for (const { signal, path } of SERVICES) {
      const definition: grpc.ServiceDefinition = {
        Export: {
          path,
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      };
      server.addService(definition, { Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => void this.#export(signal, call, cb) });
    }
    const { host, port } = parseHostPort(this.#s.endpoint);
    // The port is a plain TCP listener that sniffs each connection, so HTTP/1 clients get told what is wrong.
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const door = new GrpcFrontDoor({
      http2: (socket) => injector.injectConnection(socket),
      http1: (method, path, userAgent) =>
        this.#once.warn(
          'http1-on-grpc',
          { method, path, userAgent },
          `an HTTP/1 client sent ${method} ${path} to the OTLP/gRPC port ${this.#port}: it needs HTTP/2. Use the OTLP/HTTP port (4318) for OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf or http/json, or set the protocol to grpc (said once)`,
        ),
      tls: () => this.#once.warn('tls-on-grpc', {}, `a TLS client connected to the OTLP/gRPC port ${this.#port}, which is plaintext: use an http:// endpoint or OTEL_EXPORTER_OTLP_INSECURE=true (said once)`),
    });
    try {
      this.#port = await door.listen(host, port);
    } catch (err) {
      injector.destroy();
      throw err;
    }
    this.#door = door;
    this.#server = server;
    this.#log.info({ endpoint: `${host}:${this.#port}` }, 'OTLP/gRPC receiver listening');
  }

  async shutdown(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await this.#door?.close();
    this.#door = undefined;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.forceShutdown(), 5000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  async #export(signal: Signal, call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): Promise<void> {
    let result;
    try {
      result = await this.#handler.accept(signal, call.request, 'protobuf', 'otlp/grpc');
    } catch (err) {
      this.#log.error({ err }, 'internal error while handling an export request');
      cb({ code: grpc.status.INTERNAL, details: 'internal error in the relay' });
      return;
    }
    switch (result.kind) {
      case 'ok':
        cb(null, Buffer.from(encodeResponse(signal, result.partial, 'protobuf') as Uint8Array));
        return;
      case 'invalid': {
        const peer = call.getPeer().replace(/:\d+$/, '');
        this.#once.warn(`invalid:${peer}`, { peer, signal }, `refused an invalid ${signal} request (said once per client): ${result.message}`);
        cb({ code: grpc.status.INVALID_ARGUMENT, details: result.message });
        return;
      }
      case 'unavailable': {
        // "Retry later" is UNAVAILABLE + RetryInfo in grpc-status-details-bin (OTLP spec, failures).
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', Buffer.from(encodeStatus(grpc.status.UNAVAILABLE, result.message, 'protobuf', result.retryAfterMs) as Uint8Array));
        cb({ code: grpc.status.UNAVAILABLE, details: result.message, metadata });
        return;
      }
    }
  }
}
