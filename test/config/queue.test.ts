import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { problemsOf, withExporters } from './helpers.ts';

const out = (queue: string, retry = '') => withExporters(`  out:\n    type: debug\n    queue: ${queue}\n${retry ? `    retry: ${retry}\n` : ''}`);
const resolved = (text: string) => parseConfig(text, { env: {} }).exporters['out']!;

test('the memory queue stays the default and resolves exactly as before', () => {
  const ex = resolved(out('{}'));
  assert.deepEqual(ex.queue, { maxBytes: 64 * 2 ** 20, consumers: 2 });
  assert.equal(ex.retry.maxElapsedMs, 300_000);
  assert.deepEqual(resolved(out('{ type: memory, overflow: block }')).queue, { maxBytes: 64 * 2 ** 20, consumers: 2 });
});

test('a disk queue: dir required, 1GiB and fsync: always by default, and retries forever unless max_elapsed is given', () => {
  const ex = resolved(out('{ type: disk, dir: ./queue }'));
  assert.deepEqual(ex.queue, { maxBytes: 2 ** 30, consumers: 2, disk: { dir: './queue', fsync: 'always', fsyncIntervalMs: 1000 } });
  assert.equal(ex.retry.maxElapsedMs, 0);
  assert.equal(resolved(out('{ type: disk, dir: q }', '{ max_elapsed: 10m }')).retry.maxElapsedMs, 600_000);
  const tuned = resolved(out('{ type: disk, dir: q, max_bytes: 10MiB, fsync: interval, fsync_interval: 200ms, overflow: drop_oldest }'));
  assert.deepEqual(tuned.queue, { maxBytes: 10 * 2 ** 20, consumers: 2, overflow: 'drop_oldest', disk: { dir: 'q', fsync: 'interval', fsyncIntervalMs: 200 } });
  assert.deepEqual(resolved(out('{ overflow: drop_oldest }')).queue, { maxBytes: 64 * 2 ** 20, consumers: 2, overflow: 'drop_oldest' });
});

test('queue problems are reported with their key path', () => {
  assert.deepEqual(problemsOf(out('{ type: disk }')), ['exporters.out.queue.dir: is required with type: disk: a directory that outlives the process (in a container, a volume)']);
  assert.deepEqual(problemsOf(out('{ fsync: always, dir: x }')), ['exporters.out.queue.fsync: only applies to type: disk', 'exporters.out.queue.dir: only applies to type: disk']);
  assert.deepEqual(problemsOf(out('{ type: disk, dir: x, fsync_interval: 1s }')), ['exporters.out.queue.fsync_interval: only applies to fsync: interval']);
  assert.match(problemsOf(out('{ type: dsk }'))[0]!, /queue\.type: expected one of "memory", "disk", got "dsk" \(did you mean "disk"\?\)/);
  assert.match(problemsOf(out('{ type: disk, dir: x, fsync: sometimes }'))[0]!, /queue\.fsync: expected one of "always", "interval", "never"/);
  assert.match(problemsOf(out('{ overflow: drop_newest }'))[0]!, /queue\.overflow: expected one of "block", "drop_oldest"/);
});
