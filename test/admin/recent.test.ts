import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { LIMITS, RecentData, severityName, showValue } from '../../src/admin/recent.ts';
import { encodeRequest } from '../../src/otlp/codec.ts';
import { logsRequest, traceRequest } from '../support/otlp.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A trace of a root and a child in one service, the child failing with an exception event. */
function failingTrace(service: string): { bytes: Uint8Array; traceId: string } {
  const traceId = randomBytes(16);
  const root = randomBytes(8);
  const t0 = 1_700_000_000_000_000_000n;
  const bytes = encodeRequest('traces', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              { traceId, spanId: root, name: 'GET /api', startTimeUnixNano: t0, endTimeUnixNano: t0 + 50_000_000n },
              {
                traceId,
                spanId: randomBytes(8),
                parentSpanId: root,
                name: 'db',
                startTimeUnixNano: t0 + 10_000_000n,
                endTimeUnixNano: t0 + 30_000_000n,
                status: { code: 2, message: 'failed' },
                events: [{ name: 'exception', timeUnixNano: t0 + 20_000_000n, attributes: [{ key: 'exception.type', value: { stringValue: 'KeyError' } }, { key: 'exception.message', value: { stringValue: "'user'" } }, { key: 'exception.stacktrace', value: { stringValue: 'Traceback ...' } }] }],
              },
            ],
          },
        ],
      },
    ],
  });
  return { bytes, traceId: hex(traceId) };
}

describe('RecentData: what the status page shows', () => {
  test('a trace: its spans as a tree with timing, its error as an error item with the exception', () => {
    const ring = new RecentData();
    const t = failingTrace('backend-flask');
    ring.record('traces', t.bytes);
    const [summary] = ring.traces();
    assert.ok(summary);
    assert.equal(summary.traceId, t.traceId);
    assert.equal(summary.rootName, 'GET /api');
    assert.equal(summary.spans, 2);
    assert.equal(summary.errors, 1);
    assert.equal(summary.durationMs, 50);
    const detail = ring.trace(t.traceId);
    assert.deepEqual(detail?.spans.map((s) => [s.name, s.durationMs, s.error]), [['GET /api', 50, false], ['db', 20, true]]);
    assert.equal(detail?.spans[1]?.parentSpanId, detail?.spans[0]?.spanId);
    const [error] = ring.errors();
    assert.deepEqual(error && { kind: error.kind, title: error.title, message: error.message, stack: error.stack, service: error.service }, { kind: 'span', title: 'KeyError', message: "'user'", stack: 'Traceback ...', service: 'backend-flask' });
  });

  test('logs: newest first, severity named, errors (severity >= 17) also listed as error items; filter by service', () => {
    const ring = new RecentData();
    ring.record('logs', logsRequest('a', [9, 17]));
    ring.record('logs', logsRequest('b', [13]));
    assert.deepEqual(ring.logs().map((l) => [l.service, l.severityText, l.error]), [['b', 'WARN', false], ['a', 'ERROR', true], ['a', 'INFO', false]]);
    assert.deepEqual(ring.logs('a').map((l) => l.body), ['log 1', 'log 0']);
    assert.deepEqual(ring.errors().map((e) => [e.kind, e.service, e.message]), [['log', 'a', 'log 1']]);
    assert.deepEqual(ring.services(), ['a', 'b']);
  });

  test('a service filter keeps traces with a span of that service', () => {
    const ring = new RecentData();
    ring.record('traces', traceRequest('front', 1).bytes);
    ring.record('traces', traceRequest('back', 1).bytes);
    assert.deepEqual(ring.traces('front').map((t) => t.services), [['front']]);
    assert.equal(ring.traces().length, 2);
  });

  test('memory is bounded: traces, logs and spans per trace stop at their limits, oldest out first', () => {
    const ring = new RecentData();
    const first = traceRequest('svc', 1);
    ring.record('traces', first.bytes);
    for (let i = 0; i < LIMITS.traces; i++) ring.record('traces', traceRequest('svc', 1).bytes);
    assert.equal(ring.traces('svc', 10_000).length, LIMITS.traces);
    for (let i = 0; i < LIMITS.logs + 10; i++) ring.record('logs', logsRequest('svc', [9]));
    assert.equal(ring.logs(undefined, 100_000).length, LIMITS.logs);
    const big = traceRequest('svc', LIMITS.spansPerTrace + 5);
    ring.record('traces', big.bytes);
    const [newest] = ring.traces();
    assert.equal(newest?.spans, LIMITS.spansPerTrace);
    assert.equal(newest?.truncated, 5);
  });

  test('memory is bounded in bytes too: big attributes evict old traces long before the span count is reached', () => {
    const ring = new RecentData();
    const big = 'x'.repeat(5000);
    const attributes = Object.fromEntries(Array.from({ length: 64 }, (_, k) => [`attr.${k}`, big]));
    for (let i = 0; i < 40; i++) ring.record('traces', traceRequest('svc', Array.from({ length: 20 }, () => ({ attributes }))).bytes);
    const kept = ring.traces(undefined, 10_000).reduce((n, t) => n + t.spans, 0);
    const perSpan = 64 * LIMITS.valueChars; // each value is cut to valueChars, so a span holds at least this much
    assert.ok(kept > 0 && kept <= LIMITS.traceBytes / perSpan, `kept ${kept} spans`);
    const [one] = ring.traces();
    assert.equal(one?.spans, 20, 'the newest trace is whole');
    for (let i = 0; i < 200; i++) ring.record('logs', logsRequest('svc', Array.from({ length: 50 }, () => 9)));
    assert.ok(ring.logs(undefined, 100_000).length <= LIMITS.logs);
  });

  test('long values are cut, with how much was left out', () => {
    assert.equal(showValue('x'.repeat(10), 4), 'xxxx… (6 more characters)');
    assert.equal(showValue(12n), '12');
    assert.equal(showValue([1n, 'a']), '["1","a"]');
    assert.equal(severityName('', 21), 'FATAL');
    assert.equal(severityName('Warning', 13), 'Warning');
    assert.equal(severityName('', 0), '');
  });
});

describe('RecentData sampling: the hot path only keeps a reference, within a rate cap', () => {
  test('requests beyond the burst are skipped until tokens refill; decoding waits for flush', () => {
    let now = 1_000_000;
    const ring = new RecentData({ perSecond: 2, burst: 3 }, () => now);
    ring.watched();
    const req = traceRequest('svc', 1).bytes;
    for (let i = 0; i < 5; i++) ring.offer('traces', req, 1);
    assert.equal(ring.traces().length, 0, 'nothing is decoded on the request path');
    ring.flush();
    assert.deepEqual({ decoded: ring.sampling.decoded, skipped: ring.sampling.skippedRate }, { decoded: 3, skipped: 2 });
    now += 1000; // two more tokens
    for (let i = 0; i < 3; i++) ring.offer('traces', traceRequest('svc', 1).bytes, 1);
    ring.flush();
    assert.deepEqual({ decoded: ring.sampling.decoded, skipped: ring.sampling.skippedRate }, { decoded: 5, skipped: 3 });
  });

  test('while nobody watches the page, the bucket refills at the idle trickle only', () => {
    let now = 1_000_000;
    const ring = new RecentData({ perSecond: 20, burst: 1 }, () => now);
    const offer = () => ring.offer('traces', traceRequest('svc', 1).bytes, 1);
    offer(); // the initial burst
    now += 500; // half a second: 10 tokens when watched, half a token when idle
    offer();
    ring.flush();
    assert.equal(ring.sampling.decoded, 1, 'idle: the second request waited for the trickle');
    ring.watched();
    now += 100; // two tokens at the full rate
    offer();
    ring.flush();
    assert.equal(ring.sampling.decoded, 2, 'watched: the full rate');
  });

  test('metrics are not kept; a request larger than the cap is skipped and counted', () => {
    const ring = new RecentData();
    ring.offer('metrics', new Uint8Array(10), 1);
    ring.offer('traces', new Uint8Array(LIMITS.requestBytes + 1), 1);
    ring.flush();
    assert.equal(ring.sampling.decoded, 0);
    assert.equal(ring.sampling.skippedSize, 1);
  });

  test('the decode happens by itself soon after (setImmediate), and the sequence number moves', async () => {
    const ring = new RecentData();
    const before = ring.seq;
    ring.offer('traces', traceRequest('svc', 2).bytes, 2);
    await new Promise((r) => setImmediate(r));
    assert.equal(ring.traces().length, 1);
    assert.ok(ring.seq > before);
  });
});
