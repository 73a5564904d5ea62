/**
 * Placeholder schemas for exporter types whose exporters are not built yet: they accept the keys the
 * architecture's config contract shows, so configs written against it validate today. Each type's own
 * issue replaces its placeholder with `src/exporters/<type>/config.ts` (full keys, defaults, rules).
 */
import { z } from 'zod';
import { defineKind } from './kind.ts';

const text = z.string().min(1);

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
