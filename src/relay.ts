import type { ResolvedConfig } from './config/types.ts';
import { createClient } from './exporters/registry.ts';
import { createLogger, registerSecrets, type Logger } from './log.ts';
import { ExporterRunner } from './pipeline/exporter-runner.ts';
import { ExportHandler } from './receivers/otlp/handler.ts';
import { OtlpGrpcReceiver } from './receivers/otlp/grpc.ts';
import { OtlpHttpReceiver } from './receivers/otlp/http.ts';
import { Router } from './router/router.ts';
import { Stats } from './telemetry/stats.ts';

export interface RelayOptions {
  log?: Logger;
  stats?: Stats;
  /** Where the debug exporter writes (tests capture it); stdout by default. */
  stdout?: NodeJS.WritableStream;
}

/**
 * The running relay: exporters start first and receivers last; shutdown goes in reverse, draining
 * every queue within the configured deadline (the collector's component model).
 */
export class Relay {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  readonly stats: Stats;
  readonly runners = new Map<string, ExporterRunner>();
  readonly httpReceiver: OtlpHttpReceiver | undefined;
  readonly grpcReceiver: OtlpGrpcReceiver | undefined;
  #stopping: Promise<void> | undefined;

  constructor(config: ResolvedConfig, opts: RelayOptions = {}) {
    this.config = config;
    registerSecrets(config.secrets);
    this.log = opts.log ?? createLogger({ level: config.service.logLevel });
    this.stats = opts.stats ?? new Stats();
    for (const [name, ex] of Object.entries(config.exporters)) {
      const client = createClient(name, ex, { log: this.log, stdout: opts.stdout });
      const runner = new ExporterRunner(
        { name, type: ex.type, queue: ex.queue, batch: ex.batch, retry: ex.retry, timeoutMs: ex.timeoutMs },
        client,
        this.log,
        this.stats,
      );
      this.runners.set(name, runner);
    }
    const router = new Router(config.routes, (name) => {
      const r = this.runners.get(name);
      if (!r) throw new Error(`route names unknown exporter ${name}`); // validation makes this unreachable
      return r;
    });
    const handler = new ExportHandler(router, this.log, this.stats);
    const otlp = config.receivers.otlp;
    if (otlp?.http) {
      const h = otlp.http;
      this.httpReceiver = new OtlpHttpReceiver(
        {
          endpoint: h.endpoint,
          maxRequestBodyBytes: h.maxRequestBodySize,
          pathPrefix: h.pathPrefix,
          cors: h.cors,
          readHeaderTimeoutMs: h.readHeaderTimeout,
          readTimeoutMs: h.readTimeout,
        },
        handler,
        this.log,
        this.stats,
      );
    }
    if (otlp?.grpc) this.grpcReceiver = new OtlpGrpcReceiver({ endpoint: otlp.grpc.endpoint, maxRecvMsgBytes: otlp.grpc.maxRecvMsgSize }, handler, this.log);
  }

  async start(): Promise<void> {
    for (const w of this.config.warnings) this.log.warn(w);
    for (const r of this.runners.values()) r.start();
    try {
      await this.httpReceiver?.start();
      await this.grpcReceiver?.start();
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  /** Idempotent and safe before start: stop receiving, then drain the queues within the deadline. */
  shutdown(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all([this.httpReceiver?.shutdown(), this.grpcReceiver?.shutdown()]);
      const deadline = this.config.service.shutdownTimeout;
      await Promise.all([...this.runners.values()].map((r) => r.shutdown(deadline)));
    })();
    return this.#stopping;
  }
}
