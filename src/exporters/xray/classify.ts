/**
 * What a PutTraceSegments failure means (https://docs.aws.amazon.com/xray/latest/api/API_PutTraceSegments.html#API_PutTraceSegments_Errors,
 * https://docs.aws.amazon.com/xray/latest/api/CommonErrors.html). Throttling, 5xx, timeouts and network
 * errors are retried with backoff (the collector drops throttled data; we do not); requests X-Ray
 * refuses as invalid or unauthorized are permanent, with the service's own words.
 */
import { permanent, retryable, type Outcome } from '../../pipeline/outcome.ts';

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const AUTH_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AccessDeniedException',
  'NotAuthorized',
]);
// Refreshed credentials or a corrected clock fix these: worth retrying.
const TRANSIENT_AUTH_ERRORS = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

const CREDENTIALS_ADVICE = 'the relay takes credentials from the standard AWS chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a container or instance role)';

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Classifies an error thrown by the SDK's send(). */
export function classifyError(err: unknown, items: number): Outcome {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = text(e.name) || 'Error';
  const message = (text(e.message) || String(err)).slice(0, 300);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const said = `${name}${status === undefined ? '' : ` (${status})`}: ${message}`;
  if (name === 'ThrottledException' || status === 429) return retryable(`X-Ray throttled the request, ${said}`);
  if (TRANSIENT_AUTH_ERRORS.has(name)) return retryable(`X-Ray refused the credentials as expired, ${said}`);
  if (AUTH_ERRORS.has(name) || status === 401 || status === 403) return permanent(`X-Ray refused the credentials, ${said}; ${CREDENTIALS_ADVICE}`, items);
  if (name === 'InvalidRequestException') return permanent(`X-Ray refused the request as invalid, ${said}`, items);
  if (status !== undefined && (status >= 500 || status === 408)) return retryable(`X-Ray answered ${said}`);
  if (e.$fault === 'server') return retryable(`X-Ray failed, ${said}`);
  if (status !== undefined && status >= 400) return permanent(`X-Ray answered ${said}`, items);
  if (name === 'CredentialsProviderError') return retryable(`no AWS credentials found (${message}); ${CREDENTIALS_ADVICE}`);
  if (/region is missing/i.test(message)) return permanent('no AWS region: set `region` on the exporter, or AWS_REGION in the environment', items);
  if (NETWORK_CODES.has(text(e.code)) || NETWORK_CODES.has(name)) return retryable(`could not reach X-Ray, ${said}`);
  // Timeouts, aborted sockets and anything unknown: retrying never loses data, dropping would.
  return retryable(`sending to X-Ray failed, ${said}`);
}

/** Per-document error codes in UnprocessedTraceSegments that a later attempt can fix. */
export function isRetryableSegmentError(errorCode: string | undefined): boolean {
  return errorCode !== undefined && /throttl|internal|unavailable|timeout|slowdown|too ?many/i.test(errorCode);
}
