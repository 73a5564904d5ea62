/**
 * What one answer of the item API means (https://docs.rollbar.com/reference/create-item#response,
 * https://docs.rollbar.com/docs/rate-limits). Per item: 200 `err: 0` landed; 400 / 413 / 422 refuse
 * that item only. For every item: 401 / 403 (token) and 404 (endpoint) are permanent, 429 waits for the
 * rate-limit window, 408 and 5xx are retried. Rollbar's own message is kept, the token never.
 */
import { parseRetryAfter } from '../../pipeline/retry-after.ts';
import { permanent, retryable, type Outcome } from '../../pipeline/outcome.ts';
import { RATE_LIMIT_REMAINING_SECONDS, RATE_LIMIT_RESET } from './limits.ts';

export type Answer = { kind: 'landed' } | { kind: 'refused'; status: number; reason: string } | { kind: 'stop'; outcome: Outcome };

type Headers = Record<string, string | string[] | undefined>;

/** The shortest wait after a 429: "0 seconds left" still means the window has not turned. */
export const MIN_RATE_LIMIT_WAIT_MS = 1_000;
const TOKEN_ADVICE = "check the exporter's access_token: a project access token with post_server_item scope";
const REDACTED_TOKEN = '[the access token]';

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Rollbar's `message` from a `{"err": 1, "message": …}` body, else the text, cut short; the token replaced. */
export function rollbarMessage(body: string, token: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message !== '') text = parsed.message;
  } catch {
    // not JSON: the text itself
  }
  if (token.length >= 4) text = text.split(token).join(REDACTED_TOKEN); // Rollbar echoes an unknown token in its message
  return text === '' ? '(no message)' : text.slice(0, 500);
}

/** How long a 429 asks to wait: X-Rate-Limit-Remaining-Seconds, else X-Rate-Limit-Reset (epoch seconds), else Retry-After. */
export function rateLimitWaitMs(headers: Headers, now: number): number | undefined {
  const seconds = header(headers, RATE_LIMIT_REMAINING_SECONDS);
  if (seconds !== undefined && /^\d+$/.test(seconds.trim())) return Math.max(MIN_RATE_LIMIT_WAIT_MS, Number(seconds) * 1000);
  const reset = header(headers, RATE_LIMIT_RESET);
  if (reset !== undefined && /^\d+$/.test(reset.trim())) return Math.max(MIN_RATE_LIMIT_WAIT_MS, Number(reset) * 1000 - now);
  const after = parseRetryAfter(headers['retry-after'], now);
  return after === undefined ? undefined : Math.max(MIN_RATE_LIMIT_WAIT_MS, after);
}

export function classifyAnswer(status: number, headers: Headers, body: string, token: string, now: number = Date.now()): Answer {
  if (status >= 200 && status < 300) {
    let err: unknown = 0;
    try {
      err = (JSON.parse(body) as { err?: unknown }).err ?? 0;
    } catch {
      // an unreadable 2xx is still a delivery
    }
    return err === 0 ? { kind: 'landed' } : { kind: 'refused', status, reason: `Rollbar answered ${status} with an error: ${rollbarMessage(body, token)}` };
  }
  const message = rollbarMessage(body, token);
  if (status === 429) return { kind: 'stop', outcome: retryable(`Rollbar rate-limited the access token (429): ${message}; waiting for its rate-limit window`, rateLimitWaitMs(headers, now)) };
  if (status === 408 || status >= 500) return { kind: 'stop', outcome: retryable(`Rollbar answered ${status}: ${message}`, parseRetryAfter(headers['retry-after'], now)) };
  if (status === 401 || status === 403) return { kind: 'stop', outcome: permanent(`Rollbar refused the access token (${status}): ${message}; ${TOKEN_ADVICE}`) };
  if (status === 404 || status === 405) return { kind: 'stop', outcome: permanent(`Rollbar answered ${status} (${message}): check the exporter's endpoint, it should end in /api/1/item/`) };
  if (status === 413) return { kind: 'refused', status, reason: `Rollbar refused an item as too large (413): ${message}` };
  return { kind: 'refused', status, reason: `Rollbar refused an item (${status}): ${message}` };
}
