import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountOf, explainAwsError, staticPrefix } from '../../src/check/aws.ts';
import { doubledPathHint } from '../../src/check/result.ts';

/** An SDK-shaped service error. */
function awsError(name: string, message: string, status?: number): Error {
  return Object.assign(new Error(message), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }) });
}

describe('explainAwsError: the likely cause of each AWS failure', () => {
  const cases: Array<[string, Error, RegExp, RegExp]> = [
    ['no credentials', awsError('CredentialsProviderError', 'Could not load credentials from any providers'), /no AWS credentials found/, /AWS_ACCESS_KEY_ID.*AWS_PROFILE/],
    ['no region', new Error('Region is missing'), /no AWS region/, /AWS_REGION/],
    [
      'a missing permission',
      awsError('AccessDeniedException', 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: xray:GetSamplingRules', 403),
      /may not call xray:GetSamplingRules \(account 123456789012\)/,
      /grant xray:GetSamplingRules.*xray:PutTraceSegments/,
    ],
    ['an unknown access key', awsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403), /UnrecognizedClientException/, /does not know this access key id/],
    ['a wrong secret', awsError('InvalidSignatureException', 'The request signature we calculated does not match', 403), /InvalidSignatureException/, /secret access key does not match/],
    ['expired session', awsError('ExpiredTokenException', 'The security token included in the request is expired', 400), /ExpiredTokenException/, /expired: refresh/],
    ['a doubled path', awsError('UnknownOperationException', 'no operation', 404), /UnknownOperationException/, /\/v1\/traces/],
  ];
  for (const [what, err, text, hint] of cases) {
    test(what, () => {
      const r = explainAwsError(err, 'xray:GetSamplingRules', 'xray:PutTraceSegments', 'http://127.0.0.1:4000/v1/traces');
      assert.match(r.text, text);
      assert.match(r.hint, hint);
    });
  }

  test('a refused connection names the endpoint', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const r = explainAwsError(err, 'logs:DescribeLogGroups', 'logs:PutLogEvents', 'http://127.0.0.1:1');
    assert.match(r.text, /nothing listens at 127\.0\.0\.1:1/);
  });
});

test('accountOf finds the account in an ARN, or nothing', () => {
  assert.equal(accountOf('arn:aws:xray:us-east-1:123456789012:sampling-rule/Default'), '123456789012');
  assert.equal(accountOf('arn:aws-cn:logs:cn-north-1:210987654321:log-group:/x:*'), '210987654321');
  assert.equal(accountOf('no arn here'), undefined);
});

test('staticPrefix: the fixed start of a log group template, when DescribeLogGroups can search by it', () => {
  assert.equal(staticPrefix('/cruddur/{service.name}'), '/cruddur/');
  assert.equal(staticPrefix('/fixed/group'), '/fixed/group');
  assert.equal(staticPrefix('{service.name}'), undefined);
  assert.equal(staticPrefix(undefined), undefined);
});

test('doubledPathHint: a signal path in a base URL, or any path', () => {
  assert.match(doubledPathHint('http://relay:4318/v1/traces') ?? '', /ends in \/v1\/traces.*\/v1\/traces\/v1\/traces/);
  assert.match(doubledPathHint('https://proxy.example.com/aws') ?? '', /has a path \(\/aws\)/);
  assert.equal(doubledPathHint('https://xray.us-east-1.amazonaws.com'), undefined);
  assert.equal(doubledPathHint(undefined), undefined);
});
