import { z } from 'zod';
import { defineKind } from '../../config/kind.ts';
import { bytes } from '../../config/units.ts';
import {
  MAX_EVENT_BYTES,
  MAX_TAG_KEY_CHARS,
  MAX_TAG_VALUE_CHARS,
  MAX_TAGS,
  MIN_EVENT_BYTES,
  RETENTION_DAYS,
  TAG_KEY,
  TAG_VALUE,
} from './limits.ts';
import { DEFAULT_GROUP_TEMPLATE, DEFAULT_STREAM_TEMPLATE, NameTemplate, type NameKind } from './names.ts';

/** A log group / stream template, checked against the API's name rules at start-up (names.ts). */
function nameTemplate(kind: NameKind) {
  return z.string().superRefine((value, ctx) => {
    const parsed = NameTemplate.parse(value, kind);
    if ('problems' in parsed) for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
  });
}

const tags = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  const keys = Object.keys(map);
  if (keys.length > MAX_TAGS) ctx.addIssue({ code: 'custom', message: `has ${keys.length} tags; a log group takes at most ${MAX_TAGS}` });
  for (const key of keys) {
    const value = map[key] ?? '';
    if (key.length === 0 || key.length > MAX_TAG_KEY_CHARS) ctx.addIssue({ code: 'custom', path: [key], message: `tag keys have 1 to ${MAX_TAG_KEY_CHARS} characters` });
    else if (!TAG_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'tag keys hold letters, digits, spaces and _ . : / = + - @ only' });
    else if (key.toLowerCase().startsWith('aws:')) ctx.addIssue({ code: 'custom', path: [key], message: 'tag keys starting with "aws:" are reserved for AWS' });
    if (value.length > MAX_TAG_VALUE_CHARS) ctx.addIssue({ code: 'custom', path: [key], message: `tag values have at most ${MAX_TAG_VALUE_CHARS} characters` });
    else if (!TAG_VALUE.test(value)) ctx.addIssue({ code: 'custom', path: [key], message: 'tag values hold letters, digits, spaces and _ . : / = + - @ only' });
  }
});

/**
 * The `cloudwatch_logs` exporter's own keys. Credentials and (by default) the region come from the
 * standard AWS chain (env, shared files, container or instance role); the common `endpoint` key, or
 * the SDK's AWS_ENDPOINT_URL_CLOUDWATCH_LOGS / AWS_ENDPOINT_URL, overrides the URL.
 */
export const cloudwatchLogsSchema = z.object({
  /** Default: the AWS chain (AWS_REGION, AWS_DEFAULT_REGION, the shared config file). */
  region: z.string().min(1).optional(),
  /** Template, e.g. /cruddur/{service.name}; see names.ts for placeholders and fallbacks. */
  log_group: nameTemplate('group').default(DEFAULT_GROUP_TEMPLATE),
  /** Template; the default is unique per relay process, so two relays never share a stream. */
  log_stream: nameTemplate('stream').default(DEFAULT_STREAM_TEMPLATE),
  /** Send the body alone instead of a JSON document per record. */
  raw: z.boolean().default(false),
  /** Largest event (UTF-8 message bytes + 26); longer ones are cut with a marker. 1 MiB is the API's limit (256 KiB before April 2025). */
  max_event_bytes: bytes({ min: MIN_EVENT_BYTES, max: MAX_EVENT_BYTES }).default(MAX_EVENT_BYTES),
  /** Applied when the relay creates the group (an existing group's retention is left alone). */
  retention_days: z
    .int()
    .refine((n) => (RETENTION_DAYS as readonly number[]).includes(n), { error: `must be one of ${RETENTION_DAYS.join(', ')} (the values PutRetentionPolicy accepts)` })
    .optional(),
  /** Tags for a group the relay creates. */
  tags: tags.default({}),
});

export interface CloudwatchLogsConfig {
  region?: string;
  /** A validated name template. */
  logGroup: string;
  /** A validated name template. */
  logStream: string;
  raw: boolean;
  maxEventBytes: number;
  retentionDays?: number;
  tags: Record<string, string>;
}

export const cloudwatchLogsKind = defineKind({
  signals: ['logs'],
  shape: cloudwatchLogsSchema.shape,
  resolve: (parsed): CloudwatchLogsConfig => {
    const settings: CloudwatchLogsConfig = {
      logGroup: parsed.log_group,
      logStream: parsed.log_stream,
      raw: parsed.raw,
      maxEventBytes: parsed.max_event_bytes,
      tags: parsed.tags,
    };
    if (parsed.region !== undefined) settings.region = parsed.region;
    if (parsed.retention_days !== undefined) settings.retentionDays = parsed.retention_days;
    return settings;
  },
});
