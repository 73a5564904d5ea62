import { z } from 'zod';
import { SIGNALS } from '../../otlp/signal.ts';
import { defineKind } from '../../config/kind.ts';
import type { Problem } from '../../config/errors.ts';
import { headerMap } from '../../config/schema.ts';

/** https://docs.honeycomb.io/send-data/opentelemetry/ — EU: https://api.eu1.honeycomb.io */
export const HONEYCOMB_DEFAULT_ENDPOINT = 'https://api.honeycomb.io';

/** environment: dataset from service.name (22-char or hc?ik_ keys); classic: needs x-honeycomb-dataset (32-hex or hc?ic_ keys). */
export type HoneycombKeyKind = 'environment' | 'classic';

/**
 * What kind of key this is, or why it cannot be a Honeycomb key. Messages never contain the key.
 * Shapes: 22 letters/digits (environment keys), 32 hex (classic), 64 chars starting `hc` (`hcaik_…`, `hcaic_…`).
 */
export function checkHoneycombKey(key: string): { kind: HoneycombKeyKind } | { problem: string } {
  if (key === '') return { problem: 'is empty' };
  if (key.trim() !== key) return { problem: 'starts or ends with whitespace (a stray space or newline in the environment variable?)' };
  if (/^(["']).*\1$/.test(key)) return { problem: 'is wrapped in quotes; remove them' };
  const length = key.length;
  if (length === 22) {
    return /^[A-Za-z0-9]+$/.test(key) ? { kind: 'environment' } : { problem: 'has 22 characters but not only letters and digits, as 22-character Honeycomb keys have' };
  }
  if (length === 32) {
    return /^[0-9a-f]+$/i.test(key) ? { kind: 'classic' } : { problem: 'has 32 characters but is not hexadecimal, as 32-character (classic) Honeycomb keys are' };
  }
  if (length === 64) {
    if (!/^hc[a-z]{3}_[A-Za-z0-9]+$/.test(key)) return { problem: 'has 64 characters but does not look like a Honeycomb key (64-character keys start with "hc", e.g. "hcaik_…")' };
    // hcaic_ / hcxic_ are classic ingest keys; hcaik_ / hcxik_ are environment ingest keys.
    return { kind: key[4] === 'c' ? 'classic' : 'environment' };
  }
  return { problem: `has ${length} characters; Honeycomb keys have 22, 32 or 64` };
}

/** Base URL only: the exporter appends /v1/traces, /v1/logs and /v1/metrics itself. */
const honeycombEndpoint = z.string().superRefine((value, ctx) => {
  if (!URL.canParse(value)) {
    ctx.addIssue({ code: 'custom', message: `expected a base URL such as "${HONEYCOMB_DEFAULT_ENDPOINT}"` });
    return;
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got scheme "${url.protocol.slice(0, -1)}"` });
  else if (url.username !== '' || url.password !== '') ctx.addIssue({ code: 'custom', message: 'must not contain credentials; set api_key instead' });
  else if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    const path = `${url.pathname}${url.search}${url.hash}`;
    ctx.addIssue({
      code: 'custom',
      message: `has path "${path}"; give the base URL (e.g. "${HONEYCOMB_DEFAULT_ENDPOINT}"): the relay appends /v1/traces, /v1/logs and /v1/metrics itself`,
    });
  }
});

const RESERVED_HEADERS: Readonly<Record<string, string>> = {
  'x-honeycomb-team': 'set api_key instead',
  'x-honeycomb-dataset': 'set dataset instead',
};

export const honeycombSchema = z.object({
  api_key: z.string().superRefine((key, ctx) => {
    const checked = checkHoneycombKey(key);
    if ('problem' in checked) ctx.addIssue({ code: 'custom', message: checked.problem });
  }),
  // Resolved to the bare origin ("https://api.honeycomb.io/" → "https://api.honeycomb.io"); the guard skips values already reported.
  endpoint: honeycombEndpoint.transform((value) => (URL.canParse(value) ? new URL(value).origin : value)).default(HONEYCOMB_DEFAULT_ENDPOINT),
  /** Needed by classic keys for traces and metrics; environment keys take the dataset from service.name. */
  dataset: z.string().min(1).optional(),
  headers: headerMap()
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        const reason = RESERVED_HEADERS[name.toLowerCase()];
        if (reason !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: `is set by the exporter; ${reason}` });
      }
    })
    .default({}),
});

export interface HoneycombConfig {
  apiKey: string;
  keyKind: HoneycombKeyKind;
  /** Sent as x-honeycomb-dataset when set. */
  dataset?: string;
  /** Extra request headers. */
  headers: Record<string, string>;
}

export const honeycombKind = defineKind({
  signals: SIGNALS,
  shape: honeycombSchema.shape,
  resolve: (parsed): HoneycombConfig => {
    const checked = checkHoneycombKey(parsed.api_key);
    const settings: HoneycombConfig = { apiKey: parsed.api_key, keyKind: 'kind' in checked ? checked.kind : 'environment', headers: parsed.headers };
    if (parsed.dataset !== undefined) settings.dataset = parsed.dataset;
    return settings;
  },
  warnings: (settings, routed): Problem[] => {
    const needsDataset = routed.has('traces') || routed.has('metrics');
    if (settings.keyKind !== 'classic' || settings.dataset !== undefined || !needsDataset) return [];
    return [{ path: ['dataset'], message: 'classic API keys need a dataset for traces and metrics; Honeycomb answers 401 without one' }];
  },
});
