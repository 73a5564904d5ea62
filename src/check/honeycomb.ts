/**
 * Checks a Honeycomb key without sending telemetry: GET /1/auth answers with the key's team,
 * environment and type (https://docs.honeycomb.io/api/auth/), or 401 for a key it does not know.
 */
import { request } from 'undici';
import type { ExporterConfig } from '../config/types.ts';
import { checkHoneycombKey } from '../exporters/honeycomb/config.ts';
import { errorText } from '../exporters/honeycomb/classify.ts';
import { VERSION } from '../version.ts';
import { doubledPathHint, networkHint, type CheckResult } from './result.ts';

type HoneycombExporter = Extract<ExporterConfig, { type: 'honeycomb' }>;

const US = 'https://api.honeycomb.io';
const EU = 'https://api.eu1.honeycomb.io';

interface AuthAnswer {
  type?: string;
  api_key_access?: Record<string, boolean>;
  environment?: { name?: string; slug?: string };
  team?: { name?: string; slug?: string };
}

/** What the key's shape says about it, for hints; never the key itself. */
function keyShape(key: string): string {
  const checked = checkHoneycombKey(key);
  if ('problem' in checked) return `the key ${checked.problem}`;
  return `the key has the shape of ${checked.kind === 'classic' ? 'a classic' : 'an environment'} key (${key.length} characters)`;
}

function regionHint(endpoint: string): string {
  if (endpoint === US) return `; if your team is in Honeycomb's EU region, set endpoint: ${EU}`;
  if (endpoint === EU) return `; if your team is in Honeycomb's US region, set endpoint: ${US} (the default)`;
  return '';
}

export async function checkHoneycomb(ex: HoneycombExporter): Promise<CheckResult> {
  const base = { exporter: ex.name, type: ex.type };
  const url = `${ex.endpoint}/1/auth`;
  let status: number;
  let body: string;
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { ...ex.headers, 'x-honeycomb-team': ex.apiKey, 'user-agent': `otlp-relay/${VERSION} (check)` },
      signal: AbortSignal.timeout(ex.timeoutMs),
    });
    status = res.statusCode;
    body = await res.body.text();
  } catch (err) {
    const net = networkHint(err, ex.endpoint);
    return { ...base, outcome: 'failed', summary: `GET ${url} failed: ${net?.text ?? (err as Error).message}`, details: [], hint: net?.hint ?? `check the endpoint (${ex.endpoint})` };
  }
  if (status === 200) return answered(ex, base, body);
  const text = errorText(body);
  if (status === 401) {
    return {
      ...base,
      outcome: 'failed',
      summary: `Honeycomb refused the API key (401): ${text}`,
      details: [],
      hint: `${keyShape(ex.apiKey)} but Honeycomb does not know it at ${ex.endpoint}: a typo or a stray character, a deleted key, or a key from the other region${regionHint(ex.endpoint)}`,
    };
  }
  if (status === 403) return { ...base, outcome: 'failed', summary: `Honeycomb denied the request (403): ${text}`, details: [], hint: 'the key exists but lacks permission; use an ingest key, or give the key "Send Events"' };
  if (status === 404) {
    return {
      ...base,
      outcome: 'failed',
      summary: `GET ${url} answered 404: ${ex.endpoint} does not look like the Honeycomb API`,
      details: [],
      hint: doubledPathHint(ex.endpoint) ?? `the endpoint should be the API's base URL (${US} or ${EU}), or a proxy that forwards /1/auth`,
    };
  }
  return { ...base, outcome: 'failed', summary: `GET ${url} answered ${status}: ${text}`, details: [], hint: status === 429 || status >= 500 ? 'Honeycomb is busy or unavailable right now; try again shortly' : `unexpected answer from ${ex.endpoint}` };
}

function answered(ex: HoneycombExporter, base: { exporter: string; type: string }, body: string): CheckResult {
  let auth: AuthAnswer;
  try {
    auth = JSON.parse(body) as AuthAnswer;
  } catch {
    return { ...base, outcome: 'failed', summary: `GET ${ex.endpoint}/1/auth answered 200 but not with JSON`, details: [], hint: 'the endpoint is not the Honeycomb API (a captive portal or proxy page?)' };
  }
  const team = auth.team?.name ?? auth.team?.slug ?? '(unknown)';
  const environment = auth.environment?.name || auth.environment?.slug || (ex.keyKind === 'classic' ? '(classic: none)' : '(unknown)');
  const keyType = `${auth.type ?? 'unknown'} key (${ex.keyKind})`;
  const details = [`team: ${team}`, `environment: ${environment}`, `key type: ${keyType}`];
  if (ex.keyKind === 'classic') details.push(ex.dataset ? `dataset: ${ex.dataset}` : 'dataset: none set; classic keys need one for traces and metrics');
  const summary = `key accepted: team "${team}", environment "${environment}", ${keyType}`;
  if (auth.api_key_access?.['events'] === false) {
    return { ...base, outcome: 'failed', summary: `${summary}, but it may not send events`, details, hint: 'this key lacks the "Send Events" permission: create an ingest key for the environment, or grant the permission' };
  }
  return { ...base, outcome: 'ok', summary, details };
}
