/** The sampling calls: the local Default rule, and SigV4-signed forwarding to a local X-Ray API that checks the signature. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsUpstream, localRules, localTargets, SamplingService, type SamplingMode, type SamplingUpstream } from '../../../src/receivers/xray/sampling.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { FakeXray, RULES_MODIFIED_AT } from '../../support/fake-xray.ts';
import { captureLogger } from '../../support/log.ts';

const CREDS = { accessKeyId: 'AKIASAMPLINGTEST0001', secretAccessKey: 'sampling/test/secret/not/real/00000000', region: 'eu-west-2' };
const NOW = 1_800_000_000;
const stats0 = { RuleName: 'Default', ClientID: 'a'.repeat(24), RequestCount: 10, BorrowCount: 1, SampledCount: 2, Timestamp: NOW };

describe('local answers', () => {
  test('GetSamplingRules: X-Ray\'s Default rule, one trace per second then 5 %, in the form the SDKs accept', () => {
    const out = localRules(RULES_MODIFIED_AT) as { SamplingRuleRecords: Array<{ SamplingRule: Record<string, unknown>; ModifiedAt: number }> };
    assert.equal(out.SamplingRuleRecords.length, 1);
    const rule = out.SamplingRuleRecords[0]!.SamplingRule;
    assert.equal(rule['RuleName'], 'Default');
    assert.equal(rule['ReservoirSize'], 1);
    assert.equal(rule['FixedRate'], 0.05);
    // What aws-xray-sdk-core checks before loading a rule (service_connector.js isRuleValid).
    assert.equal(rule['Version'], 1);
    assert.equal(rule['ResourceARN'], '*');
    assert.deepEqual(rule['Attributes'], {});
    assert.ok(rule['ServiceType'] && rule['Priority']);
    assert.equal(out.SamplingRuleRecords[0]!.ModifiedAt, RULES_MODIFIED_AT);
  });

  test('SamplingTargets: a quota of 1 per second and 5 % for Default; other rules unprocessed', () => {
    const out = localTargets({ SamplingStatisticsDocuments: [stats0, { ...stats0, RuleName: 'mine' }] }, NOW, RULES_MODIFIED_AT);
    assert.equal(out.status, 200);
    assert.deepEqual(out.body['SamplingTargetDocuments'], [{ RuleName: 'Default', FixedRate: 0.05, ReservoirQuota: 1, ReservoirQuotaTTL: NOW + 10, Interval: 10 }]);
    assert.equal(out.body['LastRuleModification'], RULES_MODIFIED_AT);
    assert.deepEqual(
      (out.body['UnprocessedStatistics'] as Array<Record<string, unknown>>).map((u) => u['RuleName']),
      ['mine'],
    );
  });

  test('SamplingTargets refuses what X-Ray refuses: more than 25 documents, or no documents list', () => {
    assert.equal(localTargets({ SamplingStatisticsDocuments: Array.from({ length: 26 }, () => stats0) }, NOW, 0).status, 400);
    assert.equal(localTargets({}, NOW, 0).status, 400);
    assert.equal(localTargets({ SamplingStatisticsDocuments: [{ ClientID: 'x' }] }, NOW, 0).status, 400);
  });
});

describe('awsUpstream endpoint', () => {
  test('the exporter\'s endpoint, then AWS_ENDPOINT_URL_XRAY, then AWS_ENDPOINT_URL, then the regional one', () => {
    assert.equal(awsUpstream({ endpoint: 'http://a', env: { AWS_ENDPOINT_URL_XRAY: 'http://b' } }).endpoint('us-east-1'), 'http://a');
    assert.equal(awsUpstream({ env: { AWS_ENDPOINT_URL_XRAY: 'http://b', AWS_ENDPOINT_URL: 'http://c' } }).endpoint('us-east-1'), 'http://b');
    assert.equal(awsUpstream({ env: { AWS_ENDPOINT_URL: 'http://c' } }).endpoint('us-east-1'), 'http://c');
    assert.equal(awsUpstream({ env: {} }).endpoint('eu-west-2'), 'https://xray.eu-west-2.amazonaws.com');
    assert.equal(awsUpstream({ env: {} }).endpoint('cn-north-1'), 'https://xray.cn-north-1.amazonaws.com.cn');
  });
});

describe('SamplingService', () => {
  let fake: FakeXray;
  before(async () => {
    fake = await new FakeXray(CREDS).start();
    fake.samplingRules = [{ RuleName: 'cruddur-all', Priority: 1, FixedRate: 1, ReservoirSize: 0, ServiceName: 'backend-flask', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {} }];
  });
  after(() => fake.stop());

  function service(mode: SamplingMode, upstream: Partial<SamplingUpstream> = {}) {
    let asked = 0;
    const up: SamplingUpstream = {
      credentials: () => {
        asked++;
        return Promise.resolve({ accessKeyId: CREDS.accessKeyId, secretAccessKey: CREDS.secretAccessKey });
      },
      region: () => Promise.resolve(CREDS.region),
      endpoint: () => fake.url,
      ...upstream,
    };
    const stats = new Stats();
    const logs = captureLogger('debug');
    const s = new SamplingService({ mode, upstream: up, timeoutMs: 5_000, log: logs.log, stats, userAgent: 'otlp-relay/test', now: () => NOW });
    const warnings = () => logs.lines().filter((l) => l['level'] === 40).map((l) => String(l['msg']));
    return { s, stats, logs, warnings, asked: () => asked };
  }
  const noCredentials = () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
  const rulesOf = (body: string) => (JSON.parse(body) as { SamplingRuleRecords: Array<{ SamplingRule: { RuleName: string } }> }).SamplingRuleRecords.map((r) => r.SamplingRule.RuleName);

  test('auto with credentials: forwarded to X-Ray, SigV4-signed (the API checks it), its answer passed back', async () => {
    const { s, stats } = service('auto');
    const before = fake.samplingCalls.length;
    const rules = await s.answer('GetSamplingRules', '/GetSamplingRules', Buffer.from('{}'));
    assert.equal(rules.status, 200, rules.body);
    assert.deepEqual(rulesOf(rules.body), ['cruddur-all', 'Default']);
    const targets = await s.answer('SamplingTargets', '/SamplingTargets', Buffer.from(JSON.stringify({ SamplingStatisticsDocuments: [{ ...stats0, RuleName: 'cruddur-all' }] })));
    assert.equal(targets.status, 200, targets.body);
    assert.equal((JSON.parse(targets.body) as { SamplingTargetDocuments: Array<{ RuleName: string; FixedRate: number }> }).SamplingTargetDocuments[0]?.FixedRate, 1);
    const calls = fake.samplingCalls.slice(before);
    assert.deepEqual(
      calls.map((c) => c.operation),
      ['GetSamplingRules', 'SamplingTargets'],
    );
    assert.match(String(calls[0]?.headers['authorization']), new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/\\d{8}/${CREDS.region}/xray/aws4_request, `));
    assert.equal(calls[0]?.headers['user-agent'], 'otlp-relay/test');
    assert.equal(stats.get('otlp_relay_xray_sampling_requests_total', { answer: 'proxied' }), 2);
  });

  test('auto without credentials: the local Default rule; the AWS chain is not asked again for a while', async () => {
    let lookups = 0;
    const { s, stats, logs } = service('auto', {
      credentials: () => {
        lookups++;
        return noCredentials();
      },
    });
    const before = fake.samplingCalls.length;
    const rules = await s.answer('GetSamplingRules', '/GetSamplingRules', Buffer.from('{}'));
    assert.equal(rules.status, 200);
    assert.deepEqual(rulesOf(rules.body), ['Default']);
    const targets = await s.answer('SamplingTargets', '/SamplingTargets', Buffer.from(JSON.stringify({ SamplingStatisticsDocuments: [stats0] })));
    assert.equal((JSON.parse(targets.body) as { SamplingTargetDocuments: Array<{ ReservoirQuota: number }> }).SamplingTargetDocuments[0]?.ReservoirQuota, 1);
    assert.equal(fake.samplingCalls.length, before, 'nothing forwarded');
    assert.equal(lookups, 1, 'one lookup for both calls: a chain with no credentials can be slow to say so');
    assert.equal(stats.get('otlp_relay_xray_sampling_requests_total', { answer: 'local' }), 2);
    assert.equal(logs.lines().filter((l) => /answering X-Ray sampling calls locally/.test(String(l['msg']))).length, 1, 'said once');
  });

  test('local: answered locally even with credentials', async () => {
    const { s, asked } = service('local');
    const rules = await s.answer('GetSamplingRules', '/GetSamplingRules', Buffer.from('{}'));
    assert.deepEqual(rulesOf(rules.body), ['Default']);
    assert.equal(asked(), 0);
  });

  test('local: a SamplingTargets body that is not JSON is a 400', async () => {
    const { s } = service('local');
    const out = await s.answer('SamplingTargets', '/SamplingTargets', Buffer.from('{'));
    assert.equal(out.status, 400);
    assert.match(out.body, /SerializationException/);
  });

  test('proxy without credentials: 502 with the reason, said once', async () => {
    const { s, warnings, stats } = service('proxy', { credentials: noCredentials });
    for (let i = 0; i < 2; i++) {
      const out = await s.answer('GetSamplingRules', '/GetSamplingRules', Buffer.from('{}'));
      assert.equal(out.status, 502);
      assert.match(out.body, /Could not load credentials/);
    }
    assert.equal(warnings().length, 1);
    assert.equal(stats.get('otlp_relay_xray_sampling_requests_total', { answer: 'failed' }), 2);
  });

  test('credentials X-Ray refuses: its answer is passed back and said once, with its words', async () => {
    const { s, warnings } = service('auto', { credentials: () => Promise.resolve({ accessKeyId: CREDS.accessKeyId, secretAccessKey: 'wrong/secret/000000000000000000000000000' }) });
    for (let i = 0; i < 2; i++) {
      const out = await s.answer('GetSamplingRules', '/GetSamplingRules', Buffer.from('{}'));
      assert.equal(out.status, 403);
      assert.match(out.body, /InvalidSignatureException/);
    }
    assert.equal(warnings().length, 1);
    assert.match(warnings()[0]!, /X-Ray refused the GetSamplingRules call the relay forwarded \(HTTP 403\)/);
  });

  test('an X-Ray endpoint nobody answers: 502, not a hang', async () => {
    const { s } = service('proxy', { endpoint: () => 'http://127.0.0.1:1' });
    const out = await s.answer('GetSamplingRules', '/GetSamplingRules', Buffer.from('{}'));
    assert.equal(out.status, 502);
    assert.match(out.body, /ECONNREFUSED/);
  });
});
