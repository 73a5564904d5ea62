import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { checkHoneycomb } from '../../src/check/honeycomb.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { ExporterConfig } from '../../src/config/types.ts';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';

const GOOD = 'abcdefghijklmnopqrstuv'; // 22 characters: an environment key
const UNKNOWN = 'zyxwvutsrqponmlkjihgfe';
const CLASSIC = '0123456789abcdef0123456789abcdef';

function honeycomb(endpoint: string, key: string, extra = ''): Extract<ExporterConfig, { type: 'honeycomb' }> {
  const cfg = parseConfig(`exporters:\n  hc: { type: honeycomb, api_key: "${key}", endpoint: "${endpoint}", timeout: 5s ${extra} }\nroutes:\n  - { signals: [logs], to: [hc] }\n`);
  const ex = cfg.exporters['hc'];
  assert.ok(ex?.type === 'honeycomb');
  return ex;
}

describe('checkHoneycomb against the local Honeycomb API', () => {
  let hc: FakeHoneycomb;
  before(async () => {
    hc = await new FakeHoneycomb([GOOD, CLASSIC]).start();
  });
  after(() => hc.stop());

  test('a good key: ok, with the team, environment and key type; no telemetry sent', async () => {
    const r = await checkHoneycomb(honeycomb(hc.url, GOOD));
    assert.equal(r.outcome, 'ok', r.summary);
    assert.match(r.summary, /team "Cruddur", environment "test", ingest key \(environment\)/);
    assert.deepEqual(r.details.slice(0, 3), ['team: Cruddur', 'environment: test', 'key type: ingest key (environment)']);
    assert.equal(hc.received.length, 0, 'nothing was sent to the ingest paths');
  });

  test('an unknown key: failed, with Honeycomb words and a hint from the key shape, never the key', async () => {
    const r = await checkHoneycomb(honeycomb(hc.url, UNKNOWN));
    assert.equal(r.outcome, 'failed');
    assert.match(r.summary, /Honeycomb refused the API key \(401\): unknown API key/);
    assert.match(r.hint ?? '', /shape of an environment key \(22 characters\).*does not know it.*typo.*other region/);
    assert.ok(!JSON.stringify(r).includes(UNKNOWN), 'the key is never echoed');
  });

  test('a classic key says it needs a dataset when none is set', async () => {
    const r = await checkHoneycomb(honeycomb(hc.url, CLASSIC));
    assert.equal(r.outcome, 'ok');
    assert.ok(r.details.includes('dataset: none set; classic keys need one for traces and metrics'));
  });
});

describe('checkHoneycomb hints for endpoints that are not Honeycomb', () => {
  test('nothing listening: ECONNREFUSED named, hint on host and port', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const r = await checkHoneycomb(honeycomb(`http://127.0.0.1:${port}`, GOOD));
    assert.equal(r.outcome, 'failed');
    assert.match(r.summary, /ECONNREFUSED/);
    assert.match(r.hint ?? '', /host and port/);
  });

  test('a server without /1/auth: 404 says the endpoint is not the Honeycomb API', async () => {
    const server = http.createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await checkHoneycomb(honeycomb(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, GOOD));
      assert.equal(r.outcome, 'failed');
      assert.match(r.summary, /answered 404: .* does not look like the Honeycomb API/);
      assert.match(r.hint ?? '', /base URL \(https:\/\/api\.honeycomb\.io/);
    } finally {
      server.close();
    }
  });

  test('a key without the Send Events permission fails even though Honeycomb knows it', async () => {
    const server = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'configuration', api_key_access: { events: false }, environment: { name: 'prod' }, team: { name: 'T' } })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await checkHoneycomb(honeycomb(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, GOOD));
      assert.equal(r.outcome, 'failed');
      assert.match(r.hint ?? '', /Send Events/);
    } finally {
      server.close();
    }
  });
});
