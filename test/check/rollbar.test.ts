import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkRollbar } from '../../src/check/rollbar.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { ExporterConfig } from '../../src/config/types.ts';
import { FakeRollbar } from '../support/fake-rollbar.ts';

const GOOD = '0123456789abcdef0123456789abcdef';
const UNKNOWN = 'fedcba9876543210fedcba9876543210';
const READ_ONLY = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

function rollbar(endpoint: string, token: string): Extract<ExporterConfig, { type: 'rollbar' }> {
  const cfg = parseConfig(`exporters:\n  rb: { type: rollbar, access_token: "${token}", endpoint: "${endpoint}", environment: test }\nroutes:\n  - { signals: [logs], to: [rb] }\n`);
  const ex = cfg.exporters['rb'];
  assert.ok(ex?.type === 'rollbar');
  return ex;
}

describe('checkRollbar against the local Rollbar API', () => {
  let rb: FakeRollbar;
  before(async () => {
    rb = await new FakeRollbar({ [GOOD]: ['post_server_item'], [READ_ONLY]: ['read'] }).start();
  });
  after(() => rb.stop());

  test('a good token: ok, and no item was created', async () => {
    const r = await checkRollbar(rollbar(rb.url, GOOD));
    assert.equal(r.outcome, 'ok', r.summary);
    assert.match(r.summary, /token accepted/);
    assert.equal(rb.items.length, 0);
  });

  test('an unknown token or one without post_server_item: failed with a hint, never the token', async () => {
    for (const token of [UNKNOWN, READ_ONLY]) {
      const r = await checkRollbar(rollbar(rb.url, token));
      assert.equal(r.outcome, 'failed');
      assert.match(r.summary, /Rollbar refused the access token \(403\)/);
      assert.match(r.hint ?? '', /post_server_item/);
      assert.ok(!JSON.stringify(r).includes(token), 'the token is not in the result');
    }
  });

  test('a closed port: failed with a network hint', async () => {
    const r = await checkRollbar(rollbar('http://127.0.0.1:1', GOOD));
    assert.equal(r.outcome, 'failed');
  });
});
