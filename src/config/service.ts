import { z } from 'zod';
import { defaulted, strictObject } from './schema.ts';
import type { LogLevel, ServiceConfig } from './types.ts';
import { duration } from './units.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const satisfies readonly LogLevel[];

/** `service` (optional as a whole). */
export const serviceSchema = defaulted(
  strictObject({
    log_level: z.enum(LOG_LEVELS).default('info'),
    shutdown_timeout: duration().default(10_000),
  }).transform((parsed): ServiceConfig => ({ logLevel: parsed.log_level, shutdownTimeout: parsed.shutdown_timeout })),
);
