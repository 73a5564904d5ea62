import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, errorText } from '../../../src/exporters/honeycomb/classify.ts';

test('Honeycomb answers are classified by the documented rules', () => {
  assert.equal(classify(200, {}, '', 3).kind, 'success');
  const limited = classify(429, { 'retry-after': '12' }, '{"title":"Too Many Requests","detail":"rate limited"}', 3);
  assert.deepEqual(limited, { kind: 'retryable', reason: 'Honeycomb rate-limited the request (429): rate limited', afterMs: 12_000 });
  assert.equal(classify(503, {}, 'oops', 1).kind, 'retryable');
  assert.equal(classify(408, {}, '', 1).kind, 'retryable');
  const unauth = classify(401, {}, '{"error":"unknown API key - check your credentials"}', 5);
  assert.equal(unauth.kind, 'permanent');
  assert.match(unauth.kind === 'permanent' ? unauth.reason : '', /refused the API key \(401\): unknown API key/);
  assert.equal(unauth.kind === 'permanent' ? unauth.rejected : 0, 5);
  assert.equal(classify(403, {}, '', 1).kind, 'permanent');
  assert.equal(classify(400, {}, 'bad', 1).kind, 'permanent');
  assert.equal(classify(413, {}, '', 1).kind, 'permanent');
});

test('error text comes from the JSON error or the body, cut short', () => {
  assert.equal(errorText('{"error":"missing \'x-honeycomb-dataset\' header"}'), "missing 'x-honeycomb-dataset' header");
  assert.equal(errorText('plain words'), 'plain words');
  assert.equal(errorText(''), '(empty body)');
  assert.equal(errorText('x'.repeat(900)).length, 500);
});
