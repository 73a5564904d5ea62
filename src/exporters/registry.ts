import type { ExporterConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { Signal } from '../otlp/signal.ts';
import type { Outcome } from '../pipeline/outcome.ts';
import type { BatchParts, ExportClient } from '../pipeline/types.ts';
import type { Stats } from '../telemetry/stats.ts';
import { VERSION } from '../version.ts';
import { DebugClient } from './debug/client.ts';
import { FileClient } from './file/client.ts';
import { HoneycombClient } from './honeycomb/client.ts';
import { createXrayClient } from './xray/index.ts';

export interface ClientContext {
  log: Logger;
  stdout?: NodeJS.WritableStream | undefined;
  /** The relay's counters, for exporters that count more than the runner does (X-Ray's unprocessed segments). */
  stats?: Stats | undefined;
}

/** Builds an exporter's I/O client from its validated config: the one place that knows every type. */
export function createClient(name: string, cfg: ExporterConfig, ctx: ClientContext): ExportClient {
  switch (cfg.type) {
    case 'honeycomb':
      return new HoneycombClient({
        apiKey: cfg.apiKey,
        endpoint: cfg.endpoint,
        ...(cfg.dataset ? { dataset: cfg.dataset } : {}),
        headers: cfg.headers ?? {},
        userAgent: `otlp-relay/${VERSION}`,
        compression: 'gzip',
      });
    case 'debug':
      return new DebugClient(cfg.verbosity === 'detailed', ctx.stdout);
    case 'file':
      return new FileClient(cfg.path, cfg.rotateBytes);
    case 'xray':
      return createXrayClient(name, cfg, { log: ctx.log, stats: ctx.stats, userAgent: `otlp-relay/${VERSION}` });
    case 'cloudwatch_logs':
      return new LazyClient(async () => (await import('./cloudwatch_logs/index.ts')).createCloudwatchLogsClient(name, cfg, { log: ctx.log, stats: ctx.stats }));
    case 'rollbar':
      return new LazyClient(async () => (await import('./rollbar/index.ts')).createRollbarClient(name, cfg, { log: ctx.log, stats: ctx.stats }));
    default:
      // Every type is handled; this guards configs built outside the loader.
      throw new Error(`exporter "${name}": type "${(cfg as { type: string }).type}" is not available in otlp-relay ${VERSION}`);
  }
}

/**
 * A client whose module loads at its first send, so a relay that never sends there never pays for
 * its dependencies (the AWS SDK's CloudWatch Logs client ~9 MB of RSS, undici ~14 MB).
 */
export class LazyClient implements ExportClient {
  readonly #load: () => Promise<ExportClient>;
  #client: Promise<ExportClient> | undefined;

  constructor(load: () => Promise<ExportClient>) {
    this.#load = load;
  }

  async send(signal: Signal, bytes: Uint8Array, items: number, abort: AbortSignal, parts?: BatchParts): Promise<Outcome> {
    return (await this.#get()).send(signal, bytes, items, abort, parts);
  }

  async close(): Promise<void> {
    const client = await this.#client?.catch(() => undefined);
    await client?.close?.();
  }

  #get(): Promise<ExportClient> {
    if (this.#client) return this.#client;
    const loading = this.#load();
    this.#client = loading;
    // A failed load is tried again at the next send (the runner retries it as a retryable error).
    loading.catch(() => {
      if (this.#client === loading) this.#client = undefined;
    });
    return loading;
  }
}
