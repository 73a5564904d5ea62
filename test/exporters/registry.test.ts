import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LazyClient } from '../../src/exporters/registry.ts';
import { SUCCESS } from '../../src/pipeline/outcome.ts';
import type { ExportClient } from '../../src/pipeline/types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OK = SUCCESS;

describe('LazyClient: an exporter module loads at its first send', () => {
  test('nothing loads before the first send; one load serves every send; close closes what loaded', async () => {
    let loads = 0;
    let closed = 0;
    const sent: number[] = [];
    const client = new LazyClient(async () => {
      loads++;
      await new Promise((r) => setImmediate(r));
      return { send: async (_s, _b, items) => (sent.push(items), OK), close: async () => void closed++ } satisfies ExportClient;
    });
    assert.equal(loads, 0);
    const abort = new AbortController().signal;
    const outcomes = await Promise.all([client.send('logs', new Uint8Array(1), 1, abort), client.send('logs', new Uint8Array(1), 2, abort)]);
    assert.deepEqual(outcomes, [OK, OK]);
    assert.deepEqual({ loads, sent }, { loads: 1, sent: [1, 2] });
    await client.close();
    assert.equal(closed, 1);
  });

  test('a load that fails fails that send and is tried again at the next; close without a load loads nothing', async () => {
    let loads = 0;
    const client = new LazyClient(async () => {
      if (++loads === 1) throw new Error('cannot load');
      return { send: async () => OK };
    });
    const abort = new AbortController().signal;
    await assert.rejects(client.send('traces', new Uint8Array(1), 1, abort), /cannot load/);
    assert.equal(await client.send('traces', new Uint8Array(1), 1, abort), OK);
    assert.equal(loads, 2);
    let never = 0;
    await new LazyClient(async () => (never++, { send: async () => OK })).close();
    assert.equal(never, 0);
  });
});

describe('start-up loads only what the config uses', () => {
  test('a relay with every exporter type and the X-Ray receiver loads no AWS SDK at start: only at a first send or sampling call', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otlp-relay-registry-'));
    const config = join(dir, 'relay.yaml');
    writeFileSync(
      config,
      [
        'receivers: { otlp: { http: { endpoint: "127.0.0.1:0" } }, xray: { endpoint: "127.0.0.1:0" } }',
        'exporters:',
        '  hc: { type: honeycomb, api_key: "abcdefghijklmnopqrstuv", endpoint: "http://127.0.0.1:9" }',
        '  xr: { type: xray, region: us-east-1, endpoint: "http://127.0.0.1:9" }',
        '  cw: { type: cloudwatch_logs, region: us-east-1, endpoint: "http://127.0.0.1:9" }',
        '  rb: { type: rollbar, access_token: "abcdefabcdefabcdefabcdefabcdef12", endpoint: "http://127.0.0.1:9/api/1/item/" }',
        'routes:',
        '  - { signals: [traces], to: [hc, xr, rb] }',
        '  - { signals: [logs], to: [hc, cw] }',
      ].join('\n'),
    );
    // The child records every package resolved while it imports the CLI and builds (not starts) the relay.
    const script = `
      import { registerHooks } from 'node:module';
      const seen = new Set();
      registerHooks({ resolve(s, c, next) { const r = next(s, c); const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url); if (m) seen.add(m[1]); return r; } });
      await import(${JSON.stringify(join(ROOT, 'src/cli.ts'))});
      const { loadConfigFile } = await import(${JSON.stringify(join(ROOT, 'src/config/load.ts'))});
      const { Relay } = await import(${JSON.stringify(join(ROOT, 'src/relay.ts'))});
      const { pino } = await import('pino');
      new Relay(loadConfigFile(${JSON.stringify(config)}), { log: pino({ level: 'silent' }) });
      process.stdout.write(JSON.stringify([...seen]));
    `;
    const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' };
    const seen = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env, encoding: 'utf8' })) as string[];
    assert.ok(seen.includes('pino') && seen.includes('zod'), `the child saw the relay's own packages: ${seen.join(', ')}`);
    assert.deepEqual(
      seen.filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/')),
      [],
      'the AWS SDK loads at the first send or sampling call, not at start',
    );
  });
});
