import { REJECTED_FIELD, responseType } from '../../otlp/schema.ts';
import type { Signal } from '../../otlp/signal.ts';
import { parseRetryAfter } from '../../pipeline/retry-after.ts';
import { permanent, refusedContent, retryable, SUCCESS, tooLarge, type Outcome } from '../../pipeline/outcome.ts';

/** Honeycomb's error text: a JSON `{"error": "..."}` / RFC 7807 `detail`, else the body as text, cut short. */
export function errorText(body: string): string {
  const text = body.trim();
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    for (const k of ['error', 'detail', 'title', 'message']) {
      const v = parsed[k];
      if (typeof v === 'string' && v) return v.slice(0, 500);
    }
  } catch {
    // not JSON: use the text
  }
  return text.slice(0, 500) || '(empty body)';
}

/**
 * Classifies a Honeycomb answer (https://docs.honeycomb.io/api/errors/): 2xx delivered; 408, 429 and
 * 5xx retried (honouring Retry-After); every other 4xx is permanent, with Honeycomb's own words. A 400
 * is the whole body failing to parse (husky ErrFailedParseBody, e.g. invalid UTF-8 in one app's string),
 * so the runner isolates the bad part rather than lose the other requests batched with it.
 */
export function classify(status: number, headers: Record<string, string | string[] | undefined>, body: Uint8Array, items: number, signal: Signal = 'traces'): Outcome {
  if (status >= 200 && status < 300) return partialSuccess(signal, headers['content-type'], body);
  const text = errorText(Buffer.from(body).toString('utf8'));
  const after = parseRetryAfter(headers['retry-after']);
  if (status === 429) return retryable(`Honeycomb rate-limited the request (429): ${text}`, after);
  if (status === 408 || status >= 500) return retryable(`Honeycomb answered ${status}: ${text}`, after);
  if (status === 401) return permanent(`Honeycomb refused the API key (401): ${text}. Check the exporter's api_key (run \`otlp-relay check\`)`, items);
  if (status === 403) return permanent(`Honeycomb denied permission (403): ${text}. The key may lack the "Send Events" permission`, items);
  if (status === 413) return tooLarge(`Honeycomb refused the request as too large (413): ${text}`, items); // the runner splits it
  if (status === 400) return refusedContent(`Honeycomb answered 400: ${text}`, items); // the runner isolates the bad part
  return permanent(`Honeycomb answered ${status}: ${text}`, items);
}

/**
 * A 200 may still carry an OTLP partial_success saying some items were refused
 * (https://opentelemetry.io/docs/specs/otlp/#partial-success-1): surface it instead of calling it sent.
 */
export function partialSuccess(signal: Signal, contentType: string | string[] | undefined, body: Uint8Array): Outcome {
  if (body.byteLength === 0) return SUCCESS;
  const key = REJECTED_FIELD[signal];
  let partial: { [k: string]: unknown; errorMessage?: unknown } | undefined;
  try {
    if (String(contentType ?? '').includes('json')) {
      partial = (JSON.parse(Buffer.from(body).toString('utf8')) as { partialSuccess?: typeof partial }).partialSuccess;
    } else {
      const t = responseType(signal);
      partial = (t.toObject(t.decode(body), { longs: Number }) as { partialSuccess?: typeof partial }).partialSuccess;
    }
  } catch {
    return SUCCESS; // an unreadable 2xx body is still a delivery
  }
  const rejected = Number(partial?.[key] ?? 0);
  const message = typeof partial?.errorMessage === 'string' ? partial.errorMessage : '';
  if (rejected > 0) return { kind: 'success', rejected, reason: message || 'Honeycomb gave no reason' };
  return SUCCESS;
}
