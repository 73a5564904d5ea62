import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { post, traceRequest } from '../support/otlp.ts';
import { waitFor } from '../support/relay.ts';

const BIN = fileURLToPath(new URL('../../bin/otlp-relay.js', import.meta.url));

/** A file exporter holding its data (1 h batch timeout) until shutdown: queued data is visible in the file it ends in. */
const config = (out: string) => `service: { log_level: info, shutdown_timeout: 5s, admin: { enabled: false } }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  file: { type: file, path: ${out}, batch: { timeout: 1h } }
routes:
  - { signals: [traces], to: [file] }
`;

interface Running {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  port: number;
  exited: Promise<number | null>;
}

async function run(cfg: string, args: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'run', '--config', cfg, ...args], { env: { PATH: process.env['PATH'] ?? '' } });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await waitFor(() => /OTLP\/HTTP receiver listening/.test(stdout) || child.exitCode !== null, 20_000, 'the relay listening');
  const m = /"endpoint":"127\.0\.0\.1:(\d+)","msg":"OTLP\/HTTP receiver listening"/.exec(stdout);
  assert.ok(m, stdout);
  return { child, out: () => stdout, port: Number(m[1]), exited };
}

function spanIdsIn(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => (JSON.parse(l) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }> }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.spanId))));
}

test('SIGHUP: queued data moves to the changed exporter; an invalid file is refused with its problems and the relay keeps serving', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otlp-relay-reload-'));
  const cfg = join(dir, 'relay.yaml');
  const [out1, out2] = [join(dir, 'first.jsonl'), join(dir, 'second.jsonl')];
  writeFileSync(cfg, config(out1));
  const relay = await run(cfg);
  try {
    const before = traceRequest('svc', 3);
    assert.equal((await post(`http://127.0.0.1:${relay.port}`, '/v1/traces', before.bytes)).status, 200);

    writeFileSync(cfg, config(out2));
    relay.child.kill('SIGHUP');
    await waitFor(() => /config reloaded: replaced file \(queued data moved to the new settings\)/.test(relay.out()), 20_000, 'the reload');
    assert.match(relay.out(), /now running: receivers: otlp\/http on 127\.0\.0\.1:\d+; exporters: file \(file → [^)]*second\.jsonl\)/);

    writeFileSync(cfg, config(out2).replace('type: file', 'type: fiel'));
    relay.child.kill('SIGHUP');
    await waitFor(() => /config reload refused/.test(relay.out()), 20_000, 'the refusal');
    const refused = relay
      .out()
      .split('\n')
      .find((l) => l.includes('config reload refused'));
    assert.match(refused ?? '', /"level":50/);
    assert.match(refused ?? '', /the previous config keeps running: .*relay\.yaml \(SIGHUP\) has 1 problem: exporters\.file\.type: unknown exporter type \\"fiel\\" \(did you mean \\"file\\"\?\)/);

    const after = traceRequest('svc', 2);
    assert.equal((await post(`http://127.0.0.1:${relay.port}`, '/v1/traces', after.bytes)).status, 200, 'the old config still serves');
    relay.child.kill('SIGTERM');
    assert.equal(await relay.exited, 0);
    assert.deepEqual(spanIdsIn(out2).sort(), [...before.spanIds, ...after.spanIds].sort(), 'everything, the data queued before the reload too, reached the replacement');
    assert.deepEqual(spanIdsIn(out1), []);
  } finally {
    relay.child.kill('SIGKILL');
  }
});

test('--watch: saving the file reloads it; saving an invalid one is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otlp-relay-watch-'));
  const cfg = join(dir, 'relay.yaml');
  writeFileSync(cfg, config(join(dir, 'a.jsonl')));
  const relay = await run(cfg, ['--watch']);
  try {
    await waitFor(() => /watching the config file/.test(relay.out()), 20_000, 'the watcher'); // logged after the receivers start
    writeFileSync(cfg, config(join(dir, 'b.jsonl')));
    await waitFor(() => /config reloaded: replaced file/.test(relay.out()), 20_000, 'the reload');
    assert.match(relay.out(), /reloading the config \(file changed\)/);
    writeFileSync(cfg, 'exporters: [');
    await waitFor(() => /config reload refused/.test(relay.out()), 20_000, 'the refusal');
    relay.child.kill('SIGTERM');
    assert.equal(await relay.exited, 0);
  } finally {
    relay.child.kill('SIGKILL');
  }
});
