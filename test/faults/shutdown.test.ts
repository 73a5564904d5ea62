import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/fault-fs.ts';
import { waitFor } from '../support/relay.ts';
import { ChildRelay } from './support/child.ts';
import { FaultyDestination, type Fault } from './support/destination.ts';
import { logsRequest, spansRequest, type Req } from './support/load.ts';

function config(dest: string, dir: string): string {
  return `
service:
  shutdown_timeout: 1s
  admin: { enabled: false }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  hc:
    type: honeycomb
    api_key: abcdefghijklmnopqrstuv
    endpoint: ${dest}
    timeout: 5s
    queue: { type: disk, dir: "${dir}" }
    batch: { timeout: 10ms }
    retry: { initial_interval: 50ms, max_interval: 200ms }
routes:
  - { signals: [traces, logs], to: [hc] }
`;
}

async function send(url: string, req: Req): Promise<number> {
  const res = await fetch(url + req.path, { method: 'POST', body: req.body, headers: { 'content-type': 'application/x-protobuf' } });
  await res.arrayBuffer();
  return res.status;
}

const cases: Array<[string, (d: FaultyDestination) => Promise<void>]> = [
  ['refusing connections', (d) => d.refuse()],
  ['answering 503', async (d) => void (d.mode = { kind: 'status', status: 503 } satisfies Fault)],
  ['hanging (a send in flight at the deadline)', async (d) => void (d.mode = { kind: 'hang' } satisfies Fault)],
];

for (const [what, breakIt] of cases) {
  test(`SIGTERM while the destination is ${what}: the relay exits 0 keeping every item on disk, and the next start delivers them all once`, async () => {
    const dest = await new FaultyDestination().start();
    const root = await tempDir();
    const file = path.join(root, 'relay.yaml');
    await fsp.writeFile(file, config(dest.url, path.join(root, 'queue')));
    await breakIt(dest);
    const first = new ChildRelay(file);
    const reqs = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? logsRequest(5) : spansRequest(5)));
    try {
      await first.ready();
      for (const req of reqs) assert.equal(await send(first.url, req), 200);
      if (what.startsWith('hanging')) await waitFor(() => dest.attempts.length > 0, 5000, 'a send in flight');
      const exit = await first.kill('SIGTERM');
      assert.equal(exit.code, 0);
      assert.ok(first.logged(/items not delivered yet stay in/).length === 1, 'it says what it kept');
      assert.equal(first.logged(/dropped/).length, 0, 'nothing dropped');
      assert.equal(dest.delivered, 0);
    } finally {
      await first.kill('SIGKILL');
    }

    if (what.startsWith('refusing')) await dest.accept();
    dest.mode = { kind: 'ok' };
    dest.release();
    const second = new ChildRelay(file);
    try {
      await second.ready();
      assert.equal(second.logged(/replaying 65 spans, 35 log records/).length, 1, second.lines.join('\n'));
      await waitFor(() => reqs.every((r) => r.ids.every((id) => dest.spans.has(id) || dest.logs.has(id))), 10_000, 'every item delivered after the restart');
      assert.equal((await second.kill('SIGTERM')).code, 0);
      assert.equal(dest.duplicates, 0);
      const left = (await fsp.readdir(path.join(root, 'queue', 'hc'))).filter((f) => f.endsWith('.wal'));
      assert.deepEqual(left, [], 'the queue is empty once delivered');
    } finally {
      await second.kill('SIGKILL');
      await dest.stop();
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
}
