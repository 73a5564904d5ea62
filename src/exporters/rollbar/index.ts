/** Wiring: the validated config → the Rollbar export client (the registry's one entry point for this type). */
import type { ExporterCommon } from '../../config/types.ts';
import { registerSecrets, type Logger } from '../../log.ts';
import type { ExportClient } from '../../pipeline/types.ts';
import { Stats } from '../../telemetry/stats.ts';
import { VERSION } from '../../version.ts';
import { RollbarExportClient } from './client.ts';
import type { RollbarConfig } from './config.ts';

export { RollbarExportClient } from './client.ts';

export interface RollbarContext {
  log: Logger;
  stats?: Stats | undefined;
}

export function createRollbarClient(name: string, cfg: ExporterCommon & RollbarConfig, ctx: RollbarContext): ExportClient {
  // The loader registers config secrets too; registering here keeps the token out of logs however the client is built.
  registerSecrets([cfg.accessToken]);
  return new RollbarExportClient({
    name,
    accessToken: cfg.accessToken,
    endpoint: cfg.endpoint,
    itemsPerMinute: cfg.itemsPerMinute,
    userAgent: `otlp-relay/${VERSION}`,
    log: ctx.log,
    stats: ctx.stats ?? new Stats(),
    translate: {
      minSeverity: cfg.minSeverity,
      httpServerErrors: cfg.httpServerErrors,
      fingerprint: cfg.fingerprint,
      version: VERSION,
      ...(cfg.environment === undefined ? {} : { environment: cfg.environment }),
      ...(cfg.traceUrl === undefined ? {} : { traceUrl: cfg.traceUrl }),
    },
  });
}
