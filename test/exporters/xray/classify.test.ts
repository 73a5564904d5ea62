import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyError, isRetryableSegmentError } from '../../../src/exporters/xray/classify.ts';

/** An error shaped like the SDK's ServiceException. */
function sdkError(name: string, status: number | undefined, message = 'm', fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: status === undefined ? {} : { httpStatusCode: status } });
}

describe('PutTraceSegments errors', () => {
  const cases: Array<[string, unknown, 'retryable' | 'permanent', RegExp]> = [
    ['ThrottledException (429): retried, unlike the collector', sdkError('ThrottledException', 429, 'Rate exceeded'), 'retryable', /throttled.*ThrottledException \(429\): Rate exceeded/],
    ['a bare 429', sdkError('Unknown', 429), 'retryable', /throttled/],
    ['InvalidRequestException: permanent', sdkError('InvalidRequestException', 400, 'Exceeding maximum segment count: 50'), 'permanent', /invalid.*Exceeding maximum segment count/],
    ['500', sdkError('InternalFailure', 500, 'oops', 'server'), 'retryable', /500/],
    ['503', sdkError('ServiceUnavailable', 503), 'retryable', /503/],
    ['408', sdkError('RequestTimeout', 408), 'retryable', /408/],
    ['UnrecognizedClientException (403): permanent, with where credentials come from', sdkError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.'), 'permanent', /credentials.*standard AWS chain/],
    ['InvalidSignatureException (403)', sdkError('InvalidSignatureException', 403), 'permanent', /refused the credentials/],
    ['AccessDeniedException (403)', sdkError('AccessDeniedException', 403, 'not authorized to perform: xray:PutTraceSegments'), 'permanent', /xray:PutTraceSegments/],
    ['ExpiredTokenException: refreshed credentials fix it', sdkError('ExpiredTokenException', 400), 'retryable', /expired/],
    ['other 4xx', sdkError('ValidationException', 400), 'permanent', /400/],
    ['no credentials anywhere', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'retryable', /no AWS credentials found.*standard AWS chain/],
    ['no region', new Error('Region is missing'), 'permanent', /no AWS region/],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'retryable', /could not reach X-Ray/],
    ['a socket timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), 'retryable', /TimeoutError/],
    ['not even an Error', 'boom', 'retryable', /boom/],
  ];
  for (const [what, err, kind, reason] of cases) {
    test(what, () => {
      const o = classifyError(err, 7);
      assert.equal(o.kind, kind);
      assert.match('reason' in o ? o.reason : '', reason);
      if (o.kind === 'permanent') assert.equal(o.rejected, 7);
    });
  }

  test('long service messages are cut', () => {
    const o = classifyError(sdkError('InvalidRequestException', 400, 'x'.repeat(5000)), 1);
    assert.ok(o.kind === 'permanent' && o.reason.length < 500);
  });
});

describe('UnprocessedTraceSegments error codes', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['ThrottledException', true],
    ['Throttling', true],
    ['InternalFailure', true],
    ['ServiceUnavailable', true],
    ['InvalidTraceId', false],
    ['InvalidSegment', false],
    ['MissingId', false],
    ['SegmentTooLarge', false],
    [undefined, false],
  ];
  for (const [code, retry] of cases) test(`${code}: ${retry ? 'retried' : 'not retried'}`, () => assert.equal(isRetryableSegmentError(code), retry));
});
