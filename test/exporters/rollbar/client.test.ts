/** The Rollbar client against the local Rollbar API: one POST per item, what each answer does, retries that resend only what is missing, the cap. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { RollbarExportClient, type RollbarClientOptions } from '../../../src/exporters/rollbar/client.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { FakeRollbar } from '../../support/fake-rollbar.ts';
import { invalidUtf8 } from '../../support/corrupt.ts';
import { captureLogger } from '../../support/log.ts';
import { exception, logBytes, OPTIONS, spanIds, traceBytes } from './helpers.ts';

const TOKEN = 'c1ient0test0token000000000000001';
const signal = () => new AbortController().signal;

/** `n` failing spans, each one item. */
const errors = (n: number, prefix = 'e') => traceBytes({ 'service.name': 'svc' }, spanIds(n, prefix).map((spanId) => ({ spanId, status: { code: 2, message: 'failed' } })));

let fake: FakeRollbar;
before(async () => {
  fake = await new FakeRollbar({ [TOKEN]: ['post_server_item'], 'client0only0token0000000000000001': ['post_client_item'] }).start();
});
after(() => fake.stop());
beforeEach(() => fake.reset());

function setup(o: Partial<RollbarClientOptions> = {}) {
  const stats = new Stats();
  const logs = captureLogger('debug');
  const client = new RollbarExportClient({
    name: 'rollbar',
    accessToken: TOKEN,
    endpoint: fake.itemUrl,
    translate: OPTIONS,
    itemsPerMinute: 0,
    userAgent: 'otlp-relay/test',
    log: logs.log,
    stats,
    concurrency: 1,
    ...o,
  });
  const warnings = () => logs.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));
  const items = (outcome: string) => stats.get('otlp_relay_rollbar_items_total', { exporter: 'rollbar', outcome });
  return { client, stats, logs, warnings, items };
}

describe('sending', () => {
  test('one POST per item, JSON, the token in X-Rollbar-Access-Token (never in the body)', async () => {
    const { client, items } = setup({ concurrency: 4 });
    assert.deepEqual(await client.send('traces', errors(6), 6, signal()), { kind: 'success' });
    assert.equal(fake.items.length, 6);
    assert.equal(fake.answers.length, 6);
    for (const i of fake.items) {
      assert.equal(i.headers['x-rollbar-access-token'], TOKEN);
      assert.match(String(i.headers['content-type']), /^application\/json/);
      assert.equal(i.headers['user-agent'], 'otlp-relay/test');
      assert.ok(!JSON.stringify(i.data).includes(TOKEN));
    }
    assert.equal(items('sent'), 6);
  });

  test('logs too; spans and records that are not errors make no request and are counted as skipped', async () => {
    const { client, stats, warnings } = setup();
    const bytes = logBytes({ 'service.name': 'svc' }, [{ severityNumber: 17, body: 'failed' }, { severityNumber: 9, body: 'fine' }]);
    assert.equal((await client.send('logs', bytes, 2, signal())).kind, 'success');
    assert.equal(fake.items.length, 1);
    assert.equal(stats.get('otlp_relay_rollbar_records_skipped_total', { exporter: 'rollbar', signal: 'logs' }), 1);
    assert.equal(warnings().filter((w) => w.includes('that are not errors make no Rollbar item')).length, 1);
  });

  test('a request in the batch that cannot be decoded (invalid UTF-8) costs only its own records, said once', async () => {
    const { client, stats, warnings } = setup();
    const bad = invalidUtf8(traceBytes({ 'service.name': 'zzzz' }, spanIds(2, 'b').map((spanId) => ({ spanId, status: { code: 2, message: 'failed' } }))), 'zzzz');
    const bytes = Buffer.concat([errors(2), bad, errors(1, 'f')]);
    assert.equal((await client.send('traces', bytes, 5, signal())).kind, 'success');
    assert.equal(fake.items.length, 3);
    assert.equal(stats.get('otlp_relay_rollbar_records_undecodable_total', { exporter: 'rollbar', signal: 'traces' }), 2);
    const said = warnings().filter((w) => w.includes('could not be decoded'));
    assert.equal(said.length, 1);
    assert.match(said[0]!, /2 spans could not be decoded.*UTF-8.*the rest of their batch was sent/);
  });

  test('metrics are refused: Rollbar takes error spans and logs only', async () => {
    const { client } = setup();
    assert.deepEqual(await client.send('metrics', new Uint8Array(), 3, signal()), { kind: 'permanent', reason: 'Rollbar takes error spans and error logs, not metrics', rejected: 3 });
    assert.equal(fake.answers.length, 0);
  });
});

describe('refusals', () => {
  test('an unknown token: permanent, Rollbar\'s message kept, the token it echoes replaced; the batch stops at the first answer', async () => {
    const { client, items } = setup({ accessToken: 'wrong0token0000000000000000000001' });
    const o = await client.send('traces', errors(3), 3, signal());
    assert.deepEqual(o, {
      kind: 'permanent',
      reason: "Rollbar refused the access token (403): access token not found: [the access token]; check the exporter's access_token: a project access token with post_server_item scope",
      rejected: 3,
    });
    assert.equal(fake.answers.length, 1, 'no point sending the rest with a refused token');
    assert.ok(fake.answers[0]?.message?.includes('wrong0token'), 'the fake echoes it, as Rollbar does');
    assert.equal(items('refused'), 3);
  });

  test('a token without post_server_item scope: permanent', async () => {
    const { client } = setup({ accessToken: 'client0only0token0000000000000001' });
    const o = await client.send('traces', errors(1), 1, signal());
    assert.equal(o.kind, 'permanent');
    assert.match(o.reason, /insufficient privileges: post_server_item scope is required but the access token only has post_client_item/);
  });

  test('a wrong endpoint path: permanent, naming the endpoint', async () => {
    const { client } = setup({ endpoint: `${fake.url}/api/1/items` });
    const o = await client.send('traces', errors(1), 1, signal());
    assert.equal(o.kind, 'permanent');
    assert.match(o.reason, /Rollbar answered 404 \(Not Found\): check the exporter's endpoint/);
  });

  test('422 and 413 refuse one item each; the others land: success with the refused records and Rollbar\'s words', async () => {
    const { client, items } = setup();
    fake.script.push({ status: 422, body: '{"err":1,"message":"Invalid format. data.body.trace.exception.class is missing and it is required."}' });
    fake.script.push({ status: 413, body: '{"err":1,"message":"Request entity too large"}' });
    const o = await client.send('traces', errors(4), 4, signal());
    assert.deepEqual(o, { kind: 'success', rejected: 2, reason: 'Rollbar refused an item (422): Invalid format. data.body.trace.exception.class is missing and it is required.' });
    assert.equal(fake.items.length, 2);
    assert.equal(items('refused'), 2);
    assert.equal(items('sent'), 2);
  });

  test('every item refused: permanent', async () => {
    const { client } = setup();
    fake.script.push({ status: 422, body: '{"err":1,"message":"Invalid format."}' }, { status: 422, body: '{"err":1,"message":"Invalid format."}' });
    assert.deepEqual(await client.send('traces', errors(2), 2, signal()), { kind: 'permanent', reason: 'Rollbar refused an item (422): Invalid format.', rejected: 2 });
  });
});

describe('retries send only what Rollbar has not taken', () => {
  test('5xx: retryable; the next attempt of the same batch sends the rest, each item landing once', async () => {
    const { client } = setup();
    const bytes = errors(4);
    fake.script.push({ status: 200, body: '{"err":0,"result":{"uuid":"x"}}' }); // the first item lands (scripted: not recorded by the fake)
    fake.script.push({ status: 503, body: '{"err":1,"message":"Service Unavailable"}' });
    const first = await client.send('traces', bytes, 4, signal());
    assert.deepEqual(first, { kind: 'retryable', reason: 'Rollbar answered 503: Service Unavailable' });
    assert.equal(fake.answers.length, 2, 'stopped at the 503');
    assert.equal((await client.send('traces', bytes, 4, signal())).kind, 'success');
    assert.equal(fake.answers.length, 5, 'the landed item was not sent again; the failed one was');
    assert.equal(fake.items.length, 3);
    assert.equal(fake.duplicates, 0);
  });

  test('a network error: retryable, nothing lost', async () => {
    const dead = await new FakeRollbar({}).start();
    const url = dead.itemUrl;
    await dead.stop();
    const { client } = setup({ endpoint: url });
    const o = await client.send('traces', errors(2), 2, signal());
    assert.equal(o.kind, 'retryable');
    assert.match(o.reason, /^could not reach Rollbar: /);
  });

  test('an aborted attempt (the runner\'s timeout) throws; the next attempt sends every item', async () => {
    const { client } = setup();
    const bytes = errors(3);
    const aborted = new AbortController();
    aborted.abort(new Error('timeout'));
    await assert.rejects(client.send('traces', bytes, 3, aborted.signal));
    assert.equal(fake.items.length, 0);
    assert.equal((await client.send('traces', bytes, 3, signal())).kind, 'success');
    assert.equal(fake.items.length, 3);
  });

  test('a batch given again (a reload hands it over) makes no second item: same uuids, discarded by Rollbar', async () => {
    const { client } = setup();
    const bytes = errors(2);
    await client.send('traces', bytes, 2, signal());
    const again = setup();
    await again.client.send('traces', new Uint8Array(bytes), 2, signal());
    assert.equal(fake.items.length, 2);
    assert.equal(fake.duplicates, 2);
  });
});

describe('rate limits', () => {
  test('429: wait as long as X-Rate-Limit-Remaining-Seconds says; meanwhile no batch sends anything; then the rest, none twice', async () => {
    let now = 1_700_000_000_000;
    fake.now = () => now;
    fake.rateLimit = { limit: 2, windowSeconds: 60 };
    const { client, stats } = setup({ now: () => now });
    const bytes = errors(5);
    const first = await client.send('traces', bytes, 5, signal());
    assert.deepEqual(first, { kind: 'retryable', reason: 'Rollbar rate-limited the access token (429): Rate limit reached for this access token; the item was not processed.; waiting for its rate-limit window', afterMs: 60_000 });
    assert.equal(fake.items.length, 2);
    assert.equal(stats.get('otlp_relay_rollbar_rate_limited_total', { exporter: 'rollbar' }), 1);

    now += 30_000;
    const sent = fake.answers.length;
    const other = await client.send('traces', errors(1, 'f'), 1, signal());
    assert.deepEqual(other, { kind: 'retryable', reason: first.reason, afterMs: 30_000 }, 'another batch waits for the same window');
    assert.equal((await client.send('traces', bytes, 5, signal())).kind, 'retryable');
    assert.equal(fake.answers.length, sent, 'not one request inside the window');

    now += 30_000;
    assert.equal((await client.send('traces', bytes, 5, signal())).kind, 'retryable', 'a new window of 2: two more land, then 429 again');
    now += 60_000;
    assert.deepEqual(await client.send('traces', bytes, 5, signal()), { kind: 'success' });
    assert.equal(fake.items.length, 5);
    assert.equal(fake.duplicates, 0);
    assert.equal(fake.count(429), 2);
  });

  test('items_per_minute: items over the cap are shed, counted and said once; the batch is not retried for them', async () => {
    let now = 1_700_000_000_000;
    const { client, items, warnings } = setup({ itemsPerMinute: 3, now: () => now });
    assert.deepEqual(await client.send('traces', errors(5), 5, signal()), { kind: 'success' });
    assert.equal(fake.items.length, 3);
    assert.equal(items('shed'), 2);
    assert.equal(items('sent'), 3);
    await client.send('traces', errors(2, 'f'), 2, signal());
    assert.equal(items('shed'), 4, 'still within the minute');
    const said = warnings().filter((w) => w.includes('items_per_minute'));
    assert.equal(said.length, 1, 'said once');
    assert.match(said[0]!, /rollbar: more than items_per_minute \(3\) Rollbar items in a minute; the rest are shed, not sent \(e\.g\. span "op" in trace [0-9a-f]{32}\); counted in otlp_relay_rollbar_items_total\{outcome="shed"\}/);
    now += 60_000;
    await client.send('traces', errors(2, 'd'), 2, signal());
    assert.equal(fake.items.length, 5, 'a minute later there is room again');
  });
});

describe('items too large and trimmed', () => {
  test('counted, explained once, and not sent when even trimmed they do not fit', async () => {
    const { client, items, warnings } = setup({ translate: { ...OPTIONS, maxItemBytes: 200 } });
    assert.deepEqual(await client.send('traces', errors(2), 2, signal()), { kind: 'success' });
    assert.equal(fake.answers.length, 0);
    assert.equal(items('too_large'), 2);
    assert.equal(warnings().filter((w) => w.includes('stay over')).length, 1);
  });

  test('a trimmed item is counted per stage and said once', async () => {
    const { client, stats, warnings } = setup();
    const stack = `java.lang.StackOverflowError\n${'\tat com.example.R.call(R.java:1)\n'.repeat(8000)}`;
    const bytes = traceBytes({ 'service.name': 'svc', 'telemetry.sdk.language': 'java' }, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('java.lang.StackOverflowError', undefined, stack)] }]);
    assert.equal((await client.send('traces', bytes, 1, signal())).kind, 'success');
    assert.equal(fake.items.length, 1);
    assert.equal(stats.get('otlp_relay_rollbar_items_trimmed_total', { exporter: 'rollbar', stage: 'frames' }), 1);
    assert.ok(warnings().some((w) => /middle frames were left out/.test(w)));
  });
});
