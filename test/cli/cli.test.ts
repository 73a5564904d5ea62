import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { post, traceRequest } from '../support/otlp.ts';

const BIN = fileURLToPath(new URL('../../bin/otlp-relay.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('--help and --version', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /otlp-relay validate --config FILE/);
  const version = await cli(['--version']);
  assert.equal(version.code, 0);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
});

test('validate: exit 0 for the shipped configs, 1 with every problem and its path', async () => {
  const ok = await cli(['validate', '--config', 'config/local.yaml']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /valid/);
  const cruddur = await cli(['validate', '--config', 'config/cruddur.yaml'], { HONEYCOMB_API_KEY: 'abcdefghijklmnopqrstuv', ROLLBAR_ACCESS_TOKEN: 'rollbar-token-0123456789abcdef' });
  assert.equal(cruddur.code, 0, cruddur.stderr);

  const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'exporters:\n  hc:\n    type: honeycomb\n    api_kye: x\nroutes:\n  - { signals: [traces], to: [honeycom] }\n');
  const res = await cli(['validate', '--config', bad]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /exporters\.hc\.api_kye: unknown key \(did you mean "api_key"\?\)/);
  assert.match(res.stderr, /routes\[0\]\.to\[0\]: no exporter named "honeycom"/);
  const missing = await cli(['validate', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 1);
  const unknown = await cli(['frobnicate']);
  assert.equal(unknown.code, 2);
});

test('run serves, and SIGTERM stops the receivers, drains the queues and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
  const out = join(dir, 'out.jsonl');
  const cfg = join(dir, 'relay.yaml');
  writeFileSync(
    cfg,
    `service: { log_level: info, shutdown_timeout: 5s, admin: { endpoint: "127.0.0.1:0" } }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  file: { type: file, path: ${out}, batch: { timeout: 1h } }
routes:
  - { signals: [traces], to: [file] }
`,
  );
  const child = spawn(process.execPath, [BIN, 'run', '--config', cfg], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' } });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in: ${stdout}`)), 20_000);
    child.stdout.on('data', () => {
      const m = /"endpoint":"[^"]*:(\d+)".*OTLP\/HTTP receiver listening/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const req = traceRequest('cli', 4);
  assert.equal((await post(`http://127.0.0.1:${port}`, '/v1/traces', req.bytes)).status, 200);
  const code = await new Promise<number | null>((resolve) => {
    child.on('close', resolve);
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  const spans = lines.flatMap((l) => (JSON.parse(l) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }> }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.spanId))));
  assert.deepEqual(spans.sort(), [...req.spanIds].sort(), 'the batch held back by its 1 h timeout was delivered at shutdown');
  assert.match(stdout, /stopped/);
});
