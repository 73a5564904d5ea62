import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../src/config/load.ts';
import { createClient } from '../../src/exporters/registry.ts';
import { ExporterRunner } from '../../src/pipeline/exporter-runner.ts';
import { ExportHandler } from '../../src/receivers/otlp/handler.ts';
import { OtlpHttpReceiver } from '../../src/receivers/otlp/http.ts';
import { Router } from '../../src/router/router.ts';
import { Stats } from '../../src/telemetry/stats.ts';
import { FaultFs, tempDir } from '../support/fault-fs.ts';
import { captureLogger } from '../support/log.ts';
import { startRelay, waitFor } from '../support/relay.ts';
import { FaultyDestination } from './support/destination.ts';
import { spansRequest, type Req } from './support/load.ts';

function yaml(dest: string, dir: string): string {
  return `
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  hc:
    type: honeycomb
    api_key: abcdefghijklmnopqrstuv
    endpoint: ${dest}
    timeout: 1s
    queue: { type: disk, dir: "${dir}", max_bytes: 64MiB }
    batch: { timeout: 10ms, max_bytes: 256KiB }
    retry: { initial_interval: 20ms, max_interval: 100ms }
routes:
  - { signals: [traces], to: [hc] }
`;
}

async function post(url: string, req: Req): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(url + req.path, { method: 'POST', body: req.body, headers: { 'content-type': 'application/x-protobuf' } });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

/**
 * The shared scenario: the destination is down, clients post until the disk is full; the relay must
 * answer 503 with a retry delay (never drop what it acknowledged), keep refusing while full, deliver
 * everything once the destination is back, and take data again once that freed the disk.
 */
async function diskFull(url: string, dest: FaultyDestination, stats: Stats): Promise<void> {
  const acked: Req[] = [];
  let refused: { status: number; retryAfter: string | null } | undefined;
  for (let i = 0; i < 2000 && !refused; i++) {
    const req = spansRequest(20);
    const res = await post(url, req);
    if (res.status === 200) acked.push(req);
    else refused = res;
  }
  assert.ok(refused, 'the disk filled up');
  assert.equal(refused.status, 503);
  assert.ok(Number(refused.retryAfter) >= 1, 'with a Retry-After');
  assert.ok(acked.length > 10);
  assert.equal((await post(url, spansRequest(1))).status, 503, 'still refused while the disk is full');
  assert.ok(stats.get('otlp_relay_receiver_refused_requests_total', { reason: 'disk_error' }) >= 2, 'both refusals counted');
  assert.ok(stats.get('otlp_relay_disk_queue_write_errors_total', { code: 'ENOSPC' }) >= 1);
  assert.equal(stats.get('otlp_relay_exporter_dropped_items_total'), 0, 'nothing acknowledged was dropped');

  await dest.accept();
  const ids = acked.flatMap((r) => r.ids);
  await waitFor(() => ids.every((id) => dest.spans.has(id)), 20_000, 'every acknowledged span delivered');
  let after = 0;
  for (let i = 0; i < 100 && after !== 200; i++) {
    after = (await post(url, spansRequest(1))).status;
    if (after !== 200) await sleep(50);
  }
  assert.equal(after, 200, 'data is taken again once delivery freed the disk');
  assert.equal(dest.duplicates, 0);
}

test('a size-limited directory (tmpfs, 1 MiB): disk full answers 503 + Retry-After, loses nothing acknowledged, and recovers', async (t) => {
  const mnt = await tempDir('otlp-relay-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    await fsp.rm(mnt, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root); the injected-ENOSPC test below covers the same path');
    return;
  }
  const dest = await new FaultyDestination().start();
  await dest.refuse();
  const r = await startRelay(yaml(dest.url, mnt));
  try {
    await diskFull(r.httpUrl, dest, r.stats);
  } finally {
    await r.stop();
    await dest.stop();
    execFileSync('umount', [mnt]);
    await fsp.rm(mnt, { recursive: true, force: true });
  }
});

test('ENOSPC injected in the file layer (no mount needed): the same promises over the real HTTP receiver', async () => {
  const dir = await tempDir();
  const dest = await new FaultyDestination().start();
  await dest.refuse();
  const config = parseConfig(yaml(dest.url, dir), { env: {}, source: 'enospc.yaml' });
  const ex = config.exporters['hc']!;
  const log = captureLogger().log;
  const stats = new Stats();
  const fs = new FaultFs();
  fs.quota = 1 << 20;
  const runner = new ExporterRunner({ name: 'hc', type: ex.type, queue: ex.queue, batch: ex.batch, retry: ex.retry, timeoutMs: ex.timeoutMs }, createClient('hc', ex, { log, stats }), log, stats, { fs });
  runner.start();
  await runner.ready();
  const receiver = new OtlpHttpReceiver(
    { endpoint: '127.0.0.1:0', maxRequestBodyBytes: 20 << 20, pathPrefix: '', readHeaderTimeoutMs: 10_000, readTimeoutMs: 30_000 },
    new ExportHandler(new Router(config.routes, () => runner), log, stats),
    log,
    stats,
  );
  await receiver.start();
  try {
    await diskFull(`http://127.0.0.1:${receiver.address!.port}`, dest, stats);
  } finally {
    await receiver.shutdown();
    await runner.shutdown(1000);
    await dest.stop();
  }
});
