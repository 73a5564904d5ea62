/** Segment documents queued as received (the X-Ray daemon drop-in): framing, and the client sending them byte for byte. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XrayExportClient, type PutTraceSegmentsApi, type UnprocessedSegment } from '../../../src/exporters/xray/client.ts';
import { frameDocument, unframeDocuments } from '../../../src/exporters/xray/documents.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { captureLogger } from '../../support/log.ts';

const doc = (i: number) => `{"trace_id":"1-5759e988-bd862e3fe1be46a9942727${String(i).padStart(2, '0')}", "id":"${i.toString(16).padStart(16, '0')}","name":"svc ✓","start_time":1,"end_time":2}`;
const framed = (docs: string[]) => Buffer.concat(docs.map((d) => frameDocument(Buffer.from(d))));

describe('frames', () => {
  test('concatenated frames give back every document, exactly, with its ids', () => {
    const docs = [doc(1), doc(2), '{"no":"ids"}', 'not json'];
    const out = unframeDocuments(framed(docs));
    assert.deepEqual(
      out.map((d) => d.json),
      docs,
    );
    assert.deepEqual(out[0], { id: '0000000000000001', traceId: '1-5759e988-bd862e3fe1be46a994272701', json: docs[0] });
    assert.deepEqual([out[2]?.id, out[3]?.traceId], ['', '']);
  });

  test('a broken frame is an error, not a guess', () => {
    const bytes = framed([doc(1)]);
    assert.throws(() => unframeDocuments(bytes.subarray(0, bytes.byteLength - 1)), /broken document frame at byte 0: \d+ bytes announced/);
    assert.throws(() => unframeDocuments(Buffer.concat([bytes, Buffer.from([0, 0])])), /broken document frame at byte \d+$/);
  });

  test('the frame copies the bytes (the receive buffer may be reused)', () => {
    const src = Buffer.from(doc(1));
    const f = frameDocument(src);
    src.fill(0);
    assert.equal(unframeDocuments(f)[0]?.json, doc(1));
  });
});

class StubApi implements PutTraceSegmentsApi {
  readonly calls: string[][] = [];
  readonly answers: Array<(docs: string[]) => UnprocessedSegment[]> = [];
  putTraceSegments(documents: string[]): Promise<{ unprocessed: UnprocessedSegment[] }> {
    this.calls.push(documents);
    return Promise.resolve({ unprocessed: this.answers.shift()?.(documents) ?? [] });
  }
}

function client() {
  const api = new StubApi();
  const stats = new Stats();
  const logs = captureLogger('debug');
  const c = new XrayExportClient({ name: 'xray:segments', api, stats, log: logs.log, concurrency: 1, input: 'documents', translate: { indexedAttributes: [], indexAllAttributes: false, strictTraceIds: false, annotationKeyDots: 'keep' } });
  return { api, stats, c, logs };
}

describe('the X-Ray client with input: documents', () => {
  const signal = () => new AbortController().signal;

  test('sends each document as it was received, 50 per call', async () => {
    const { api, c } = client();
    const docs = Array.from({ length: 70 }, (_, i) => doc(i + 1));
    assert.equal((await c.send('traces', framed(docs), docs.length, signal())).kind, 'success');
    assert.deepEqual(
      api.calls.map((x) => x.length),
      [50, 20],
    );
    assert.deepEqual(api.calls.flat(), docs);
  });

  test('a retry resends only what X-Ray did not take, and the refused ones are counted', async () => {
    const { api, c, stats } = client();
    const docs = [doc(1), doc(2), doc(3)];
    api.answers.push(() => [
      { id: '0000000000000002', errorCode: 'ThrottledException', message: 'Rate exceeded' },
      { id: '0000000000000003', errorCode: 'InvalidSegment', message: 'bad' },
    ]);
    const bytes = framed(docs);
    assert.equal((await c.send('traces', bytes, 3, signal())).kind, 'retryable');
    assert.equal((await c.send('traces', bytes, 3, signal())).kind, 'success');
    assert.deepEqual(api.calls, [docs, [doc(2)]]);
    assert.equal(stats.get('otlp_relay_xray_unprocessed_segments_total', { exporter: 'xray:segments', error_code: 'InvalidSegment' }), 1);
  });

  test('a payload that is not frames is refused for good, not retried', async () => {
    const { api, c } = client();
    const out = await c.send('traces', Buffer.from([0, 0, 1, 0, 1]), 1, signal());
    assert.equal(out.kind, 'permanent');
    assert.match(out.kind === 'permanent' ? out.reason : '', /could not read the queued segment documents: broken document frame/);
    assert.equal(api.calls.length, 0);
  });
});
