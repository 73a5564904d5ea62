import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ERROR_SAMPLING, IDLE_LIMITS, IDLE_SAMPLING, LIMITS, mayHoldErrors, RecentData, severityName, showValue, WATCH_WINDOW_MS } from '../../src/admin/recent.ts';
import { encodeRequest, type ExportRequestInput } from '../../src/otlp/codec.ts';
import { logsRequest, traceRequest } from '../support/otlp.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const T0 = 1_700_000_000_000_000_000n;

/** A root and a child; `failure`: the child fails, with an exception event or with only its status. */
function traceSpans(failure?: 'exception' | 'status', message = 'failed') {
  const traceId = randomBytes(16);
  const root = randomBytes(8);
  const exception = { name: 'exception', timeUnixNano: T0 + 20_000_000n, attributes: [{ key: 'exception.type', value: { stringValue: 'KeyError' } }, { key: 'exception.message', value: { stringValue: "'user'" } }, { key: 'exception.stacktrace', value: { stringValue: 'Traceback ...' } }] };
  const spans = [
    { traceId, spanId: root, name: 'GET /api', startTimeUnixNano: T0, endTimeUnixNano: T0 + 50_000_000n },
    {
      traceId,
      spanId: randomBytes(8),
      parentSpanId: root,
      name: 'db',
      startTimeUnixNano: T0 + 10_000_000n,
      endTimeUnixNano: T0 + 30_000_000n,
      ...(failure === undefined ? {} : { status: { code: 2, ...(message ? { message } : {}) } }),
      events: failure === 'exception' ? [exception] : [],
    },
  ];
  return { spans, traceId: hex(traceId) };
}

function tracesOf(service: string, spans: unknown[]): Uint8Array {
  return encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] } as ExportRequestInput<'traces'>);
}

/** A trace of a root and a child in one service, the child failing with an exception event. */
function failingTrace(service: string): { bytes: Uint8Array; traceId: string } {
  const t = traceSpans('exception');
  return { bytes: tracesOf(service, t.spans), traceId: t.traceId };
}

/** One request: `ok` healthy traces and one failing trace (an exception event, or only a status), in that order. */
function mixedRequest(ok: number, failure: 'exception' | 'status', message?: string): { bytes: Uint8Array; failing: string; healthy: string[] } {
  const healthy = Array.from({ length: ok }, () => traceSpans());
  const failing = traceSpans(failure, message);
  return { bytes: tracesOf('svc', [...healthy.flatMap((t) => t.spans), ...failing.spans]), failing: failing.traceId, healthy: healthy.map((t) => t.traceId) };
}

/** Logs with time_unix_nano, as SDKs send them, and no severity text. */
function timedLogs(severities: number[]): Uint8Array {
  return encodeRequest('logs', {
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeLogs: [{ logRecords: severities.map((severityNumber, i) => ({ timeUnixNano: T0 + BigInt(i), severityNumber, body: { stringValue: `log ${i}` } })) }] }],
  } as ExportRequestInput<'logs'>);
}

const spanCount = (ring: RecentData) => ring.traces(undefined, 1e9).reduce((n, t) => n + t.spans, 0);

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

  test('a repeated attribute key shows its first value, as routing reads it', () => {
    const ring = new RecentData();
    const { spans, traceId } = traceSpans();
    const twice = (key: string) => [{ key, value: { stringValue: 'first' } }, { key, value: { stringValue: 'second' } }];
    const bytes = encodeRequest('traces', { resourceSpans: [{ resource: { attributes: twice('service.name') }, scopeSpans: [{ spans: spans.map((s) => ({ ...s, attributes: twice('k') })) }] }] } as ExportRequestInput<'traces'>);
    ring.record('traces', bytes);
    const root = ring.trace(traceId)?.spans[0];
    assert.deepEqual(root && { service: root.service, resource: { ...root.resource }, attributes: { ...root.attributes } }, { service: 'first', resource: { 'service.name': 'first' }, attributes: { k: 'first' } });
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
    ring.watched();
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
    ring.watched();
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
    assert.equal(showValue('x'.repeat(10), 4), 'xxxx... (6 more characters)');
    assert.equal(showValue(12n), '12');
    assert.equal(showValue([1n, 'a']), '["1","a"]');
    assert.equal(severityName('', 21), 'FATAL');
    assert.equal(severityName('Warning', 13), 'Warning');
    assert.equal(severityName('', 0), '');
  });
});

describe('RecentData memory: the ring is small unless the page is watched, and its estimate is the real heap', () => {
  test('unwatched, the ring keeps IDLE_LIMITS; watched, it keeps more; once the watch lapses it shrinks again', () => {
    let now = 1_000_000;
    const ring = new RecentData(undefined, () => now);
    for (let i = 0; i < IDLE_LIMITS.traces + 20; i++) ring.record('traces', traceRequest('svc', 10).bytes);
    assert.equal(ring.traces(undefined, 1e9).length, IDLE_LIMITS.traces);
    for (let i = 0; i < IDLE_LIMITS.logs + 50; i++) ring.record('logs', logsRequest('svc', [9]));
    assert.equal(ring.logs(undefined, 1e9).length, IDLE_LIMITS.logs);
    for (let i = 0; i < IDLE_LIMITS.errors + 10; i++) ring.record('logs', logsRequest('svc', [17]));
    assert.equal(ring.errors(undefined, 1e9).length, IDLE_LIMITS.errors);

    ring.watched();
    for (let i = 0; i < 100; i++) ring.record('traces', traceRequest('svc', 10).bytes);
    assert.equal(ring.traces(undefined, 1e9).length, IDLE_LIMITS.traces + 100, 'watched: up to LIMITS');
    assert.ok(IDLE_LIMITS.traces + 100 <= LIMITS.traces);

    now += WATCH_WINDOW_MS + 1;
    ring.record('traces', traceRequest('svc', 10).bytes);
    assert.equal(ring.traces(undefined, 1e9).length, IDLE_LIMITS.traces, 'the next decode after the watch applies the idle limits');
    assert.ok(spanCount(ring) <= IDLE_LIMITS.spans);
  });

  test('the byte estimate follows the real heap, long values included (a cut value must not keep its original alive)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const shapes = {
      tiny: () => traceRequest('svc', 50).bytes,
      // The bench's shape: 10 attributes and one event a span.
      typical: () => traceRequest('svc', Array.from({ length: 50 }, (_, i) => ({ exception: i % 20 === 0, error: i % 20 === 0, attributes: { 'http.method': 'GET', 'http.route': `/api/activities/${i}`, 'http.status_code': 200, 'net.peer.ip': '10.0.0.1', 'db.statement': 'SELECT * FROM activities WHERE uuid = $1', 'enduser.id': randomBytes(8).toString('hex'), 'app.duration_ratio': 0.5, 'app.cache_hit': true, 'thread.name': 'worker-1', 'code.lineno': i } }))).bytes,
      // Values of 5,000 characters, cut to LIMITS.valueChars.
      long: () => traceRequest('svc', Array.from({ length: 10 }, (_, i) => ({ attributes: Object.fromEntries(Array.from({ length: 16 }, (_, k) => [`attr.${k}`, `${i}.${k}`.padEnd(5000, 'x')])) }))).bytes,
    };
    for (const [name, make] of Object.entries(shapes)) {
      const requests = Array.from({ length: 20 }, make);
      const ring = new RecentData();
      ring.watched();
      const before = heap();
      for (const bytes of requests) ring.record('traces', bytes);
      requests.length = 0;
      const real = heap() - before;
      const estimate = ring.heldBytes.traces;
      assert.ok(spanCount(ring) >= 200, `${name}: all kept (${spanCount(ring)})`);
      // Above the real heap is safe (values that repeat share one string), but not by more than 2×; below it by at most 25 %.
      assert.ok(real <= 1.25 * estimate && estimate <= 2 * real, `${name}: real heap ${real} B for an estimate of ${estimate} B`);
    }
  });
});

describe('RecentData sampling: the hot path only keeps a reference, within a budget in items', () => {
  test('the budget is in items: a request costs its items, and may put the bucket in debt until it refills', () => {
    let now = 1_000_000;
    const ring = new RecentData({ perSecond: 1000, burst: 1000 }, () => now);
    ring.watched();
    now += 1000; // a full bucket: 1000 items
    const req = traceRequest('svc', 400).bytes;
    for (let i = 0; i < 4; i++) ring.offer('traces', req, 400);
    assert.equal(ring.traces().length, 0, 'nothing is decoded on the request path');
    ring.flush();
    // 1000 → 600 → 200 → -200 (taken while above zero), then skipped.
    assert.deepEqual({ decoded: ring.sampling.decoded, skipped: ring.sampling.skippedRate }, { decoded: 3, skipped: 1 });
    now += 150; // -200 + 150: still in debt
    ring.offer('traces', req, 400);
    now += 100; // +100 → 50: above zero
    ring.offer('traces', req, 400);
    ring.flush();
    assert.deepEqual({ decoded: ring.sampling.decoded, skipped: ring.sampling.skippedRate }, { decoded: 4, skipped: 2 });
  });

  test('while nobody watches the page, a 500-span request is decoded about every 10 s (IDLE_SAMPLING), however fast they come', () => {
    let now = 1_000_000;
    const ring = new RecentData(undefined, () => now);
    const req = traceRequest('svc', 500).bytes;
    // 20 requests a second (10,000 spans/s) for 60 s.
    for (let i = 0; i < 20 * 60; i++, now += 50) ring.offer('traces', req, 500);
    ring.flush();
    const expected = 1 + (60 * IDLE_SAMPLING.perSecond) / 500; // the initial bucket, then one per 10 s
    assert.ok(ring.sampling.decoded >= expected - 1 && ring.sampling.decoded <= expected + 1, `decoded ${ring.sampling.decoded}, about ${expected}`);
    assert.equal(IDLE_SAMPLING.perSecond <= 100, true, 'idle stays a trickle');
    assert.ok(spanCount(ring) <= IDLE_LIMITS.spans);
  });

  test('watched, the same traffic is decoded at the full rate in items', () => {
    let now = 1_000_000;
    const ring = new RecentData({ perSecond: 2000, burst: 2000 }, () => now);
    const req = traceRequest('svc', 500).bytes;
    for (let i = 0; i < 20 * 10; i++, now += 50) {
      ring.watched();
      ring.offer('traces', req, 500);
      ring.flush();
    }
    // 2000 items/s for 10 s is 40 requests of 500 (plus the bucket at the start).
    assert.ok(ring.sampling.decoded >= 40 && ring.sampling.decoded <= 42, `decoded ${ring.sampling.decoded}`);
  });

  test('errors are preferred: with the budget spent, a request holding errors is decoded for its error traces only; one without waits', () => {
    const now = 1_000_000; // the clock stands still: the main bucket does not refill
    const ring = new RecentData(undefined, () => now);
    ring.offer('traces', traceRequest('svc', 500).bytes, 500); // spends the idle bucket
    ring.flush();
    assert.equal(ring.sampling.decoded, 1);
    const traceIdsBefore = new Set(ring.traces(undefined, 1e9).map((t) => t.traceId));

    ring.offer('traces', traceRequest('svc', 10).bytes, 10); // no errors: waits for the main budget
    const withException = mixedRequest(5, 'exception');
    ring.offer('traces', withException.bytes, 12);
    ring.flush();
    assert.deepEqual({ decoded: ring.sampling.decoded, forErrors: ring.sampling.decodedForErrors, skipped: ring.sampling.skippedRate }, { decoded: 2, forErrors: 1, skipped: 1 });
    const kept = ring.traces(undefined, 1e9).map((t) => t.traceId).filter((id) => !traceIdsBefore.has(id));
    assert.deepEqual(kept, [withException.failing], 'only the failing trace of that request, whole');
    assert.equal(ring.trace(withException.failing)?.spans.length, 2);
    assert.equal(ring.errors()[0]?.title, 'KeyError');

    // A status ERROR without an exception event is found too, with or without a message.
    for (const message of ['', 'upstream returned UNAVAILABLE']) {
      const statusOnly = mixedRequest(3, 'status', message);
      ring.offer('traces', statusOnly.bytes, 8);
      ring.flush();
      assert.ok(ring.trace(statusOnly.failing), `status-only failure found (message "${message}")`);
      assert.ok(statusOnly.healthy.every((id) => !ring.trace(id)));
    }

    // Error records: only those are kept.
    ring.offer('logs', timedLogs([9, 9, 17, 9]), 4);
    ring.flush();
    assert.deepEqual(ring.logs().map((l) => l.severityNumber), [17]);
  });

  test('the error budget is bounded too: requests full of errors stop being decoded once it is spent', () => {
    let now = 1_000_000;
    const ring = new RecentData(undefined, () => now);
    const req = mixedRequest(200, 'exception').bytes; // 402 spans
    for (let i = 0; i < 100; i++, now += 10) ring.offer('traces', req, 402); // 1 s at 100 requests/s
    ring.flush();
    // The main bucket (IDLE_SAMPLING.burst) and the error bucket (ERROR_SAMPLING.burst) each take about one.
    const most = Math.ceil(IDLE_SAMPLING.burst / 402) + Math.ceil(ERROR_SAMPLING.burst / 402) + 1;
    assert.ok(ring.sampling.decoded <= most, `decoded ${ring.sampling.decoded}, at most ${most}`);
    assert.ok(ring.sampling.decodedForErrors >= 1);
  });

  test('mayHoldErrors finds exception events, ERROR statuses and severe records in the bytes, and not in healthy requests', () => {
    assert.equal(mayHoldErrors('traces', mixedRequest(20, 'exception').bytes), true);
    assert.equal(mayHoldErrors('traces', mixedRequest(20, 'status', '').bytes), true);
    assert.equal(mayHoldErrors('traces', mixedRequest(20, 'status', 'deadline exceeded').bytes), true);
    assert.equal(mayHoldErrors('traces', traceRequest('svc', Array.from({ length: 50 }, () => ({ attributes: { 'retry.count': 2, 'http.status_code': 200 } }))).bytes), false);
    assert.equal(mayHoldErrors('logs', timedLogs([9, 13, 21])), true);
    assert.equal(mayHoldErrors('logs', timedLogs([1, 5, 9, 13, 16])), false);
    assert.equal(mayHoldErrors('metrics', new Uint8Array(10)), false);
  });

  test('a budget of 0 turns the sampler off, for errors too, watched or not', () => {
    const ring = new RecentData({ perSecond: 0, burst: 0 });
    ring.offer('traces', failingTrace('svc').bytes, 2);
    ring.watched();
    ring.offer('traces', failingTrace('svc').bytes, 2);
    ring.flush();
    assert.deepEqual({ decoded: ring.sampling.decoded, skipped: ring.sampling.skippedRate }, { decoded: 0, skipped: 2 });
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
