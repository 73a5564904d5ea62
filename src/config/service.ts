import { z } from 'zod';
import type { Problem } from './errors.ts';
import { defaulted, hostPort, splitHostPort, strictObject } from './schema.ts';
import type { AdminConfig, LogLevel, ReceiversConfig, ServiceConfig } from './types.ts';
import { duration } from './units.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const satisfies readonly LogLevel[];

/** The collector's health_check port, so probes written for it keep working. */
export const DEFAULT_ADMIN_ENDPOINT = '0.0.0.0:13133';

/** `service.admin` (optional as a whole): `enabled: false` turns the admin port off. */
const adminSchema = defaulted(
  strictObject({
    enabled: z.boolean().default(true),
    endpoint: hostPort().prefault(DEFAULT_ADMIN_ENDPOINT),
  }).transform((parsed): AdminConfig => ({ enabled: parsed.enabled, endpoint: parsed.endpoint })),
);

/** `service` (optional as a whole). */
export const serviceSchema = defaulted(
  strictObject({
    log_level: z.enum(LOG_LEVELS).default('info'),
    shutdown_timeout: duration().default(10_000),
    admin: adminSchema,
  }).transform((parsed): ServiceConfig => ({ logLevel: parsed.log_level, shutdownTimeout: parsed.shutdown_timeout, admin: parsed.admin })),
);

/** The admin port must not be a receiver's port (the second listener would fail to start). */
export function checkAdminPort(service: ServiceConfig, receivers: ReceiversConfig): Problem[] {
  if (!service.admin.enabled) return [];
  const admin = splitHostPort(service.admin.endpoint);
  if (admin === undefined || admin.port === 0) return [];
  const listeners: Array<[string, string | undefined]> = [
    ['receivers.otlp.grpc', receivers.otlp?.grpc?.endpoint],
    ['receivers.otlp.http', receivers.otlp?.http?.endpoint],
    ['receivers.xray', receivers.xray?.endpoint],
  ];
  const wildcard = (host: string) => host === '' || host === '0.0.0.0' || host === '::';
  const problems: Problem[] = [];
  for (const [name, endpoint] of listeners) {
    const other = endpoint === undefined ? undefined : splitHostPort(endpoint);
    if (other === undefined || other.port !== admin.port) continue;
    if (other.host === admin.host || wildcard(other.host) || wildcard(admin.host)) problems.push({ path: ['service', 'admin', 'endpoint'], message: `port ${admin.port} is also used by ${name}` });
  }
  return problems;
}
