import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, errorText } from '../../../src/exporters/honeycomb/classify.ts';
import { encodeResponse } from '../../../src/otlp/codec.ts';

const b = (s: string) => Buffer.from(s);

test('Honeycomb answers are classified by the documented rules', () => {
  assert.equal(classify(200, {}, b(''), 3).kind, 'success');
  const limited = classify(429, { 'retry-after': '12' }, b('{"title":"Too Many Requests","detail":"rate limited"}'), 3);
  assert.deepEqual(limited, { kind: 'retryable', reason: 'Honeycomb rate-limited the request (429): rate limited', afterMs: 12_000 });
  assert.equal(classify(503, {}, b('oops'), 1).kind, 'retryable');
  assert.equal(classify(408, {}, b(''), 1).kind, 'retryable');
  const unauth = classify(401, {}, b('{"error":"unknown API key - check your credentials"}'), 5);
  assert.equal(unauth.kind, 'permanent');
  assert.match(unauth.kind === 'permanent' ? unauth.reason : '', /refused the API key \(401\): unknown API key/);
  assert.equal(unauth.kind === 'permanent' ? unauth.rejected : 0, 5);
  assert.equal(classify(403, {}, b(''), 1).kind, 'permanent');
  assert.deepEqual(classify(413, {}, b(''), 2), { kind: 'permanent', reason: 'Honeycomb refused the request as too large (413): (empty body)', rejected: 2, split: 'size' });
  assert.deepEqual(classify(404, {}, b('{"error":"not found"}'), 1), { kind: 'permanent', reason: 'Honeycomb answered 404: not found', rejected: 1 }, 'other 4xx: refused for good, no split');
});

test("a 400 (husky's body could not be parsed) asks the runner to isolate the bad part, with Honeycomb's words", () => {
  const husky = b('{"message":"failed to parse OTLP request body"}');
  assert.deepEqual(classify(400, { 'content-type': 'application/json' }, husky, 7), {
    kind: 'permanent',
    reason: 'Honeycomb answered 400: failed to parse OTLP request body',
    rejected: 7,
    split: 'content',
  });
  assert.deepEqual(classify(400, {}, b('bad'), 1), { kind: 'permanent', reason: 'Honeycomb answered 400: bad', rejected: 1, split: 'content' });
});

test('a 200 with partial_success counts the refused items with Honeycomb\'s reason', () => {
  const pb = encodeResponse('traces', { rejected: 2, message: 'span too large' }, 'protobuf');
  assert.deepEqual(classify(200, { 'content-type': 'application/x-protobuf' }, pb, 5, 'traces'), { kind: 'success', rejected: 2, reason: 'span too large' });
  const json = encodeResponse('logs', { rejected: 1, message: 'bad body' }, 'json');
  assert.deepEqual(classify(200, { 'content-type': 'application/json' }, b(json), 5, 'logs'), { kind: 'success', rejected: 1, reason: 'bad body' });
  assert.deepEqual(classify(200, { 'content-type': 'application/x-protobuf' }, new Uint8Array(0), 5), { kind: 'success' });
});

test('error text comes from the JSON error or the body, cut short', () => {
  assert.equal(errorText('{"error":"missing \'x-honeycomb-dataset\' header"}'), "missing 'x-honeycomb-dataset' header");
  assert.equal(errorText('plain words'), 'plain words');
  assert.equal(errorText(''), '(empty body)');
  assert.equal(errorText('x'.repeat(900)).length, 500);
});
