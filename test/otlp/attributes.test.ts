import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attrMap, attrValue, resourceAttributes } from '../../src/otlp/attributes.ts';
import { decodeRequest, encodeRequest } from '../../src/otlp/codec.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { cat, fLen, fStr, fVarint, rawLogRecord, rawSpan, rawTraceRequest } from './helpers.ts';

void test('attrValue: every AnyValue kind to a plain value', () => {
  assert.equal(attrValue({ stringValue: 's' }), 's');
  assert.equal(attrValue({ intValue: 2n ** 62n }), 2n ** 62n);
  assert.equal(attrValue({ doubleValue: 0 }), 0);
  assert.equal(attrValue({ boolValue: false }), false);
  assert.deepEqual(attrValue({ bytesValue: Uint8Array.of(1, 2) }), Uint8Array.of(1, 2));
  assert.deepEqual(attrValue({ arrayValue: { values: [{ stringValue: 'a' }, {}, { intValue: 1n }] } }), ['a', undefined, 1n]);
  assert.deepEqual(attrValue({ kvlistValue: { values: [{ key: 'k', value: { boolValue: true }, keyStrindex: 0 }] } }), { __proto__: null, k: true });
  assert.equal(attrValue({}), undefined);
  assert.equal(attrValue(null), undefined);
  assert.equal(attrValue({ stringValueStrindex: 4 }), undefined, 'profiling-only index treated as absent');
});

void test('attrMap: null-prototype record, first duplicate wins, hostile keys are plain data', () => {
  const m = attrMap([
    { key: 'a', value: { stringValue: '1' }, keyStrindex: 0 },
    { key: '__proto__', value: { stringValue: 'p' }, keyStrindex: 0 },
    { key: 'empty', value: null, keyStrindex: 0 },
    { key: 'a', value: { stringValue: '2' }, keyStrindex: 0 },
    { key: '__proto__', value: { stringValue: 'q' }, keyStrindex: 0 },
    { key: 'empty', value: { stringValue: 'late' }, keyStrindex: 0 },
    { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { intValue: 1n }, keyStrindex: 0 }, { key: 'x', value: { intValue: 2n }, keyStrindex: 0 }] } }, keyStrindex: 0 },
  ]);
  assert.equal(Object.getPrototypeOf(m), null);
  assert.equal(m['a'], '1');
  assert.equal(m['__proto__'], 'p');
  // The first occurrence counts even when it holds no value, as findAttr (match.ts) reads it.
  assert.equal(m['empty'], undefined);
  assert.deepEqual(m['kv'], { __proto__: null, x: 1n }, 'a kvlist value reads by the same rule');
  assert.deepEqual(Object.keys(m), ['a', '__proto__', 'empty', 'kv']);
  assert.deepEqual(attrMap(undefined), { __proto__: null });
});

void test('resourceAttributes reads each slice resource without decoding the spans', () => {
  const bytes = rawTraceRequest([[rawSpan()], [rawSpan(), rawSpan()]], ['frontend', 'backend']);
  const scan = scanRequest('traces', bytes);
  assert.deepEqual(
    scan.resources.map((s) => resourceAttributes(bytes, s)['service.name']),
    ['frontend', 'backend'],
  );
});

void test('resourceAttributes: all value kinds, resource after the scopes, unknown fields, no resource', () => {
  const logs = encodeRequest('logs', {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'api' } },
            { key: 'cores', value: { intValue: 8 } },
            { key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }] } } },
          ],
        },
      },
    ],
  });
  const scan = scanRequest('logs', logs);
  assert.deepEqual(resourceAttributes(logs, scan.resources[0]!), { __proto__: null, 'service.name': 'api', cores: 8n, list: ['x'] });

  // Field order is free on the wire: scopes first, then an unknown field, then the resource.
  const entry = fLen(
    1,
    fLen(2, fLen(2, rawLogRecord())),
    fVarint(77, 5),
    fLen(1, fLen(1, fStr(1, 'service.name'), fLen(2, fStr(1, 'late')))),
  );
  const reordered = cat(entry);
  const s2 = scanRequest('logs', reordered);
  assert.equal(resourceAttributes(reordered, s2.resources[0]!)['service.name'], 'late');
  assert.equal(decodeRequest('logs', reordered).resourceLogs[0]!.resource?.attributes[0]?.value?.stringValue, 'late');

  const bare = fLen(1, fLen(2, fLen(2, rawLogRecord())));
  assert.deepEqual(resourceAttributes(bare, scanRequest('logs', bare).resources[0]!), { __proto__: null });
});
