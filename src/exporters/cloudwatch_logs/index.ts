/** Wiring: the validated config → a CloudWatch Logs client (the registry's one entry point for this type). */
import type { Logger } from '../../log.ts';
import type { Stats } from '../../telemetry/stats.ts';
import { VERSION } from '../../version.ts';
import { CloudwatchLogsClient } from './client.ts';
import type { CloudwatchLogsConfig } from './config.ts';
import { NameTemplate, relayInstanceId, type NameKind } from './names.ts';

export { CloudwatchLogsClient } from './client.ts';

function template(text: string, kind: NameKind): NameTemplate {
  const parsed = NameTemplate.parse(text, kind);
  // The config loader checked the same rules: reaching this is a bug, not a user mistake.
  if ('problems' in parsed) throw new Error(`log_${kind} "${text}": ${parsed.problems.join('; ')}`);
  return parsed.template;
}

export function createCloudwatchLogsClient(name: string, cfg: CloudwatchLogsConfig & { endpoint?: string }, ctx: { log: Logger; stats?: Stats | undefined }): CloudwatchLogsClient {
  const instance = relayInstanceId();
  const client = new CloudwatchLogsClient({
    name,
    group: template(cfg.logGroup, 'group'),
    stream: template(cfg.logStream, 'stream'),
    instance,
    raw: cfg.raw,
    maxEventBytes: cfg.maxEventBytes,
    tags: cfg.tags,
    userAgent: `otlp-relay/${VERSION}`,
    log: ctx.log,
    ...(cfg.retentionDays === undefined ? {} : { retentionDays: cfg.retentionDays }),
    ...(cfg.region === undefined ? {} : { region: cfg.region }),
    ...(cfg.endpoint === undefined ? {} : { endpoint: cfg.endpoint }),
    ...(ctx.stats === undefined ? {} : { stats: ctx.stats }),
  });
  ctx.log.debug({ exporter: name, instance }, `${name}: relay instance id ${instance} (for {relay.instance} in log_group / log_stream)`);
  return client;
}
