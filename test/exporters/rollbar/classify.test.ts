/** What each answer of the item API means: per item, for every item, and how long a 429 asks to wait. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyAnswer, MIN_RATE_LIMIT_WAIT_MS, rateLimitWaitMs, rollbarMessage } from '../../../src/exporters/rollbar/classify.ts';

const TOKEN = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6';
const NOW = 1_700_000_000_000;
const err = (message: string) => JSON.stringify({ err: 1, message });

describe('answers', () => {
  test('200 with err 0 landed; a 200 carrying an error refuses that item', () => {
    assert.deepEqual(classifyAnswer(200, {}, '{"err":0,"result":{"id":null,"uuid":"u"}}', TOKEN), { kind: 'landed' });
    assert.deepEqual(classifyAnswer(200, {}, 'not json', TOKEN), { kind: 'landed' }, 'an unreadable 2xx is still a delivery');
    assert.equal(classifyAnswer(200, {}, err('odd'), TOKEN).kind, 'refused');
  });

  test('400, 413 and 422 refuse the one item, with Rollbar\'s words', () => {
    assert.deepEqual(classifyAnswer(422, {}, err('Invalid format. data.body.trace.frames[0].filename is missing and it is required.'), TOKEN), {
      kind: 'refused',
      status: 422,
      reason: 'Rollbar refused an item (422): Invalid format. data.body.trace.frames[0].filename is missing and it is required.',
    });
    assert.deepEqual(classifyAnswer(413, {}, err('Request entity too large'), TOKEN), { kind: 'refused', status: 413, reason: 'Rollbar refused an item as too large (413): Request entity too large' });
    assert.equal(classifyAnswer(400, {}, err('Malformed JSON'), TOKEN).kind, 'refused');
  });

  test('403 refuses every item, permanently, with Rollbar\'s message and never the token it echoes', () => {
    const a = classifyAnswer(403, {}, err(`access token not found: ${TOKEN}`), TOKEN);
    assert.equal(a.kind, 'stop');
    assert.deepEqual(a.kind === 'stop' && a.outcome, {
      kind: 'permanent',
      reason: "Rollbar refused the access token (403): access token not found: [the access token]; check the exporter's access_token: a project access token with post_server_item scope",
    });
    const scope = classifyAnswer(403, {}, err('insufficient privileges: post_server_item scope is required but the access token only has post_client_item.'), TOKEN);
    assert.ok(scope.kind === 'stop' && scope.outcome.kind === 'permanent' && scope.outcome.reason.includes('post_server_item scope is required'));
    assert.ok(classifyAnswer(401, {}, '', TOKEN).kind === 'stop');
  });

  test('404 says to check the endpoint', () => {
    const a = classifyAnswer(404, {}, err('Not Found'), TOKEN);
    assert.ok(a.kind === 'stop' && a.outcome.kind === 'permanent' && /check the exporter's endpoint, it should end in \/api\/1\/item\//.test(a.outcome.reason));
  });

  test('429 waits for the rate-limit window; 5xx and 408 are retried, honouring Retry-After', () => {
    const limited = classifyAnswer(429, { 'x-rate-limit-remaining-seconds': '17', 'x-rate-limit-remaining': '0' }, err('rate limited'), TOKEN, NOW);
    assert.deepEqual(limited, { kind: 'stop', outcome: { kind: 'retryable', reason: 'Rollbar rate-limited the access token (429): rate limited; waiting for its rate-limit window', afterMs: 17_000 } });
    assert.deepEqual(classifyAnswer(503, { 'retry-after': '3' }, 'Service Unavailable', TOKEN, NOW), { kind: 'stop', outcome: { kind: 'retryable', reason: 'Rollbar answered 503: Service Unavailable', afterMs: 3000 } });
    assert.deepEqual(classifyAnswer(502, {}, '', TOKEN, NOW), { kind: 'stop', outcome: { kind: 'retryable', reason: 'Rollbar answered 502: (no message)' } });
    assert.equal(classifyAnswer(408, {}, '', TOKEN).kind, 'stop');
  });
});

describe('the wait a 429 asks for', () => {
  test('X-Rate-Limit-Remaining-Seconds first, then X-Rate-Limit-Reset (epoch seconds), then Retry-After', () => {
    assert.equal(rateLimitWaitMs({ 'x-rate-limit-remaining-seconds': '42', 'x-rate-limit-reset': String(NOW / 1000 + 5) }, NOW), 42_000);
    assert.equal(rateLimitWaitMs({ 'x-rate-limit-reset': String(NOW / 1000 + 5) }, NOW), 5_000);
    assert.equal(rateLimitWaitMs({ 'retry-after': '9' }, NOW), 9_000);
    assert.equal(rateLimitWaitMs({}, NOW), undefined, 'nothing said: the runner backs off');
  });

  test('never less than a second: "0 seconds left" still means the window has not turned', () => {
    assert.equal(rateLimitWaitMs({ 'x-rate-limit-remaining-seconds': '0' }, NOW), MIN_RATE_LIMIT_WAIT_MS);
    assert.equal(rateLimitWaitMs({ 'x-rate-limit-reset': String(NOW / 1000 - 5) }, NOW), MIN_RATE_LIMIT_WAIT_MS);
    assert.equal(rateLimitWaitMs({ 'x-rate-limit-remaining-seconds': 'soon' }, NOW), undefined);
  });
});

describe("Rollbar's message", () => {
  test('from the JSON body, else the text, cut short, the token replaced wherever it appears', () => {
    assert.equal(rollbarMessage(err(`bad token ${TOKEN} (${TOKEN})`), TOKEN), 'bad token [the access token] ([the access token])');
    assert.equal(rollbarMessage('<html>502 Bad Gateway</html>', TOKEN), '<html>502 Bad Gateway</html>');
    assert.equal(rollbarMessage('x'.repeat(2000), TOKEN).length, 500);
    assert.equal(rollbarMessage('', TOKEN), '(no message)');
  });
});
