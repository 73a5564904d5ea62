/** The X-Ray client against a stand-in API: batching, UnprocessedTraceSegments, retries that resend only what is missing. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XrayExportClient, type PutTraceSegmentsApi, type UnprocessedSegment } from '../../../src/exporters/xray/client.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { invalidUtf8 } from '../../support/corrupt.ts';
import { captureLogger } from '../../support/log.ts';
import { KIND, NOW, requestBytes, spanIds } from './helpers.ts';

type Answer = { unprocessed?: UnprocessedSegment[] } | Error | ((docs: string[]) => UnprocessedSegment[]);

/** Records every call; answers from `answers` in order, then accepts everything. */
class StubApi implements PutTraceSegmentsApi {
  readonly calls: string[][] = [];
  readonly answers: Answer[] = [];
  putTraceSegments(documents: string[]): Promise<{ unprocessed: UnprocessedSegment[] }> {
    this.calls.push(documents);
    const a = this.answers.shift();
    if (a instanceof Error) return Promise.reject(a);
    if (typeof a === 'function') return Promise.resolve({ unprocessed: a(documents) });
    return Promise.resolve({ unprocessed: a?.unprocessed ?? [] });
  }
  ids(call: number): string[] {
    return (this.calls[call] ?? []).map((d) => (JSON.parse(d) as { id: string }).id);
  }
}

function setup(strict = false) {
  const api = new StubApi();
  const stats = new Stats();
  const logs = captureLogger('debug');
  const client = new XrayExportClient({
    name: 'xray',
    api,
    stats,
    log: logs.log,
    nowSeconds: () => NOW,
    concurrency: 1,
    translate: { indexedAttributes: [], indexAllAttributes: false, strictTraceIds: strict, annotationKeyDots: 'keep' },
  });
  const warnings = () => logs.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));
  return { api, stats, client, warnings };
}

const signal = () => new AbortController().signal;
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException', $metadata: { httpStatusCode: 429 } });
const batch = (n: number, prefix = 'b') => requestBytes({ 'service.name': 'svc' }, spanIds(n, prefix).map((spanId) => ({ spanId, kind: KIND.SERVER })));

describe('sending', () => {
  test('120 spans go out as calls of 50, 50 and 20 documents', async () => {
    const { api, client } = setup();
    assert.equal((await client.send('traces', batch(120), 120, signal())).kind, 'success');
    assert.deepEqual(
      api.calls.map((c) => c.length),
      [50, 50, 20],
    );
    assert.equal(new Set(api.calls.flat()).size, 120);
  });

  test('logs and metrics are refused: X-Ray takes traces only', async () => {
    const { api, client } = setup();
    const o = await client.send('logs', new Uint8Array(), 3, signal());
    assert.deepEqual(o, { kind: 'permanent', reason: 'X-Ray takes traces only, not logs', rejected: 3 });
    assert.equal(api.calls.length, 0);
  });
});

describe('UnprocessedTraceSegments', () => {
  test('refused documents are counted per ErrorCode and said once per code at warn level; the rest count as delivered', async () => {
    const { api, client, stats, warnings } = setup();
    const ids = spanIds(4);
    api.answers.push(() => [
      { id: ids[0], errorCode: 'InvalidSegment', message: 'Trace Size Exceeded' },
      { id: ids[1], errorCode: 'InvalidSegment', message: 'Trace Size Exceeded' },
      { id: ids[2], errorCode: 'InvalidTraceId', message: 'bad id' },
    ]);
    const o = await client.send('traces', batch(4), 4, signal());
    assert.equal(o.kind, 'success', 'one of four was processed: not retried, not a batch failure');
    assert.equal(stats.get('otlp_relay_xray_unprocessed_segments_total', { error_code: 'InvalidSegment' }), 2);
    assert.equal(stats.get('otlp_relay_xray_unprocessed_segments_total', { error_code: 'InvalidTraceId' }), 1);
    const said = warnings().filter((w) => w.includes('X-Ray did not process a segment'));
    assert.equal(said.length, 2, 'once per error code');
    assert.match(said[0]!, /InvalidSegment: Trace Size Exceeded \(e\.g\. segment b0{14}1 of trace 1-6553f100-0123456789abcdef01234567\); not retried/);
    assert.equal(api.calls.length, 1);
  });

  test('every document refused: the batch is a permanent failure with X-Ray\'s words', async () => {
    const { api, client } = setup();
    api.answers.push((docs) => docs.map((d) => ({ id: (JSON.parse(d) as { id: string }).id, errorCode: 'InvalidSegment', message: 'nope' })));
    const o = await client.send('traces', batch(3), 3, signal());
    assert.deepEqual(o, { kind: 'permanent', reason: 'X-Ray refused segments: InvalidSegment: nope', rejected: 3 });
  });

  test('throttled documents are retried, and the retry sends only those (nothing duplicated, nothing lost)', async () => {
    const { api, client } = setup();
    const bytes = batch(60);
    const ids = spanIds(60);
    api.answers.push(() => [{ id: ids[3], errorCode: 'ThrottledException', message: 'Rate exceeded' }], () => [{ id: ids[55], errorCode: 'ThrottledException', message: 'Rate exceeded' }]);
    const first = await client.send('traces', bytes, 60, signal());
    assert.equal(first.kind, 'retryable');
    assert.match(first.kind === 'retryable' ? first.reason : '', /retry segments \(ThrottledException\)/);
    const second = await client.send('traces', bytes, 60, signal());
    assert.equal(second.kind, 'success');
    assert.deepEqual(api.ids(2).sort(), [ids[3], ids[55]].sort(), 'the third call carries just the two throttled documents');
    const delivered = new Set([...api.ids(0), ...api.ids(1), ...api.ids(2)]);
    assert.equal(delivered.size, 60);
  });
});

describe('request-level failures', () => {
  test('ThrottledException on a call: retryable; later chunks wait for the retry; the retry sends what is left', async () => {
    const { api, client } = setup();
    const bytes = batch(120);
    api.answers.push({}, throttled());
    const first = await client.send('traces', bytes, 120, signal());
    assert.equal(first.kind, 'retryable');
    assert.match(first.kind === 'retryable' ? first.reason : '', /throttled/);
    assert.equal(api.calls.length, 2, 'no third call after a throttle');
    assert.equal((await client.send('traces', bytes, 120, signal())).kind, 'success');
    assert.deepEqual(
      api.calls.map((c) => c.length),
      [50, 50, 50, 20],
    );
    assert.equal(new Set(api.calls.flatMap((_, i) => api.ids(i))).size, 120);
  });

  test('refused credentials: permanent, every document counted as refused, no more calls', async () => {
    const { api, client } = setup();
    api.answers.push(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } }));
    const o = await client.send('traces', batch(120), 120, signal());
    assert.equal(o.kind, 'permanent');
    assert.equal(o.kind === 'permanent' ? o.rejected : 0, 120);
    assert.equal(api.calls.length, 1);
  });

  test('aborted (the runner\'s timeout): the error propagates and the next attempt resends what was in flight', async () => {
    const { api, client } = setup();
    const bytes = batch(10);
    const ac = new AbortController();
    api.answers.push(() => {
      ac.abort();
      throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    });
    await assert.rejects(client.send('traces', bytes, 10, ac.signal), { name: 'AbortError' });
    assert.equal((await client.send('traces', bytes, 10, signal())).kind, 'success');
    assert.equal(api.calls[1]?.length, 10);
  });
});

describe('what the translation refuses or changes', () => {
  test('strict_trace_ids: implausible ids are counted and said once at warn level, the rest sent', async () => {
    const { api, client, stats, warnings } = setup(true);
    const bytes = requestBytes({ 'service.name': 'svc' }, [
      { spanId: '1000000000000001' },
      { spanId: '1000000000000002', traceId: '5b8efff798038103d269b633813fc60c' },
      { spanId: '1000000000000003', traceId: '5b8efff798038103d269b633813fc60d' },
    ]);
    assert.equal((await client.send('traces', bytes, 3, signal())).kind, 'success');
    assert.equal(api.calls[0]?.length, 1);
    assert.equal(stats.get('otlp_relay_xray_spans_refused_total', { reason: 'implausible_trace_id' }), 2);
    const said = warnings().filter((w) => w.includes('strict_trace_ids'));
    assert.equal(said.length, 1);
    assert.match(said[0]!, /2 spans refused by strict_trace_ids.*e\.g\. span "op" in trace 1-5b8efff7-98038103d269b633813fc60c/);
  });

  test('a span or resource that cannot be decoded (invalid UTF-8) costs only its own spans, not the batch', async () => {
    const { api, client, stats, warnings } = setup();
    const badSpan = invalidUtf8(requestBytes({ 'service.name': 'svc' }, [{ spanId: 'a000000000000001', name: 'zzzz' }, { spanId: 'a000000000000002' }]), 'zzzz');
    const badResource = invalidUtf8(requestBytes({ 'service.name': 'qqqq' }, [{ spanId: 'c000000000000001' }, { spanId: 'c000000000000002' }]), 'qqqq');
    const bytes = Buffer.concat([batch(3), badSpan, badResource]);
    assert.equal((await client.send('traces', bytes, 7, signal())).kind, 'success');
    assert.deepEqual(api.ids(0).sort(), ['a000000000000002', ...spanIds(3, 'b')].sort());
    assert.equal(stats.get('otlp_relay_xray_spans_refused_total', { reason: 'undecodable' }), 3);
    const said = warnings().filter((w) => w.includes('could not be decoded'));
    assert.equal(said.length, 1);
    assert.match(said[0]!, /3 spans refused: they could not be decoded.*UTF-8/);
  });

  test('a batch whose every span is refused is a permanent failure, with no call made', async () => {
    const { api, client } = setup(true);
    const bytes = requestBytes({ 'service.name': 'svc' }, [{ spanId: '1000000000000001', traceId: '5b8efff798038103d269b633813fc60c' }]);
    const o = await client.send('traces', bytes, 1, signal());
    assert.equal(o.kind, 'permanent');
    assert.match(o.kind === 'permanent' ? o.reason : '', /strict_trace_ids/);
    assert.equal(api.calls.length, 0);
  });

  test('renamed annotation keys are said once per key', async () => {
    const api = new StubApi();
    const logs = captureLogger('debug');
    const client = new XrayExportClient({
      name: 'xray',
      api,
      stats: new Stats(),
      log: logs.log,
      translate: { indexedAttributes: ['app-tier'], indexAllAttributes: false, strictTraceIds: false, annotationKeyDots: 'keep' },
    });
    const bytes = () => requestBytes({ 'service.name': 'svc' }, [{ spanId: '1000000000000001', attributes: { 'app-tier': 'gold' } }]);
    await client.send('traces', bytes(), 1, signal());
    await client.send('traces', bytes(), 1, signal());
    const said = logs.lines().filter((l) => String(l['msg']).includes('is indexed as annotation'));
    assert.equal(said.length, 1);
    assert.match(String(said[0]!['msg']), /attribute "app-tier" is indexed as annotation "app_tier"/);
    assert.match(api.calls[0]![0]!, /"annotations":\{"app_tier":"gold"\}/);
  });
});
