/** The local Rollbar API refuses what the real one refuses: otherwise the exporter's tests would prove nothing. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeRollbar, itemProblem, MAX_BODY_BYTES } from './fake-rollbar.ts';

const TOKEN = 'fake0self0test0token000000000001';
let fake: FakeRollbar;
before(async () => {
  fake = await new FakeRollbar({ [TOKEN]: ['post_server_item'], readonly0token: ['read'] }).start();
});
after(() => fake.stop());
beforeEach(() => fake.reset());

const valid = (extra: Record<string, unknown> = {}) => ({ data: { environment: 'test', body: { message: { body: 'hello' } }, ...extra } });
const trace = { frames: [{ filename: '/app/x.py', lineno: 3, method: 'f' }], exception: { class: 'E' } };

async function post(body: unknown, headers: Record<string, string> = { 'x-rollbar-access-token': TOKEN }, path = '/api/1/item/', method = 'POST') {
  const res = await fetch(fake.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { err: number; message?: string; result?: { uuid: string } } };
}

describe('the token', () => {
  test('a valid item with a post_server_item token: 200, err 0, the uuid echoed', async () => {
    const r = await post(valid({ uuid: 'u-1' }));
    assert.deepEqual([r.status, r.body], [200, { err: 0, result: { id: null, uuid: 'u-1' } }]);
    assert.equal(fake.items.length, 1);
  });

  test('in the body instead of the header: accepted too', async () => {
    assert.equal((await post({ access_token: TOKEN, ...valid() }, {})).status, 200);
  });

  test('missing: 422; unknown: 403 echoing it; without post_server_item: 403', async () => {
    assert.deepEqual(await post(valid(), {}).then((r) => [r.status, r.body.message]), [422, 'Invalid format. access_token is missing and it is required.']);
    assert.deepEqual(await post(valid(), { 'x-rollbar-access-token': 'nope1234' }).then((r) => [r.status, r.body.message]), [403, 'access token not found: nope1234']);
    const scope = await post(valid(), { 'x-rollbar-access-token': 'readonly0token' });
    assert.equal(scope.status, 403);
    assert.match(String(scope.body.message), /post_server_item scope is required/);
    assert.equal(fake.items.length, 0);
  });
});

describe('the item schema', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no data', {}, /data is missing/],
    ['no environment', { data: { body: { message: { body: 'x' } } } }, /data\.environment is missing/],
    ['an environment over 255', valid({ environment: 'e'.repeat(256) }), /data\.environment is longer than 255/],
    ['no body', { data: { environment: 't' } }, /data\.body is missing/],
    ['no body kind', { data: { environment: 't', body: {} } }, /exactly one of trace, trace_chain, message, crash_report \(has none\)/],
    ['two body kinds', { data: { environment: 't', body: { trace, message: { body: 'x' } } } }, /\(has trace, message\)/],
    ['a frame without filename', { data: { environment: 't', body: { trace: { frames: [{ lineno: 1 }], exception: { class: 'E' } } } } }, /frames\[0\]\.filename is missing/],
    ['a fractional lineno', { data: { environment: 't', body: { trace: { frames: [{ filename: 'a', lineno: 1.5 }], exception: { class: 'E' } } } } }, /lineno must be an integer/],
    ['no exception class', { data: { environment: 't', body: { trace: { frames: [], exception: { message: 'm' } } } } }, /exception\.class is missing/],
    ['no frames', { data: { environment: 't', body: { trace: { exception: { class: 'E' } } } } }, /trace\.frames is missing/],
    ['an empty trace_chain', { data: { environment: 't', body: { trace_chain: [] } } }, /non-empty list of traces/],
    ['a bad trace in a chain', { data: { environment: 't', body: { trace_chain: [trace, { frames: [{}], exception: { class: 'E' } }] } } }, /trace_chain\[1\]\.frames\[0\]\.filename is missing/],
    ['a message without body', { data: { environment: 't', body: { message: {} } } }, /message\.body is missing/],
    ['an unknown level', valid({ level: 'fatal' }), /data\.level must be one of/],
    ['a timestamp in ms as a float', valid({ timestamp: 1.5 }), /timestamp must be an integer/],
    ['a uuid over 36', valid({ uuid: 'u'.repeat(37) }), /uuid is longer than 36/],
    ['a title over 255', valid({ title: 't'.repeat(256) }), /title is longer than 255/],
    ['a code_version over 40', valid({ code_version: 'v'.repeat(41) }), /code_version is longer than 40/],
    ['a person without id', valid({ person: { email: 'a@b.c' } }), /person\.id is missing/],
    ['a person id over 40', valid({ person: { id: 'p'.repeat(41) } }), /person\.id must be a string of at most 40/],
    ['context lines that are not strings', { data: { environment: 't', body: { trace: { frames: [{ filename: 'a', context: { pre: [1] } }], exception: { class: 'E' } } } } }, /context\.pre must be a list of strings/],
  ];
  for (const [name, payload, message] of cases) {
    test(`${name}: 422, naming the field`, async () => {
      assert.match(String(itemProblem(payload)), message);
      const r = await post(payload);
      assert.equal(r.status, 422);
      assert.match(String(r.body.message), message);
      assert.equal(fake.items.length, 0);
    });
  }

  test('the richest valid item passes', () => {
    assert.equal(
      itemProblem({
        data: {
          environment: 'production',
          level: 'error',
          timestamp: 1_700_000_000,
          title: 'E: m',
          context: '/api',
          body: { trace_chain: [trace, { frames: [{ filename: 'b', lineno: 1, colno: 2, method: 'g', code: 'x()', context: { pre: ['a'], post: [] } }], exception: { class: 'F', message: 'm', description: 'd' } }] },
          code_version: '1.2.3',
          platform: 'linux',
          language: 'python',
          framework: 'flask',
          request: { url: 'http://x/', method: 'GET' },
          person: { id: '1', username: 'u', email: 'e' },
          server: { host: 'h' },
          custom: { a: 1 },
          fingerprint: 'f'.repeat(60),
          uuid: '0f0e0d0c-0b0a-5908-8706-050403020100',
          notifier: { name: 'otlp-relay', version: '0' },
        },
      }),
      undefined,
    );
  });
});

describe('transport rules', () => {
  test('over 128 KB: 413; not JSON: 400; another path: 404; another method: 405', async () => {
    const big = valid({ custom: { blob: 'x'.repeat(MAX_BODY_BYTES) } });
    assert.equal((await post(big)).status, 413);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post(valid(), undefined, '/api/1/items/')).status, 404);
    assert.equal((await post(valid(), undefined, '/api/1/item/', 'GET')).status, 405);
    assert.equal(fake.items.length, 0);
  });

  test('rate limit: the real headers on every answer, 429 over the limit, the item not processed; a new window admits again', async () => {
    let now = 1_700_000_000_000;
    fake.now = () => now;
    fake.rateLimit = { limit: 2, windowSeconds: 60 };
    const first = await post(valid({ uuid: 'a' }));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-rate-limit-limit'), '2');
    assert.equal(first.headers.get('x-rate-limit-remaining'), '1');
    assert.equal(first.headers.get('x-rate-limit-reset'), String(1_700_000_060));
    now += 15_000;
    assert.equal((await post(valid({ uuid: 'b' }))).status, 200);
    const limited = await post(valid({ uuid: 'c' }));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('x-rate-limit-remaining'), '0');
    assert.equal(limited.headers.get('x-rate-limit-remaining-seconds'), '45');
    assert.equal(fake.items.length, 2, 'not processed');
    now += 45_000;
    assert.equal((await post(valid({ uuid: 'c' }))).status, 200);
  });

  test('a uuid seen before: accepted, and discarded as a duplicate', async () => {
    await post(valid({ uuid: 'same' }));
    const again = await post(valid({ uuid: 'same' }));
    assert.equal(again.status, 200);
    assert.equal(fake.items.length, 1);
    assert.equal(fake.duplicates, 1);
  });
});
