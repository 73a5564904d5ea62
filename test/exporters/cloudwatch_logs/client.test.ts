import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CloudwatchLogsClient, type CloudwatchLogsClientOptions } from '../../../src/exporters/cloudwatch_logs/client.ts';
import { TRUNCATION_MARKER, utf8Bytes } from '../../../src/exporters/cloudwatch_logs/batcher.ts';
import { NameTemplate } from '../../../src/exporters/cloudwatch_logs/names.ts';
import { encodeRequest } from '../../../src/otlp/codec.ts';
import { Stats } from '../../../src/telemetry/stats.ts';
import { FakeCloudWatchLogs } from '../../support/fake-cloudwatch-logs.ts';
import { invalidUtf8 } from '../../support/corrupt.ts';
import { captureLogger } from '../../support/log.ts';

// AWS's documented example keys: never real ones.
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const REGION = 'us-east-1';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function template(text: string, kind: 'group' | 'stream'): NameTemplate {
  const parsed = NameTemplate.parse(text, kind);
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return parsed.template;
}

interface Resource {
  service: string;
  host: string;
  /** Timestamps in ms and bodies. */
  records: Array<{ at: number; body: string }>;
}

function logs(resources: Resource[]): Uint8Array {
  return encodeRequest('logs', {
    resourceLogs: resources.map((r) => ({
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: r.service } },
          { key: 'host.name', value: { stringValue: r.host } },
        ],
      },
      scopeLogs: [{ scope: { name: 'test' }, logRecords: r.records.map((x) => ({ timeUnixNano: BigInt(x.at) * 1_000_000n, severityNumber: 9, body: { stringValue: x.body } })) }],
    })),
  });
}

const count = (resources: Resource[]) => resources.reduce((n, r) => n + r.records.length, 0);

describe('CloudwatchLogsClient against a local CloudWatch Logs API', () => {
  let fake: FakeCloudWatchLogs;
  let stats: Stats;
  let logger: ReturnType<typeof captureLogger>;
  const clients: CloudwatchLogsClient[] = [];

  function client(overrides: Partial<CloudwatchLogsClientOptions> = {}): CloudwatchLogsClient {
    const c = new CloudwatchLogsClient({
      name: 'cw',
      group: template('/cruddur/{service.name}', 'group'),
      stream: template('{host.name}', 'stream'),
      instance: 'relay-test',
      raw: false,
      maxEventBytes: 1_048_576,
      tags: {},
      region: REGION,
      endpoint: fake.url,
      credentials: CREDS,
      userAgent: 'otlp-relay/test',
      log: logger.log,
      stats,
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  const send = (c: CloudwatchLogsClient, bytes: Uint8Array, items: number, abort = AbortSignal.timeout(30_000)) => c.send('logs', bytes, items, abort);

  before(async () => {
    fake = await new FakeCloudWatchLogs({ credentials: [CREDS], region: REGION }).start();
  });
  afterEach(async () => {
    assert.deepEqual(fake.violations(), [], 'no call broke a CloudWatch Logs rule');
    for (const c of clients.splice(0)) await c.close();
    fake.groups.clear();
    fake.calls.length = 0;
    fake.refused.length = 0;
    fake.script.length = 0;
    fake.authorizations.length = 0;
  });
  after(async () => {
    await fake.stop();
  });

  // Fresh counters and log lines per test.
  function reset(): void {
    stats = new Stats();
    logger = captureLogger('debug');
  }

  describe('undecodable records', () => {
    it('a request in the batch that cannot be decoded (invalid UTF-8) is dropped and counted; the rest of the batch lands', async () => {
      reset();
      const c = client();
      const now = Date.now();
      const good = [{ service: 'api', host: 'web-1', records: [{ at: now, body: 'one' }, { at: now, body: 'two' }] }];
      const bad = invalidUtf8(logs([{ service: 'api', host: 'web-1', records: [{ at: now, body: 'zzzz' }, { at: now, body: 'x' }, { at: now, body: 'y' }] }]), 'zzzz');
      const o = await send(c, Buffer.concat([logs(good), bad]), 5);
      assert.equal(o.kind, 'success');
      assert.equal(o.kind === 'success' ? o.rejected : undefined, 3);
      assert.match(o.kind === 'success' ? (o.reason ?? '') : '', /could not be decoded.*UTF-8/);
      assert.deepEqual(fake.events('/cruddur/api', 'web-1').map((e) => (JSON.parse(e.message) as { body: string }).body), ['one', 'two']);
      assert.equal(stats.get('otlp_relay_cloudwatch_logs_filtered_events_total', { reason: 'undecodable' }), 3);
    });
  });

  describe('groups and streams', () => {
    it('creates a missing group (tags, retention) and stream on first use, then only puts', async () => {
      reset();
      const c = client({ tags: { team: 'cruddur' }, retentionDays: 7 });
      const now = Date.now();
      const first = [{ service: 'api', host: 'web-1', records: [{ at: now, body: 'one' }] }];
      assert.deepEqual(await send(c, logs(first), 1), { kind: 'success' });
      assert.deepEqual(
        fake.calls.map((x) => `${x.action}${x.error ? ` → ${x.error}` : ''}`),
        ['PutLogEvents → ResourceNotFoundException', 'CreateLogStream → ResourceNotFoundException', 'CreateLogGroup', 'PutRetentionPolicy', 'CreateLogStream', 'PutLogEvents'],
      );
      const group = fake.groups.get('/cruddur/api');
      assert.deepEqual(group?.tags, { team: 'cruddur' });
      assert.equal(group?.retentionDays, 7);
      assert.ok(c.readyStreams.has('/cruddur/api\nweb-1'));
      fake.calls.length = 0;
      assert.deepEqual(await send(c, logs([{ service: 'api', host: 'web-1', records: [{ at: now, body: 'two' }] }]), 1), { kind: 'success' });
      assert.deepEqual(fake.calls.map((x) => x.action), ['PutLogEvents'], 'what exists is not created again');
      assert.deepEqual(fake.events('/cruddur/api', 'web-1').map((e) => (JSON.parse(e.message) as { body: string }).body), ['one', 'two']);
    });

    it('creates only the stream in an existing group, and leaves that group alone', async () => {
      reset();
      fake.seed('/cruddur/api');
      const c = client({ retentionDays: 7, tags: { team: 'x' } });
      assert.equal((await send(c, logs([{ service: 'api', host: 'web-2', records: [{ at: Date.now(), body: 'x' }] }]), 1)).kind, 'success');
      assert.equal(fake.calls.filter((x) => x.action === 'CreateLogGroup' || x.action === 'PutRetentionPolicy').length, 0);
      assert.equal(fake.events('/cruddur/api', 'web-2').length, 1);
    });

    it('takes ResourceAlreadyExistsException as success (another relay created the stream first)', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1');
      fake.script.push({ action: 'PutLogEvents', status: 400, type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
      const c = client();
      assert.deepEqual(await send(c, logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'x' }] }]), 1), { kind: 'success' });
      assert.ok(fake.refused.some((r) => r.action === 'CreateLogStream' && r.type === 'ResourceAlreadyExistsException'));
      assert.equal(fake.events('/cruddur/api', 'web-1').length, 1);
    });

    it('never marks a stream ready when its creation failed, and creates it on the retry', async () => {
      reset();
      fake.seed('/cruddur/api');
      fake.script.push({ action: 'CreateLogStream', status: 503, type: 'ServiceUnavailableException', message: 'try later' });
      const c = client();
      const bytes = logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'x' }] }]);
      const failed = await send(c, bytes, 1);
      assert.equal(failed.kind, 'retryable');
      assert.match(failed.kind === 'retryable' ? failed.reason : '', /could not create log stream web-1 in \/cruddur\/api \(ServiceUnavailableException: try later\)/);
      assert.equal(c.readyStreams.has('/cruddur/api\nweb-1'), false);
      assert.deepEqual(await send(c, bytes, 1), { kind: 'success' });
      assert.equal(fake.succeeded('CreateLogStream').length, 1);
      assert.equal(fake.events('/cruddur/api', 'web-1').length, 1);
    });

    it('creates a stream again when it was deleted after use', async () => {
      reset();
      const c = client();
      const at = Date.now();
      assert.equal((await send(c, logs([{ service: 'api', host: 'web-1', records: [{ at, body: 'a' }] }]), 1)).kind, 'success');
      fake.deleteStream('/cruddur/api', 'web-1');
      assert.equal((await send(c, logs([{ service: 'api', host: 'web-1', records: [{ at, body: 'b' }] }]), 1)).kind, 'success');
      assert.equal(fake.succeeded('CreateLogStream').length, 2);
      assert.equal(fake.events('/cruddur/api', 'web-1').length, 1, 'the new stream holds the new event');
    });

    it('creates a new stream once when concurrent sends need it', async () => {
      reset();
      const c = client();
      const at = Date.now();
      const outcomes = await Promise.all(['a', 'b', 'c'].map((body) => send(c, logs([{ service: 'api', host: 'web-1', records: [{ at, body }] }]), 1)));
      assert.deepEqual(outcomes.map((o) => o.kind), ['success', 'success', 'success']);
      assert.equal(fake.calls.filter((x) => x.action === 'CreateLogGroup').length, 1);
      assert.equal(fake.calls.filter((x) => x.action === 'CreateLogStream' && x.error === undefined).length, 1);
      assert.equal(fake.events('/cruddur/api', 'web-1').length, 3);
    });

    it('makes names from odd attribute values valid', async () => {
      reset();
      const c = client();
      const outcome = await send(c, logs([{ service: 'unknown_service:node', host: 'pod:1*a', records: [{ at: Date.now(), body: 'x' }] }]), 1);
      assert.deepEqual(outcome, { kind: 'success' });
      assert.equal(fake.events('/cruddur/unknown_service_node', 'pod_1_a').length, 1);
    });
  });

  describe('retries never re-send what landed', () => {
    it('after throttling, the retry sends only the batches that did not land', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1', 'web-2', 'web-3');
      fake.script.push({ action: 'PutLogEvents', stream: 'web-2', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
      const c = client();
      const at = Date.now();
      const resources = ['web-1', 'web-2', 'web-3'].map((host) => ({ service: 'api', host, records: [{ at, body: host }] }));
      const bytes = logs(resources);
      const first = await send(c, bytes, 3);
      assert.equal(first.kind, 'retryable');
      assert.match(first.kind === 'retryable' ? first.reason : '', /throttled put log events in \/cruddur\/api \/ web-2 \(ThrottlingException: Rate exceeded\)/);
      assert.deepEqual(['web-1', 'web-2', 'web-3'].map((s) => fake.events('/cruddur/api', s).length), [1, 0, 0], 'it stops at throttling');
      assert.deepEqual(await send(c, bytes, 3), { kind: 'success' });
      assert.deepEqual(['web-1', 'web-2', 'web-3'].map((s) => fake.events('/cruddur/api', s).length), [1, 1, 1], 'each event exactly once');
      assert.equal(fake.succeeded('PutLogEvents').filter((x) => x.input['logStreamName'] === 'web-1').length, 1);
    });

    it('retries 5xx with the same guarantee', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1', 'web-2');
      fake.script.push({ action: 'PutLogEvents', stream: 'web-2', status: 500, type: 'InternalFailure', message: 'boom' });
      const c = client();
      const bytes = logs(['web-1', 'web-2'].map((host) => ({ service: 'api', host, records: [{ at: Date.now(), body: host }] })));
      assert.equal((await send(c, bytes, 2)).kind, 'retryable');
      assert.deepEqual(await send(c, bytes, 2), { kind: 'success' });
      assert.deepEqual(['web-1', 'web-2'].map((s) => fake.events('/cruddur/api', s).length), [1, 1]);
    });

    it('after an attempt cut off by the deadline, the retry completes without duplicates', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1');
      const c = client();
      const bytes = logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'x' }] }]);
      await assert.rejects(send(c, bytes, 1, AbortSignal.abort()));
      assert.deepEqual(await send(c, bytes, 1), { kind: 'success' });
      assert.equal(fake.events('/cruddur/api', 'web-1').length, 1);
    });

    it('sends a second copy of the same records (new bytes) again: progress belongs to one delivery', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1');
      const c = client();
      const resources = [{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'x' }] }];
      await send(c, logs(resources), 1);
      await send(c, logs(resources), 1);
      assert.equal(fake.events('/cruddur/api', 'web-1').length, 2);
    });
  });

  describe('refusals', () => {
    it('InvalidParameterException is permanent with its message; the other batches still land', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1', 'web-2');
      fake.script.push({ action: 'PutLogEvents', stream: 'web-2', status: 400, type: 'InvalidParameterException', message: 'Log event too large' });
      const c = client();
      const at = Date.now();
      const bytes = logs([
        { service: 'api', host: 'web-1', records: [{ at, body: 'a' }] },
        { service: 'api', host: 'web-2', records: [{ at, body: 'b' }, { at, body: 'c' }] },
      ]);
      const outcome = await send(c, bytes, 3);
      assert.equal(outcome.kind, 'success');
      assert.equal(outcome.kind === 'success' && outcome.rejected, 2);
      assert.match(outcome.kind === 'success' ? (outcome.reason ?? '') : '', /refused to put log events in \/cruddur\/api \/ web-2: InvalidParameterException: Log event too large/);
      assert.equal(stats.get('otlp_relay_cloudwatch_logs_rejected_events_total', { reason: 'refused' }), 2);
    });

    it('is permanent as a whole when nothing landed', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1');
      fake.script.push({ action: 'PutLogEvents', status: 400, type: 'InvalidParameterException', message: 'bad' });
      const outcome = await send(client(), logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'a' }] }]), 1);
      assert.equal(outcome.kind, 'permanent');
      assert.equal(outcome.kind === 'permanent' && outcome.rejected, 1);
    });

    it('counts rejectedLogEventsInfo as rejected and never retries it', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1');
      // The relay's clock runs a day behind the service's: it thinks the old event is 13.5 days old, the service 14.5.
      const behind = client({ now: () => Date.now() - DAY });
      const real = Date.now();
      const old = logs([{ service: 'api', host: 'web-1', records: [{ at: real - 14 * DAY - 12 * HOUR, body: 'old' }, { at: real - 14 * DAY + 11 * HOUR, body: 'kept' }] }]);
      const outcome = await send(behind, old, 2);
      assert.equal(outcome.kind, 'success');
      assert.equal(outcome.kind === 'success' && outcome.rejected, 1);
      assert.match(outcome.kind === 'success' ? (outcome.reason ?? '') : '', /rejectedLogEventsInfo; not retried/);
      // One day ahead: an event 3 hours in the future looks 21 hours old to the relay.
      const ahead = client({ now: () => Date.now() + DAY });
      const future = await send(ahead, logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'now' }, { at: Date.now() + 3 * HOUR, body: 'future' }] }]), 2);
      assert.equal(future.kind === 'success' && future.rejected, 1);
      assert.deepEqual(fake.events('/cruddur/api', 'web-1').map((e) => (JSON.parse(e.message) as { body: string }).body), ['kept', 'now']);
      assert.equal(fake.calls.filter((x) => x.action === 'PutLogEvents').length, 2, 'one call each, nothing retried');
      assert.equal(stats.get('otlp_relay_cloudwatch_logs_rejected_events_total', { reason: 'too_old' }), 1);
      assert.equal(stats.get('otlp_relay_cloudwatch_logs_rejected_events_total', { reason: 'too_new' }), 1);
    });

    it('filters events outside the accepted window before sending, and counts them', async () => {
      reset();
      fake.seed('/cruddur/api', 'web-1');
      const now = Date.now();
      const resources = [{ service: 'api', host: 'web-1', records: [{ at: now - 15 * DAY, body: 'old' }, { at: now, body: 'ok' }, { at: now + 3 * HOUR, body: 'new' }] }];
      const outcome = await send(client(), logs(resources), 3);
      assert.equal(outcome.kind === 'success' && outcome.rejected, 2);
      assert.deepEqual(fake.succeeded('PutLogEvents').map((x) => (x.input['logEvents'] as unknown[]).length), [1], 'only the valid event is sent');
      assert.equal(stats.get('otlp_relay_cloudwatch_logs_filtered_events_total', { reason: 'too_old' }), 1);
      assert.equal(stats.get('otlp_relay_cloudwatch_logs_filtered_events_total', { reason: 'too_new' }), 1);
    });

    it('refuses bad credentials for good, and never says the keys', async () => {
      reset();
      const wrong = { accessKeyId: CREDS.accessKeyId, secretAccessKey: 'not-the-secret-at-all-0000000000000000000' };
      const c = client({ credentials: wrong });
      const three = ['web-1', 'web-2', 'web-3'].map((host) => ({ service: 'api', host, records: [{ at: Date.now(), body: 'x' }] }));
      const outcome = await send(c, logs(three), 3);
      assert.equal(outcome.kind, 'permanent');
      assert.equal(outcome.rejected, 3);
      assert.match(outcome.reason, /InvalidSignatureException/);
      assert.equal(fake.refused.at(-1)?.type, 'InvalidSignatureException', 'the fake recomputed the signature');
      assert.equal(fake.calls.length, 1, 'the other batches are refused without calling: they would fail the same way');
      const unknown = client({ credentials: { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: CREDS.secretAccessKey } });
      const o2 = await send(unknown, logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'x' }] }]), 1);
      assert.match(o2.reason ?? '', /UnrecognizedClientException/);
      for (const text of [outcome.reason, o2.reason ?? '', logger.text()]) {
        for (const secret of [CREDS.accessKeyId, CREDS.secretAccessKey, wrong.secretAccessKey, 'AKIAI44QH8DHBEXAMPLE']) assert.ok(!text.includes(secret), 'no key in messages or logs');
      }
      fake.refused.length = 0; // these refusals were the point
    });

    it('signs every request with SigV4 for service logs in the configured region', async () => {
      reset();
      await send(client(), logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'x' }] }]), 1);
      assert.ok(fake.authorizations.length > 0);
      for (const a of fake.authorizations) {
        assert.match(a, /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/logs\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
      }
    });
  });

  describe('PutLogEvents rules on big and awkward input', () => {
    it('splits 10,001 events, several hundred KB events, multibyte text and a 25-hour spread into legal calls, losing nothing', async () => {
      reset();
      const now = Date.now();
      const records: Array<{ at: number; body: string }> = [];
      for (let i = 0; i < 10_001; i++) records.push({ at: now - ((i * 7919) % 25) * HOUR - i, body: `event ${i} ünïcødé €` }); // unsorted, 25 hours
      for (let i = 0; i < 6; i++) records.push({ at: now - i * MINUTE, body: '界'.repeat(100_000) }); // 300 KB each
      const resources = [{ service: 'api', host: 'web-1', records }];
      const outcome = await send(client(), logs(resources), count(resources));
      assert.deepEqual(outcome, { kind: 'success' });
      const stored = fake.events('/cruddur/api', 'web-1');
      assert.equal(stored.length, records.length, 'every event stored once');
      assert.ok(fake.succeeded('PutLogEvents').length >= 4, 'split by count, bytes and time span');
    });

    it('cuts an oversized event on a UTF-8 boundary and still sends valid JSON', async () => {
      reset();
      const body = `${'a'.repeat(5)}${'😀'.repeat(300_000)}`; // 1.2 MB
      const outcome = await send(client(), logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body }] }]), 1);
      assert.deepEqual(outcome, { kind: 'success' });
      const [stored] = fake.events('/cruddur/api', 'web-1');
      assert.ok(stored);
      assert.ok(utf8Bytes(stored.message) + 26 <= 1_048_576);
      const doc = JSON.parse(stored.message) as { body: string };
      assert.ok(doc.body.endsWith(TRUNCATION_MARKER));
      assert.ok(doc.body.slice(0, -TRUNCATION_MARKER.length).isWellFormed());
      assert.equal(stats.get('otlp_relay_cloudwatch_logs_truncated_events_total'), 1);
      assert.match(logger.text(), /larger than max_event_bytes/);
    });

    it('sends raw bodies with raw: true', async () => {
      reset();
      await send(client({ raw: true }), logs([{ service: 'api', host: 'web-1', records: [{ at: Date.now(), body: 'GET / 200' }] }]), 1);
      assert.deepEqual(fake.events('/cruddur/api', 'web-1').map((e) => e.message), ['GET / 200']);
    });
  });

  describe('endpoint resolution', () => {
    it('honours AWS_ENDPOINT_URL_CLOUDWATCH_LOGS when no endpoint is configured', async () => {
      reset();
      const saved = process.env['AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'];
      process.env['AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'] = fake.url;
      try {
        const c = new CloudwatchLogsClient({
          name: 'cw',
          group: template('/env/{service.name}', 'group'),
          stream: template('s', 'stream'),
          instance: 'i',
          raw: false,
          maxEventBytes: 1_048_576,
          tags: {},
          region: REGION,
          credentials: CREDS,
          userAgent: 'otlp-relay/test',
          log: logger.log,
        });
        clients.push(c);
        assert.deepEqual(await send(c, logs([{ service: 'api', host: 'h', records: [{ at: Date.now(), body: 'x' }] }]), 1), { kind: 'success' });
        assert.equal(fake.events('/env/api', 's').length, 1);
      } finally {
        if (saved === undefined) delete process.env['AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'];
        else process.env['AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'] = saved;
      }
    });
  });
});
