import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRUNCATION_MARKER, utf8Bytes } from '../../../src/exporters/cloudwatch_logs/batcher.ts';
import { eventTimestamp, toEvents, type EventOptions } from '../../../src/exporters/cloudwatch_logs/events.ts';
import { NameTemplate } from '../../../src/exporters/cloudwatch_logs/names.ts';
import { decodeRequest, encodeRequest } from '../../../src/otlp/codec.ts';
import type { ExportLogsServiceRequest } from '../../../src/otlp/types.ts';

function template(text: string, kind: 'group' | 'stream'): NameTemplate {
  const parsed = NameTemplate.parse(text, kind);
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return parsed.template;
}

const RECEIVED = 1_750_000_000_123;
const OPTIONS: EventOptions = {
  raw: false,
  group: template('/app/{service.name}', 'group'),
  stream: template('{host.name}', 'stream'),
  instance: 'relay-1',
  receivedAt: RECEIVED,
  maxEventBytes: 1_048_576,
};

const TRACE = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const SPAN = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i);

/** A request through the real encoder and decoder, as the client sees it. */
function request(records: Array<Record<string, unknown>>, resource: Record<string, string> = { 'service.name': 'api', 'host.name': 'web-1' }): ExportLogsServiceRequest {
  const bytes = encodeRequest('logs', {
    resourceLogs: [
      {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } })) },
        scopeLogs: [{ scope: { name: 'lib', version: '1.2.3' }, logRecords: records }],
      },
    ],
  });
  return decodeRequest('logs', bytes);
}

describe('toEvents: JSON documents', () => {
  it('holds body, severity, attributes, resource, scope and hex trace/span ids, and nothing empty', () => {
    const { events } = toEvents(
      request([
        {
          timeUnixNano: 1_750_000_000_456_789_000n,
          severityNumber: 17,
          severityText: 'ERROR',
          body: { stringValue: 'payment failed' },
          attributes: [
            { key: 'http.route', value: { stringValue: '/pay' } },
            { key: 'retries', value: { intValue: 3 } },
            { key: 'ok', value: { boolValue: false } },
            { key: 'ratio', value: { doubleValue: 0.5 } },
          ],
          traceId: TRACE,
          spanId: SPAN,
          flags: 1,
        },
      ]),
      OPTIONS,
    );
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.equal(e.group, '/app/api');
    assert.equal(e.stream, 'web-1');
    assert.equal(e.timestamp, 1_750_000_000_456, 'nanoseconds to milliseconds');
    assert.deepEqual(JSON.parse(e.message), {
      body: 'payment failed',
      severity_text: 'ERROR',
      severity_number: 17,
      attributes: { 'http.route': '/pay', retries: 3, ok: false, ratio: 0.5 },
      resource: { 'service.name': 'api', 'host.name': 'web-1' },
      scope: { name: 'lib', version: '1.2.3' },
      trace_id: '0102030405060708090a0b0c0d0e0f10',
      span_id: 'a0a1a2a3a4a5a6a7',
      flags: 1,
    });
  });

  it('keeps structured bodies as JSON, int64 beyond 2^53 exact as strings, bytes as base64', () => {
    const { events } = toEvents(
      request([
        {
          timeUnixNano: 1n,
          body: {
            kvlistValue: {
              values: [
                { key: 'message', value: { stringValue: 'send failed' } },
                { key: 'code', value: { intValue: 500 } },
                { key: 'big', value: { intValue: 9_007_199_254_740_993n } },
                { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } } },
                { key: 'raw', value: { bytesValue: Uint8Array.of(1, 2, 3) } },
                { key: '__proto__', value: { stringValue: 'plain data' } },
              ],
            },
          },
        },
      ]),
      OPTIONS,
    );
    const doc = JSON.parse(events[0]!.message) as { body: Record<string, unknown> };
    assert.deepEqual(Object.entries(doc.body), [
      ['message', 'send failed'],
      ['code', 500],
      ['big', '9007199254740993'],
      ['tags', ['a', 2]],
      ['raw', 'AQID'],
      ['__proto__', 'plain data'],
    ]);
  });

  it('leaves out trace ids that are absent or all zero', () => {
    const { events } = toEvents(request([{ timeUnixNano: 1n, body: { stringValue: 'x' }, traceId: new Uint8Array(16), spanId: new Uint8Array(0) }]), OPTIONS);
    const doc = JSON.parse(events[0]!.message) as Record<string, unknown>;
    assert.equal('trace_id' in doc, false);
    assert.equal('span_id' in doc, false);
  });

  it('cuts a too-long string body so the event fits and stays valid JSON', () => {
    const body = `${'é'.repeat(3000)}"\n`; // escapes in the JSON and 2-byte characters in the body
    const { events } = toEvents(request([{ timeUnixNano: 1n, body: { stringValue: body }, severityText: 'INFO' }]), { ...OPTIONS, maxEventBytes: 2048 });
    const e = events[0]!;
    assert.equal(e.truncated, true);
    assert.ok(utf8Bytes(e.message) + 26 <= 2048, `${utf8Bytes(e.message)} bytes`);
    const doc = JSON.parse(e.message) as { body: string; severity_text: string };
    assert.ok(doc.body.endsWith(TRUNCATION_MARKER));
    assert.ok(body.startsWith(doc.body.slice(0, -TRUNCATION_MARKER.length)));
    assert.equal(doc.severity_text, 'INFO', 'the rest of the document is whole');
  });
  it('writes attributes as an object holds them: repeated keys once with the first value, array-index keys first, __proto__ as data', () => {
    const { events } = toEvents(
      request([
        {
          timeUnixNano: 1_750_000_000_456_789_000n,
          body: { stringValue: 'x' },
          attributes: [
            { key: 'b', value: { stringValue: 'first' } },
            { key: '__proto__', value: { stringValue: 'p' } },
            { key: '7', value: { intValue: 7n } },
            { key: 'b', value: { stringValue: 'second' } },
            { key: 'empty', value: {} },
            { key: 'constructor', value: { stringValue: 'c1' } },
            { key: '__proto__', value: { stringValue: 'p2' } },
            { key: 'constructor', value: { stringValue: 'c2' } },
          ],
        },
      ]),
      OPTIONS,
    );
    assert.equal(
      events[0]?.message,
      '{"body":"x","attributes":{"7":7,"b":"first","__proto__":"p","empty":null,"constructor":"c1"},"resource":{"service.name":"api","host.name":"web-1"},"scope":{"name":"lib","version":"1.2.3"}}',
    );
  });
});

describe('toEvents: raw mode', () => {
  it('sends the body alone, structured bodies as JSON text, and drops (counts) empty bodies', () => {
    const out = toEvents(
      request([
        { timeUnixNano: 1n, body: { stringValue: 'GET /home 200' } },
        { timeUnixNano: 2n, body: { kvlistValue: { values: [{ key: 'a', value: { intValue: 1 } }] } } },
        { timeUnixNano: 3n, body: { stringValue: '' } },
        { timeUnixNano: 4n },
      ]),
      { ...OPTIONS, raw: true },
    );
    assert.deepEqual(
      out.events.map((e) => e.message),
      ['GET /home 200', '{"a":1}'],
    );
    assert.equal(out.empty, 2);
  });
});

describe('eventTimestamp', () => {
  it('is the record time, else the observed time, else receive time', () => {
    assert.equal(eventTimestamp({ timeUnixNano: 2_000_000n, observedTimeUnixNano: 3_000_000n }, RECEIVED), 2);
    assert.equal(eventTimestamp({ timeUnixNano: 0n, observedTimeUnixNano: 3_999_999n }, RECEIVED), 3);
    assert.equal(eventTimestamp({ timeUnixNano: 0n, observedTimeUnixNano: 0n }, RECEIVED), RECEIVED);
  });

  it('gives records without a time the receive time in the events', () => {
    const { events } = toEvents(request([{ body: { stringValue: 'no time' } }]), OPTIONS);
    assert.equal(events[0]!.timestamp, RECEIVED);
  });
});

describe('toEvents: names per resource', () => {
  it('renders group and stream per resource, with the fallback for a missing attribute', () => {
    const { events } = toEvents(request([{ timeUnixNano: 1n, body: { stringValue: 'x' } }], { 'service.name': 'worker' }), OPTIONS);
    assert.equal(events[0]!.group, '/app/worker');
    assert.equal(events[0]!.stream, 'unknown');
  });

  it('a repeated resource key names the group by its first value, as routing reads it, and the document shows that value', () => {
    const req = request([{ timeUnixNano: 1n, body: { stringValue: 'x' } }], { 'service.name': 'first', 'host.name': 'web-1' });
    req.resourceLogs[0]!.resource!.attributes.push({ key: 'service.name', value: { stringValue: 'second' }, keyStrindex: 0 });
    const { events } = toEvents(req, OPTIONS);
    assert.equal(events[0]!.group, '/app/first');
    assert.match(events[0]!.message, /"resource":\{"service.name":"first","host.name":"web-1"\}/);
  });
});
