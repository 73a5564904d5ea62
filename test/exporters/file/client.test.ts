import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileClient } from '../../../src/exporters/file/client.ts';
import { traceRequest } from '../../support/otlp.ts';

test('each batch is one line of OTLP/JSON with hex ids and exact nanosecond strings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-file-'));
  const path = join(dir, 'sub', 'out.jsonl');
  const client = new FileClient(path);
  const a = traceRequest('api', 2);
  const b = traceRequest('web', 1);
  assert.equal((await client.send('traces', a.bytes)).kind, 'success');
  assert.equal((await client.send('traces', b.bytes)).kind, 'success');
  await client.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string; startTimeUnixNano: string }> }> }> });
  assert.equal(lines.length, 2);
  const spans = lines[0]!.resourceSpans[0]!.scopeSpans[0]!.spans;
  assert.deepEqual(spans.map((s) => s.spanId), a.spanIds);
  assert.equal(spans[0]!.startTimeUnixNano, '1700000000000000000');
});

test('rotation renames the full file to .1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-file-'));
  const path = join(dir, 'out.jsonl');
  const client = new FileClient(path, 600);
  for (let i = 0; i < 3; i++) await client.send('traces', traceRequest('api', 1).bytes);
  await client.close();
  assert.ok(existsSync(`${path}.1`));
  assert.ok(readFileSync(path, 'utf8').length <= 600);
});

test('an unwritable path is a permanent failure that names the path', async (t) => {
  if (process.getuid?.() === 0) {
    // root ignores permissions: use a path whose parent is a file instead
    const dir = mkdtempSync(join(tmpdir(), 'relay-file-'));
    const client = new FileClient(join(dir, 'out.jsonl', 'x.jsonl'));
    mkdirSync(join(dir, 'out.jsonl', 'x.jsonl'), { recursive: true }); // a directory where the file should be
    const o = await client.send('traces', traceRequest('api', 1).bytes);
    assert.equal(o.kind, 'permanent');
    assert.match(o.kind === 'permanent' ? o.reason : '', /x\.jsonl/);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'relay-file-'));
  chmodSync(dir, 0o500);
  t.after(() => chmodSync(dir, 0o700));
  const o = await new FileClient(join(dir, 'out.jsonl')).send('traces', traceRequest('api', 1).bytes);
  assert.equal(o.kind, 'permanent');
});
