/** What a CloudWatch Logs error means for the batch: retry later, or refuse for good. Pure. */
import { scrub } from '../../log.ts';
import { describeError } from '../../pipeline/exporter-runner.ts';
import { permanent, retryable, type Outcome } from '../../pipeline/outcome.ts';

/**
 * Throttling is matched by name, as the SDKs' retry strategies do: CloudWatch Logs answers
 * ThrottlingException, and proxies or older endpoints use the other common AWS spellings.
 */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

/** Server-side or transient: retried with backoff (OperationAborted: concurrent changes to one resource). */
const TRANSIENT_ERRORS: ReadonlySet<string> = new Set([
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'OperationAbortedException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ExpiredTokenException',
  'ExpiredToken',
  'RequestExpired',
  'CredentialsProviderError',
  // The SDK corrects its clock offset from the answer, so the retry is signed with the right time.
  'RequestTimeTooSkewed',
  // After creating the group and stream: CloudWatch Logs may not see them yet (eventual consistency).
  'ResourceNotFoundException',
]);

/** "Signature expired" / "not yet current": a skewed clock, which the SDK corrects from the answer. */
const CLOCK_SKEW = /signature expired|signature not yet current|clock skew/i;

/** The caller's credentials or permissions: retrying cannot help until someone fixes them. */
const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'NotAuthorized',
]);

// Access key ids (long-term AKIA…, temporary ASIA…) never leave in a message, whatever the service echoed.
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{12,}\b/g;

/** An error's name, message and metadata as the SDK gives them (service exceptions and plain errors alike). */
interface AwsErrorShape {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** Error text safe to log: registered secrets and access key ids replaced, cut short. */
export function safeText(text: string): string {
  return scrub(text.replace(ACCESS_KEY_ID, '[access key id]')).slice(0, 500);
}

export function errorName(err: unknown): string {
  const name = (err as AwsErrorShape | null)?.name;
  return typeof name === 'string' ? name : '';
}

function statusOf(err: unknown): number | undefined {
  return (err as AwsErrorShape | null)?.$metadata?.httpStatusCode;
}

/** `ThrottlingException: Rate exceeded` */
export function errorText(err: unknown): string {
  const name = errorName(err);
  const message = err instanceof Error ? describeError(err) : String(err);
  return safeText(name && name !== 'Error' && !message.startsWith(name) ? `${name}: ${message}` : message);
}

/**
 * Classifies an error from one CloudWatch Logs call (`action`: what the relay was doing):
 * throttling (by name), 5xx and network errors are retried; InvalidParameterException is permanent
 * with the API's own words; credential and permission errors are permanent with a hint.
 */
export function classifyError(err: unknown, action: string): Outcome {
  const name = errorName(err);
  const status = statusOf(err);
  const text = errorText(err);
  if (THROTTLING_ERRORS.has(name) || (err as AwsErrorShape | null)?.$retryable?.throttling === true || status === 429) {
    return retryable(`CloudWatch Logs throttled ${action} (${text})`);
  }
  if (TRANSIENT_ERRORS.has(name) || (status !== undefined && status >= 500) || CLOCK_SKEW.test(text)) return retryable(`CloudWatch Logs could not ${action} (${text})`);
  if (name === 'InvalidParameterException') return permanent(`CloudWatch Logs refused to ${action}: ${text}`);
  if (CREDENTIAL_ERRORS.has(name)) {
    return permanent(`CloudWatch Logs refused the credentials to ${action} (${text}); check the AWS credentials the relay runs with and their IAM permissions (logs:PutLogEvents, logs:CreateLogStream, logs:CreateLogGroup)`);
  }
  if (/region is missing/i.test(text)) return permanent(`no AWS region: set the exporter's region or AWS_REGION (${text})`);
  if (status !== undefined && status >= 400) return permanent(`CloudWatch Logs refused to ${action}: ${text}`);
  // No HTTP answer at all (connection refused, DNS, reset): the network, not the request.
  return retryable(`could not reach CloudWatch Logs to ${action} (${text})`);
}

/** Refusals that hold for every call, whatever its group or stream (unlike AccessDenied, which IAM may scope to some groups). */
const GLOBAL_REFUSALS: ReadonlySet<string> = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);

/** True when the other batches of a payload would be refused the same way: no point calling for them. */
export function refusesEverything(err: unknown): boolean {
  return GLOBAL_REFUSALS.has(errorName(err)) || /region is missing/i.test(errorText(err));
}
