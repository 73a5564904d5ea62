/** The local X-Ray API refuses what the real one refuses: the tests that lean on it are only as good as it is. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetSamplingRulesCommand, GetSamplingTargetsCommand, XRayClient } from '@aws-sdk/client-xray';
import { sdkApi } from '../../src/exporters/xray/client.ts';
import { documentProblem, FakeXray, RULES_MODIFIED_AT } from './fake-xray.ts';

const CREDS = { accessKeyId: 'AKIAFAKETESTKEY00001', secretAccessKey: 'fake/test/secret/0000000000000000000000', region: 'eu-west-2' };
const VALID = { name: 'backend-flask', id: '0123456789abcdef', trace_id: '1-6553f100-0123456789abcdef01234567', start_time: 1700000000.5, end_time: 1700000001 };
const doc = (o: Record<string, unknown> = {}) => JSON.stringify({ ...VALID, ...o });

describe('documentProblem: the segment document rules', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['a minimal segment', doc(), undefined],
    ['an in-progress segment', doc({ end_time: undefined, in_progress: true }), undefined],
    ['an independent subsegment', doc({ type: 'subsegment', parent_id: 'fedcba9876543210', namespace: 'remote' }), undefined],
    ['not JSON', '{"name":', 'MalformedSegment'],
    ['no name', doc({ name: undefined }), 'MissingName'],
    ['a name with < >', doc({ name: 'render <Home/>' }), 'InvalidName'],
    ['a name of 201 characters', doc({ name: 'a'.repeat(201) }), 'InvalidName'],
    ['200 astral characters are 200, not 400', doc({ name: '𝔘'.repeat(200) }), undefined],
    ['no id', doc({ id: undefined }), 'MissingId'],
    ['an upper-case id', doc({ id: '0123456789ABCDEF' }), 'InvalidId'],
    ['a W3C trace id', doc({ trace_id: '5b8efff798038103d269b633813fc60c' }), 'InvalidTraceId'],
    ['no start_time', doc({ start_time: undefined }), 'InvalidStartTime'],
    ['both end_time and in_progress', doc({ in_progress: true }), 'MissingEndTime'],
    ['neither end_time nor in_progress', doc({ end_time: undefined }), 'MissingEndTime'],
    ['a subsegment without parent_id', doc({ type: 'subsegment' }), 'MissingParentId'],
    ['a bad namespace', doc({ namespace: 'local' }), 'InvalidNamespace'],
    ['an annotation key with a space', doc({ annotations: { 'app tier': 'gold' } }), 'InvalidAnnotation'],
    ['an annotation object value', doc({ annotations: { tier: { a: 1 } } }), 'InvalidAnnotation'],
    ['an annotation value over 1,000 characters', doc({ annotations: { note: 'x'.repeat(1001) } }), 'InvalidAnnotation'],
    ['annotation keys with dots and underscores', doc({ annotations: { 'http.route': '/', app_tier: 'gold', n: 1, ok: true } }), undefined],
    ['a reserved metadata namespace', doc({ metadata: { 'AWS.xray': {} } }), 'InvalidMetadata'],
    ['a bad exception id', doc({ cause: { exceptions: [{ id: 'x' }] } }), 'InvalidCause'],
    ['a fractional stack line', doc({ cause: { exceptions: [{ id: 'aaaaaaaaaaaaaaaa', stack: [{ line: 1.5 }] }] } }), 'InvalidCause'],
    ['over 64 KB', doc({ metadata: { default: { big: 'x'.repeat(70_000) } } }), 'SegmentTooLarge'],
  ];
  for (const [what, text, code] of cases) test(`${what}: ${code ?? 'accepted'}`, () => assert.equal(documentProblem(text)?.ErrorCode, code));
});

describe('the local X-Ray API', () => {
  let fake: FakeXray;
  before(async () => {
    fake = await new FakeXray(CREDS).start();
  });
  after(async () => {
    await fake.stop();
  });

  /** The real SDK, signing with the given credentials (never the process's own). */
  function client(creds: { accessKeyId: string; secretAccessKey: string }, region = CREDS.region) {
    const saved = { ...process.env };
    process.env['AWS_ACCESS_KEY_ID'] = creds.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = creds.secretAccessKey;
    const api = sdkApi({ region, endpoint: fake.url, userAgent: 'otlp-relay/test' });
    return {
      put: async (docs: string[]) => {
        try {
          return await api.putTraceSegments(docs, new AbortController().signal);
        } finally {
          process.env = saved;
        }
      },
    };
  }

  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return { name: (err as Error).name, message: (err as Error).message, status: (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
    }
    return assert.fail('expected a refusal');
  };

  test('accepts what the SDK signs with the right key, and answers UnprocessedTraceSegments for invalid documents', async () => {
    const out = await client(CREDS).put([doc(), doc({ id: 'aaaaaaaaaaaaaaaa', name: 'bad!' })]);
    assert.deepEqual(out.unprocessed, [{ id: 'aaaaaaaaaaaaaaaa', errorCode: 'InvalidName', message: 'name "bad!" has characters outside X-Ray\'s set' }]);
    assert.equal(fake.segments().filter((s) => s['id'] === VALID.id).length, 1);
  });

  test('recomputes the signature: a wrong secret is refused', async () => {
    const r = await refusal(client({ ...CREDS, secretAccessKey: 'wrong/secret/00000000000000000000000000' }).put([doc()]));
    assert.deepEqual(r, { name: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.', status: 403 });
  });

  test('an unknown access key, and a signature scoped to another region, are refused', async () => {
    assert.equal((await refusal(client({ ...CREDS, accessKeyId: 'AKIAOTHERKEY00000000' }).put([doc()]))).name, 'UnrecognizedClientException');
    const r = await refusal(client(CREDS, 'us-east-1').put([doc()]));
    assert.match(r.message, /scoped to a valid region/);
  });

  test('unsigned requests and other paths are refused', async () => {
    const unsigned = await fetch(`${fake.url}/TraceSegments`, { method: 'POST', body: JSON.stringify({ TraceSegmentDocuments: [doc()] }) });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const other = await fetch(`${fake.url}/TraceSummaries`, { method: 'POST', body: '{}' });
    assert.equal(other.status, 404);
    const unsignedRules = await fetch(`${fake.url}/GetSamplingRules`, { method: 'POST', body: '{}' });
    assert.equal(unsignedRules.status, 403, 'the sampling operations need a signature too');
  });

  test('at most 50 documents per call', async () => {
    const docs = Array.from({ length: 51 }, (_, i) => doc({ id: i.toString(16).padStart(16, '0') }));
    const r = await refusal(client(CREDS).put(docs));
    assert.deepEqual(r, { name: 'InvalidRequestException', message: 'Exceeding maximum segment count: 50', status: 400 });
    assert.deepEqual((await client(CREDS).put(docs.slice(0, 50))).unprocessed, []);
  });

  test('throttles whole calls and single documents on demand', async () => {
    fake.throttleCalls = 1;
    assert.deepEqual(await refusal(client(CREDS).put([doc()])), { name: 'ThrottledException', message: 'Rate exceeded', status: 429 });
    fake.throttleDocuments = 1;
    const out = await client(CREDS).put([doc({ id: 'bbbbbbbbbbbbbbbb' }), doc({ id: 'cccccccccccccccc' })]);
    assert.deepEqual(out.unprocessed, [{ id: 'bbbbbbbbbbbbbbbb', errorCode: 'ThrottledException', message: 'Rate exceeded' }]);
  });

  test('a document written again with the same id replaces the first, as X-Ray does', async () => {
    await client(CREDS).put([doc({ id: 'dddddddddddddddd', name: 'first' })]);
    await client(CREDS).put([doc({ id: 'dddddddddddddddd', name: 'second' })]);
    const kept = fake.segments().filter((s) => s['id'] === 'dddddddddddddddd');
    assert.deepEqual(
      kept.map((s) => s['name']),
      ['second'],
    );
    assert.equal(fake.writes.get(`${VALID.trace_id}/dddddddddddddddd`), 2);
  });

  test('AWS_ENDPOINT_URL_XRAY is honoured when the config has no endpoint', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_ENDPOINT_URL_XRAY: fake.url });
      const before = fake.received.length;
      await sdkApi({ region: CREDS.region, userAgent: 'otlp-relay/test' }).putTraceSegments([doc({ id: 'eeeeeeeeeeeeeeee' })], new AbortController().signal);
      assert.equal(fake.received.length, before + 1);
    } finally {
      process.env = saved;
    }
  });

  test('the sampling operations speak what the AWS SDK speaks: rules, then targets for known rules, statistics checked', async () => {
    fake.samplingRules = [{ RuleName: 'cruddur', Priority: 1, FixedRate: 0.5, ReservoirSize: 2, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {} }];
    const sdk = new XRayClient({ region: CREDS.region, endpoint: fake.url, credentials: CREDS, maxAttempts: 1 });
    try {
      const rules = await sdk.send(new GetSamplingRulesCommand({}));
      assert.deepEqual(
        rules.SamplingRuleRecords?.map((r) => [r.SamplingRule?.RuleName, r.SamplingRule?.FixedRate]),
        [
          ['cruddur', 0.5],
          ['Default', 0.05],
        ],
      );
      assert.equal(rules.SamplingRuleRecords?.[0]?.ModifiedAt?.getTime(), RULES_MODIFIED_AT * 1000);
      const stat = { RuleName: 'cruddur', ClientID: 'c'.repeat(24), RequestCount: 4, SampledCount: 2, BorrowCount: 0, Timestamp: new Date() };
      const targets = await sdk.send(new GetSamplingTargetsCommand({ SamplingStatisticsDocuments: [stat, { ...stat, RuleName: 'gone' }] }));
      assert.deepEqual(
        targets.SamplingTargetDocuments?.map((t) => [t.RuleName, t.FixedRate, t.ReservoirQuota, t.Interval]),
        [['cruddur', 0.5, 2, 10]],
      );
      assert.deepEqual(
        targets.UnprocessedStatistics?.map((u) => u.RuleName),
        ['gone'],
      );
      await assert.rejects(sdk.send(new GetSamplingTargetsCommand({ SamplingStatisticsDocuments: [{ ...stat, ClientID: 'short' }] })), { name: 'InvalidRequestException' });
      await assert.rejects(sdk.send(new GetSamplingTargetsCommand({ SamplingStatisticsDocuments: Array.from({ length: 26 }, () => stat) })), { name: 'InvalidRequestException' });
    } finally {
      sdk.destroy();
      fake.samplingRules = [];
    }
  });
});
