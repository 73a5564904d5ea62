import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest, encodeRequest } from '../../src/otlp/codec.ts';
import { decodeSkipping } from '../../src/otlp/decode-skipping.ts';
import { invalidUtf8 } from '../support/corrupt.ts';

const logs = (service: string, bodies: string[]) =>
  encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords: bodies.map((b) => ({ body: { stringValue: b } })) }] }] });
const bodies = (r: ReturnType<typeof decodeRequest<'logs'>>) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((l) => l.body?.stringValue)));

test('a batch that decodes is returned whole, nothing skipped', () => {
  const bytes = Buffer.concat([logs('a', ['1', '2']), logs('b', ['3'])]);
  const out = decodeSkipping('logs', bytes);
  assert.equal(out.skipped, 0);
  assert.deepEqual(out.request, decodeRequest('logs', bytes));
});

test('the entries that cannot be decoded are left out and their items counted; the others keep their order', () => {
  const bad = invalidUtf8(logs('zzzz', ['x', 'y']), 'zzzz');
  const worse = invalidUtf8(logs('c', ['qqqq']), 'qqqq');
  const out = decodeSkipping('logs', Buffer.concat([logs('a', ['1']), bad, logs('b', ['2', '3']), worse]));
  assert.equal(out.skipped, 3);
  assert.deepEqual(bodies(out.request), ['1', '2', '3']);
  assert.match(out.reason ?? '', /utf-?8/i);
});

test('every entry bad: an empty request, every item skipped', () => {
  const out = decodeSkipping('logs', invalidUtf8(logs('zzzz', ['x']), 'zzzz'));
  assert.equal(out.skipped, 1);
  assert.deepEqual(out.request, { resourceLogs: [] });
});

test('bytes that are not a valid request still throw: skipping is for bad strings in valid structure only', () => {
  assert.throws(() => decodeSkipping('logs', Uint8Array.of(0x0a, 0x05, 0x01)));
});
