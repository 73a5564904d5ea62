import type { ExporterConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { ExportClient } from '../pipeline/types.ts';
import { VERSION } from '../version.ts';
import { DebugClient } from './debug/client.ts';
import { FileClient } from './file/client.ts';
import { HoneycombClient } from './honeycomb/client.ts';

export interface ClientContext {
  log: Logger;
  stdout?: NodeJS.WritableStream | undefined;
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
    default:
      throw new Error(`exporter "${name}": type "${cfg.type}" is not available in otlp-relay ${VERSION} yet`);
  }
}
