import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { DebugClient } from '../../../src/exporters/debug/client.ts';
import { logsRequest, traceRequest } from '../../support/otlp.ts';

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  return {
    stream: new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    }),
    text: () => out,
  };
}

test('basic: one line per batch with counts and errors per service', async () => {
  const s = sink();
  const client = new DebugClient(false, s.stream);
  const bytes = Buffer.concat([traceRequest('backend-flask', [{ name: 'a' }, { name: 'b', error: true }, { name: 'c', exception: true }]).bytes, traceRequest('frontend', 1).bytes]);
  const outcome = await client.send('traces', bytes);
  assert.equal(outcome.kind, 'success');
  assert.equal(s.text(), 'traces: 4 spans — backend-flask 3 (2 errors), frontend 1\n');
});

test('detailed: a line per item, with ids, duration and errors', async () => {
  const s = sink();
  const client = new DebugClient(true, s.stream);
  const req = traceRequest('api', [{ name: 'GET /x', error: true }]);
  await client.send('traces', req.bytes);
  const lines = s.text().trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, new RegExp(`api span "GET /x" trace=[0-9a-f]{32} span=${req.spanIds[0]} 1\\.0ms ERROR`));
  const logs = sink();
  await new DebugClient(true, logs.stream).send('logs', logsRequest('api', [17]));
  assert.match(logs.text(), /^logs: 1 log records — api 1 \(1 error\)\n {2}api log 17 "log 0" ERROR\n$/);
});
