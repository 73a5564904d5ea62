/** Wiring: the validated config → the X-Ray export client. */
import type { ExporterCommon } from '../../config/types.ts';
import { registerSecrets, type Logger } from '../../log.ts';
import type { ExportClient } from '../../pipeline/types.ts';
import { Stats } from '../../telemetry/stats.ts';
import { sdkApi, XrayExportClient, type PutTraceSegmentsApi } from './client.ts';
import type { XrayConfig } from './config.ts';

export interface XrayContext {
  log: Logger;
  stats?: Stats | undefined;
  userAgent: string;
  /** Where AWS credentials may come from; their values are scrubbed from every log line. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Tests: a stand-in for the SDK. */
  api?: PutTraceSegmentsApi;
}

export function createXrayClient(name: string, cfg: ExporterCommon & XrayConfig, ctx: XrayContext): ExportClient {
  return build(name, cfg, ctx, 'otlp');
}

/** The same exporter's settings and credentials for segment documents received by the X-Ray daemon drop-in, sent byte for byte. */
export function createXrayDocumentClient(name: string, cfg: ExporterCommon & XrayConfig, ctx: XrayContext): ExportClient {
  return build(name, cfg, ctx, 'documents');
}

function build(name: string, cfg: ExporterCommon & XrayConfig, ctx: XrayContext, input: 'otlp' | 'documents'): ExportClient {
  const env = ctx.env ?? process.env;
  // Credentials come from the AWS chain, not the config, so the config's secret list misses them.
  registerSecrets([env['AWS_SECRET_ACCESS_KEY'], env['AWS_SESSION_TOKEN']].filter((v): v is string => v !== undefined && v !== ''));
  const api = ctx.api ?? sdkApi({ ...(cfg.region === undefined ? {} : { region: cfg.region }), ...(cfg.endpoint === undefined ? {} : { endpoint: cfg.endpoint }), userAgent: ctx.userAgent });
  return new XrayExportClient({
    name,
    api,
    log: ctx.log,
    stats: ctx.stats ?? new Stats(),
    input,
    translate: {
      indexedAttributes: cfg.indexedAttributes,
      indexAllAttributes: cfg.indexAllAttributes,
      strictTraceIds: cfg.strictTraceIds,
      annotationKeyDots: cfg.annotationKeyDots,
    },
  });
}
