import { z } from 'zod';
import type { Problem } from './errors.ts';
import { defaulted, hostPort, splitHostPort, strictObject } from './schema.ts';
import type { AdminConfig, LogLevel, MemoryLimiterConfig, ReceiversConfig, ServiceConfig } from './types.ts';
import { bytes, duration, formatBytes } from './units.ts';

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

const MiB = 2 ** 20;
/** The collector's default spike: a fifth of the limit. */
export const DEFAULT_SPIKE_SHARE = 0.2;
export const DEFAULT_CHECK_INTERVAL_MS = 250;

/**
 * `service.memory_limiter` (optional as a whole): `limit` turns it on; without one the relay takes
 * 80 % of its container's memory limit, if any; `enabled: false` turns it off.
 */
const memoryLimiterSchema = defaulted(
  strictObject({
    enabled: z.boolean().default(true),
    // A sanity bound only: the relay idles at ~90 MB, and the start-up check says when a limit leaves it no room.
    limit: bytes({ min: 32 * MiB }).optional(),
    spike: bytes().optional(),
    check_interval: duration({ min: 10, max: 10_000 }).default(DEFAULT_CHECK_INTERVAL_MS),
  })
    .superRefine((parsed, ctx) => {
      if (parsed.limit === undefined) {
        if (parsed.spike !== undefined) ctx.addIssue({ code: 'custom', path: ['spike'], message: 'needs limit: the spike is a part of it' });
      } else if (parsed.spike !== undefined && parsed.spike >= parsed.limit) ctx.addIssue({ code: 'custom', path: ['spike'], message: `(${formatBytes(parsed.spike)}) must be less than limit (${formatBytes(parsed.limit)}): refusing starts at limit − spike` });
    })
    .transform((parsed): { enabled: boolean; config?: MemoryLimiterConfig } => {
      if (parsed.limit === undefined) return { enabled: parsed.enabled };
      const spike = parsed.spike ?? Math.floor(parsed.limit * DEFAULT_SPIKE_SHARE);
      return { enabled: parsed.enabled, config: { limit: parsed.limit, spike, checkInterval: parsed.check_interval } };
    }),
);

/** `service` (optional as a whole). */
export const serviceSchema = defaulted(
  strictObject({
    log_level: z.enum(LOG_LEVELS).default('info'),
    shutdown_timeout: duration().default(10_000),
    admin: adminSchema,
    memory_limiter: memoryLimiterSchema,
  }).transform(
    (parsed): ServiceConfig => ({
      logLevel: parsed.log_level,
      shutdownTimeout: parsed.shutdown_timeout,
      admin: parsed.admin,
      memoryLimiterEnabled: parsed.memory_limiter.enabled,
      ...(parsed.memory_limiter.config ? { memoryLimiter: parsed.memory_limiter.config } : {}),
    }),
  ),
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
