/**
 * Placeholder schemas for exporter types whose exporters are not built yet: they accept the keys the
 * architecture's config contract shows, so configs written against it validate today. Each type's own
 * issue replaces its placeholder with `src/exporters/<type>/config.ts` (full keys, defaults, rules).
 */
import { z } from 'zod';
import { defineKind } from './kind.ts';

const text = z.string().min(1);

export const xraySchema = z.object({
  /** Default: the standard AWS chain (AWS_REGION, shared config). */
  region: text.optional(),
});

export interface XrayConfig {
  region?: string;
}

export const xrayKind = defineKind({
  signals: ['traces'],
  shape: xraySchema.shape,
  resolve: (parsed): XrayConfig => (parsed.region === undefined ? {} : { region: parsed.region }),
});

export const rollbarSchema = z.object({
  /** A project access token with post_server_item scope. */
  access_token: text.optional(),
  environment: text.optional(),
});

export interface RollbarConfig {
  accessToken?: string;
  environment?: string;
}

export const rollbarKind = defineKind({
  signals: ['traces', 'logs'],
  shape: rollbarSchema.shape,
  resolve: (parsed): RollbarConfig => {
    const settings: RollbarConfig = {};
    if (parsed.access_token !== undefined) settings.accessToken = parsed.access_token;
    if (parsed.environment !== undefined) settings.environment = parsed.environment;
    return settings;
  },
});

export const cloudwatchLogsSchema = z.object({
  region: text.optional(),
  /** May use {resource.attribute} templates, e.g. /cruddur/{service.name}. */
  log_group: text.optional(),
  log_stream: text.optional(),
});

export interface CloudwatchLogsConfig {
  region?: string;
  logGroup?: string;
  logStream?: string;
}

export const cloudwatchLogsKind = defineKind({
  signals: ['logs'],
  shape: cloudwatchLogsSchema.shape,
  resolve: (parsed): CloudwatchLogsConfig => {
    const settings: CloudwatchLogsConfig = {};
    if (parsed.region !== undefined) settings.region = parsed.region;
    if (parsed.log_group !== undefined) settings.logGroup = parsed.log_group;
    if (parsed.log_stream !== undefined) settings.logStream = parsed.log_stream;
    return settings;
  },
});
