import type { ExporterConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { ExportClient } from '../pipeline/types.ts';
import type { Stats } from '../telemetry/stats.ts';
import { VERSION } from '../version.ts';
import { createCloudwatchLogsClient } from './cloudwatch_logs/index.ts';
import { DebugClient } from './debug/client.ts';
import { FileClient } from './file/client.ts';
import { HoneycombClient } from './honeycomb/client.ts';
import { createRollbarClient } from './rollbar/index.ts';
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
      return createCloudwatchLogsClient(name, cfg, { log: ctx.log, stats: ctx.stats });
    case 'rollbar':
      return createRollbarClient(name, cfg, { log: ctx.log, stats: ctx.stats });
    default:
      // Every type is handled; this guards configs built outside the loader.
      throw new Error(`exporter "${name}": type "${(cfg as { type: string }).type}" is not available in otlp-relay ${VERSION}`);
  }
}
