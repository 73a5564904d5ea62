import { z } from 'zod';
import { defineKind } from '../../config/kind.ts';
import type { Problem } from '../../config/errors.ts';
import { DEFAULT_ENDPOINT, DEFAULT_ITEMS_PER_MINUTE, MAX_ENVIRONMENT_CHARS } from './limits.ts';
import { checkTraceUrl } from './template.ts';

/** OTLP severity numbers by name (https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber): the first of each range. */
export const SEVERITY_BY_NAME = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
const SEVERITY_NAMES = Object.keys(SEVERITY_BY_NAME) as Array<keyof typeof SEVERITY_BY_NAME>;

/** A project access token: its shape is not checked (Rollbar has had several), only the usual copy-paste mistakes; never echoed. */
const accessToken = z.string().superRefine((token, ctx) => {
  if (token === '') ctx.addIssue({ code: 'custom', message: 'is empty' });
  else if (token.trim() !== token) ctx.addIssue({ code: 'custom', message: 'starts or ends with whitespace (a stray space or newline in the environment variable?)' });
  else if (/^(["']).*\1$/.test(token)) ctx.addIssue({ code: 'custom', message: 'is wrapped in quotes; remove them' });
});

/**
 * The item URL from `endpoint`: a path ending in /item/ is used as is; a bare origin or one ending in
 * /api/1/ gets the rest of the item path (rollbar.js takes the /api/1/ base, the API docs the full URL);
 * any other path (a proxy's) is used as given.
 */
export function itemUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (/\/item\/?$/.test(url.pathname)) return url.href;
  if (url.pathname === '/' || url.pathname === '') return new URL('/api/1/item/', url).href;
  if (/\/api\/1\/?$/.test(url.pathname)) return new URL(`${url.pathname.replace(/\/?$/, '/')}item/`, url).href;
  return url.href;
}

const endpoint = z.string().superRefine((value, ctx) => {
  if (!URL.canParse(value)) ctx.addIssue({ code: 'custom', message: `expected an absolute http(s) URL such as "${DEFAULT_ENDPOINT}"` });
  else if (!['http:', 'https:'].includes(new URL(value).protocol)) ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got scheme "${new URL(value).protocol.slice(0, -1)}"` });
  else if (new URL(value).username !== '' || new URL(value).password !== '') ctx.addIssue({ code: 'custom', message: 'must not contain credentials; set access_token instead' });
});

const severity = z.union([z.enum(SEVERITY_NAMES), z.int().min(1).max(24)], {
  error: `expected one of ${SEVERITY_NAMES.join(', ')} or a severity number 1-24`,
});

const traceUrl = z.string().superRefine((value, ctx) => {
  for (const message of checkTraceUrl(value)) ctx.addIssue({ code: 'custom', message });
});

/** The `rollbar` exporter's own keys. */
export const rollbarSchema = z.object({
  /** A project access token with post_server_item scope. */
  access_token: accessToken,
  /** Rollbar's item API; a base URL (e.g. a local test server) gets /api/1/item/ appended. */
  endpoint: endpoint.default(DEFAULT_ENDPOINT),
  /** Every item's environment; absent: the resource's deployment.environment.name (or deployment.environment), else "unknown". */
  environment: z.string().min(1).max(MAX_ENVIRONMENT_CHARS).optional(),
  /** Log records at or above this severity become items (records with exception.* attributes always do). */
  min_severity: severity.default('error'),
  /** SERVER spans answered 5xx become items even without status ERROR or an exception event. */
  http_server_errors: z.boolean().default(false),
  /** At most this many items in any 60 s; items over it are shed and counted. 0: no cap (Rollbar's own 429s still apply). */
  items_per_minute: z.int().min(0).default(DEFAULT_ITEMS_PER_MINUTE),
  /** Group by a stable fingerprint (exception type + top frames) instead of Rollbar's own grouping. */
  fingerprint: z.boolean().default(false),
  /** A link to the trace put in `custom.trace_url`, e.g. "https://ui.honeycomb.io/TEAM/environments/ENV/trace?trace_id={trace_id}". */
  trace_url: traceUrl.optional(),
});

export interface RollbarConfig {
  accessToken: string;
  /** The item URL (see itemUrl). */
  endpoint: string;
  environment?: string;
  /** An OTLP severity number. */
  minSeverity: number;
  httpServerErrors: boolean;
  itemsPerMinute: number;
  fingerprint: boolean;
  traceUrl?: string;
}

export const rollbarKind = defineKind({
  signals: ['traces', 'logs'],
  shape: rollbarSchema.shape,
  resolve: (parsed): RollbarConfig => {
    const settings: RollbarConfig = {
      accessToken: parsed.access_token,
      // The guard keeps a value the schema already reported from throwing here.
      endpoint: URL.canParse(parsed.endpoint) ? itemUrl(parsed.endpoint) : parsed.endpoint,
      minSeverity: typeof parsed.min_severity === 'number' ? parsed.min_severity : SEVERITY_BY_NAME[parsed.min_severity],
      httpServerErrors: parsed.http_server_errors,
      itemsPerMinute: parsed.items_per_minute,
      fingerprint: parsed.fingerprint,
    };
    if (parsed.environment !== undefined) settings.environment = parsed.environment;
    if (parsed.trace_url !== undefined) settings.traceUrl = parsed.trace_url;
    return settings;
  },
  warnings: (settings, routed): Problem[] => {
    const problems: Problem[] = [];
    if (settings.httpServerErrors && !routed.has('traces')) problems.push({ path: ['http_server_errors'], message: 'has no effect: no route sends traces to this exporter' });
    if (settings.minSeverity !== SEVERITY_BY_NAME.error && !routed.has('logs')) problems.push({ path: ['min_severity'], message: 'has no effect: no route sends logs to this exporter' });
    return problems;
  },
});
