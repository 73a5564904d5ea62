/**
 * Checks a Rollbar token without creating an item: it posts a deliberately empty item. The API checks
 * the token before the payload (https://docs.rollbar.com/reference/create-item#response), so a good
 * token gets 422 for the empty item and a bad one 403; nothing is ever stored.
 */
import { request } from 'undici';
import type { ExporterConfig } from '../config/types.ts';
import { rollbarMessage } from '../exporters/rollbar/classify.ts';
import { VERSION } from '../version.ts';
import { networkHint, type CheckResult } from './result.ts';

type RollbarExporter = Extract<ExporterConfig, { type: 'rollbar' }>;

export async function checkRollbar(ex: RollbarExporter): Promise<CheckResult> {
  const base = { exporter: ex.name, type: ex.type };
  let status: number;
  let body: string;
  try {
    const res = await request(ex.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rollbar-access-token': ex.accessToken, 'user-agent': `otlp-relay/${VERSION} (check)` },
      body: JSON.stringify({ data: {} }), // no environment, no body: invalid on purpose, so no item can be created
      signal: AbortSignal.timeout(ex.timeoutMs),
    });
    status = res.statusCode;
    body = await res.body.text();
  } catch (err) {
    const net = networkHint(err, ex.endpoint);
    return { ...base, outcome: 'failed', summary: `POST ${ex.endpoint} failed: ${net?.text ?? (err as Error).message}`, details: [], hint: net?.hint ?? `check the endpoint (${ex.endpoint})` };
  }
  const text = rollbarMessage(body, ex.accessToken);
  if (status === 422 || status === 400) {
    return { ...base, outcome: 'ok', summary: 'token accepted with post_server_item scope (checked with an empty item Rollbar refuses, so none was created)', details: [`endpoint: ${ex.endpoint}`] };
  }
  if (status === 429) return { ...base, outcome: 'ok', summary: 'token accepted, but the project is rate-limited right now', details: [`Rollbar: ${text}`] };
  if (status === 401 || status === 403) {
    return {
      ...base,
      outcome: 'failed',
      summary: `Rollbar refused the access token (${status}): ${text}`,
      details: [],
      hint: `use a project access token with the post_server_item scope (Project → Settings → Project Access Tokens); the configured one has ${ex.accessToken.length} characters (Rollbar's have 32)`,
    };
  }
  if (status === 404) return { ...base, outcome: 'failed', summary: `POST ${ex.endpoint} answered 404`, details: [], hint: 'the endpoint should be the API base (https://api.rollbar.com) or its /api/1/item/ URL' };
  if (status === 200) return { ...base, outcome: 'failed', summary: 'the endpoint accepted an empty item: it does not behave like the Rollbar API', details: [], hint: `check the endpoint (${ex.endpoint})` };
  return { ...base, outcome: 'failed', summary: `POST ${ex.endpoint} answered ${status}: ${text}`, details: [], hint: status >= 500 ? 'Rollbar is unavailable right now; try again shortly' : `unexpected answer from ${ex.endpoint}` };
}
