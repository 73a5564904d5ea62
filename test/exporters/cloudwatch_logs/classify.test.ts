import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyError, refusesEverything, safeText } from '../../../src/exporters/cloudwatch_logs/classify.ts';
import { countRejected } from '../../../src/exporters/cloudwatch_logs/client.ts';
import { registerSecrets } from '../../../src/log.ts';

/** An error shaped as the SDK throws them. */
function awsError(name: string, message: string, status?: number): Error {
  const err = new Error(message);
  err.name = name;
  if (status !== undefined) Object.assign(err, { $metadata: { httpStatusCode: status } });
  return err;
}

describe('classifyError', () => {
  it('retries throttling matched by name, whatever the status', () => {
    for (const name of ['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']) {
      const o = classifyError(awsError(name, 'Rate exceeded', 400), 'put log events');
      assert.equal(o.kind, 'retryable', name);
      assert.match(o.reason, /throttled put log events/);
    }
  });

  it('retries 5xx, service unavailability and network errors', () => {
    assert.equal(classifyError(awsError('InternalFailure', 'oops', 500), 'x').kind, 'retryable');
    assert.equal(classifyError(awsError('SomethingNew', 'bad gateway', 502), 'x').kind, 'retryable');
    assert.equal(classifyError(awsError('ServiceUnavailableException', 'down', 400), 'x').kind, 'retryable');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(classifyError(refused, 'x').kind, 'retryable');
  });

  it('makes InvalidParameterException permanent, with the API message', () => {
    const o = classifyError(awsError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.', 400), 'put log events in g / s');
    assert.equal(o.kind, 'permanent');
    assert.match(o.reason, /refused to put log events in g \/ s: InvalidParameterException: Log events in a single PutLogEvents request must be in chronological order\./);
  });

  it('makes credential and permission errors permanent, with a hint', () => {
    for (const name of ['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException']) {
      const o = classifyError(awsError(name, 'no', 400), 'create log group g');
      assert.equal(o.kind, 'permanent', name);
      assert.match(o.reason, /IAM permissions/);
    }
  });

  it('retries a signature refused for clock skew: the SDK corrects its offset from the answer', () => {
    assert.equal(classifyError(awsError('InvalidSignatureException', 'Signature expired: 20250101T000000Z is now earlier than 20250101T000500Z', 400), 'x').kind, 'retryable');
    assert.equal(classifyError(awsError('InvalidSignatureException', 'The request signature we calculated does not match', 400), 'x').kind, 'permanent');
  });

  it('tells refusals that hold for every group and stream from those that may not', () => {
    assert.equal(refusesEverything(awsError('UnrecognizedClientException', 'bad token', 400)), true);
    assert.equal(refusesEverything(new Error('Region is missing')), true);
    assert.equal(refusesEverything(awsError('AccessDeniedException', 'not on this group', 400)), false, 'IAM may allow some groups only');
    assert.equal(refusesEverything(awsError('InvalidParameterException', 'bad batch', 400)), false);
  });

  it('makes a missing region permanent, naming the fix', () => {
    const o = classifyError(new Error('Region is missing'), 'put log events');
    assert.equal(o.kind, 'permanent');
    assert.match(o.reason, /set the exporter's region or AWS_REGION/);
  });
});

describe('error text', () => {
  it('never carries an access key id or a registered secret', () => {
    registerSecrets(['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']);
    const text = safeText('The security token AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY is invalid; ASIAXXXXXXXXXXXXXXXX too');
    assert.doesNotMatch(text, /AKIAIOSFODNN7EXAMPLE|ASIAXXXXXXXXXXXXXXXX|wJalrXUtnFEMI/);
    const o = classifyError(awsError('UnrecognizedClientException', 'The security token AKIAIOSFODNN7EXAMPLE is invalid', 400), 'x');
    assert.equal(o.kind, 'permanent');
    assert.doesNotMatch(o.reason, /AKIAIOSFODNN7EXAMPLE/);
  });
});

describe('countRejected (rejectedLogEventsInfo: end indexes exclusive, start inclusive)', () => {
  it('counts too-old, expired and too-new events once each', () => {
    assert.deepEqual(countRejected(undefined, 10), { tooOld: 0, expired: 0, tooNew: 0, total: 0 });
    assert.deepEqual(countRejected({ tooOldLogEventEndIndex: 2 }, 10), { tooOld: 2, expired: 0, tooNew: 0, total: 2 });
    assert.deepEqual(countRejected({ tooNewLogEventStartIndex: 7 }, 10), { tooOld: 0, expired: 0, tooNew: 3, total: 3 });
    // Too old events are expired too: the prefixes overlap and are counted once.
    assert.deepEqual(countRejected({ tooOldLogEventEndIndex: 2, expiredLogEventEndIndex: 4, tooNewLogEventStartIndex: 9 }, 10), { tooOld: 2, expired: 4, tooNew: 1, total: 5 });
    assert.equal(countRejected({ tooOldLogEventEndIndex: 50, tooNewLogEventStartIndex: 0 }, 10).total, 10, 'never more than the batch');
  });
});
