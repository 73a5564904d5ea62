/** The PutLogEvents body is written by JSON.stringify (fastLogEventsBody); the SDK still builds, signs and sends it. */
import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand, type PutLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { CloudwatchLogsClient, fastLogEventsBody } from '../../../src/exporters/cloudwatch_logs/client.ts';
import { NameTemplate } from '../../../src/exporters/cloudwatch_logs/names.ts';
import { encodeRequest } from '../../../src/otlp/codec.ts';
import { FakeCloudWatchLogs } from '../../support/fake-cloudwatch-logs.ts';
import { captureLogger } from '../../support/log.ts';
import { capture, text } from '../../support/sdk-capture.ts';

// AWS's documented example keys: never real ones.
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const REGION = 'us-east-1';
const GROUP = '/cruddur/backend';

let fake: FakeCloudWatchLogs;
const clients: CloudWatchLogsClient[] = [];
const sdkClient = () => {
  const c = new CloudWatchLogsClient({ region: REGION, endpoint: fake.url, credentials: CREDS, maxAttempts: 1 });
  clients.push(c);
  return c;
};

before(async () => {
  fake = await new FakeCloudWatchLogs({ credentials: [CREDS], region: REGION }).start();
  fake.seed(GROUP, 'ours', 'sdk', 'other');
});
after(async () => {
  for (const c of clients) c.destroy();
  await fake.stop();
});

/** Messages the JSON writers could disagree on: quotes, backslashes, control, non-ASCII, astral, separator and lone surrogate characters. */
function events(): PutLogEventsCommandInput['logEvents'] {
  const at = Date.now() - 60_000;
  const messages = ['{"body":"checkout \\"v2\\" \\\\ api"}', 'café 𝔘 \u2028\u2029', 'tab\there\nnul\u0000 del\u007f esc\u001b', 'lone \ud800 and \udfff', '</script> & \'quoted\'', 'x'.repeat(5000)];
  return messages.map((message, i) => ({ timestamp: at + i, message }));
}

test('log events go out in a JSON.stringify Buffer that CloudWatch Logs parses and whose signature verifies, byte for byte what the SDK writes', async () => {
  const client = sdkClient();
  const plain = sdkClient();
  const protocol = client.config.protocol as unknown as { serializeRequest: unknown };
  const before = protocol.serializeRequest;
  fastLogEventsBody(client);
  assert.notEqual(protocol.serializeRequest, before, 'the serializer is wrapped');
  const once = protocol.serializeRequest;
  fastLogEventsBody(client);
  assert.equal(protocol.serializeRequest, once, 'and only once, however often it is asked');
  const sent = capture(client);
  const sdkSent = capture(plain);
  for (const sequenceToken of [undefined, '49590302060592406925350960925396453374342578011298530']) {
    sent.length = 0;
    sdkSent.length = 0;
    const input = { logGroupName: GROUP, logStreamName: 'ours', logEvents: events(), ...(sequenceToken === undefined ? {} : { sequenceToken }) };
    const calls = fake.calls.length;
    await client.send(new PutLogEventsCommand(input));
    await plain.send(new PutLogEventsCommand({ ...input, logStreamName: 'sdk' }));
    const [ours, theirs] = [sent[0]!, sdkSent[0]!];
    assert.ok(Buffer.isBuffer(ours.body), 'the body is our Buffer');
    assert.ok(!Buffer.isBuffer(theirs.body), 'the plain client wrote its own');
    assert.equal(text(ours.body), text(theirs.body).replace('"logStreamName":"sdk"', '"logStreamName":"ours"'), 'byte for byte what the SDK writes');
    assert.deepEqual(JSON.parse(text(ours.body)), input, 'field names as in the API');
    assert.equal(ours.headers['content-length'], String((ours.body as Buffer).byteLength), 'content-length counts its bytes');
    assert.equal(ours.headers['x-amz-target'], 'Logs_20140328.PutLogEvents');
    assert.deepEqual(fake.calls.slice(calls).map((c) => c.error), [undefined, undefined], 'both accepted: the signature over the received bytes verified');
    assert.deepEqual(fake.calls[calls]!.input, input, 'every event arrived exactly');
  }
  assert.deepEqual(fake.violations(), []);
});

test('other operations and inputs of another shape keep the SDK writer', async () => {
  const client = sdkClient();
  fastLogEventsBody(client);
  const sent = capture(client);
  await client.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'created' }));
  assert.ok(!Buffer.isBuffer(sent[0]!.body), 'another operation');
  const good = events()!;
  const odd: Array<[string, PutLogEventsCommandInput]> = [
    ['a member JSON.stringify would add', { logGroupName: GROUP, logStreamName: 'other', logEvents: good, entity: { keyAttributes: { Type: 'Service', Name: 'backend', Environment: 'test' } } }],
    ['an event member the SDK leaves out', { logGroupName: GROUP, logStreamName: 'other', logEvents: [{ ...good[0]!, extra: 1 } as never] }],
    ['a timestamp the two write differently', { logGroupName: GROUP, logStreamName: 'other', logEvents: [{ timestamp: Number.NaN, message: 'm' }] }],
  ];
  for (const [why, input] of odd) {
    sent.length = 0;
    await client.send(new PutLogEventsCommand(input)).catch(() => undefined);
    assert.ok(sent[0] !== undefined && !Buffer.isBuffer(sent[0].body), why);
  }
  assert.deepEqual(JSON.parse(text(sent[0]!.body)).logEvents, [{ timestamp: 'NaN', message: 'm' }], 'the SDK writes NaN as a string');
});

test('the exporter sends its batches through the fast body', async () => {
  // The SDK's own serializer sees PutLogEvents with no events only when the wrapper wrote them.
  const proto = Object.getPrototypeOf(sdkClient().config.protocol) as { serializeRequest: (op: unknown, input: unknown, context: unknown) => Promise<unknown> };
  const serialize = mock.method(proto, 'serializeRequest');
  try {
    const template = (text: string, kind: 'group' | 'stream') => {
      const parsed = NameTemplate.parse(text, kind);
      if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
      return parsed.template;
    };
    const exporter = new CloudwatchLogsClient({ name: 'cw', group: template(GROUP, 'group'), stream: template('ours', 'stream'), instance: 'relay-test', raw: true, maxEventBytes: 1_048_576, tags: {}, region: REGION, endpoint: fake.url, credentials: CREDS, userAgent: 'otlp-relay/test', log: captureLogger().log });
    const bytes = encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ scope: { name: 'test' }, logRecords: [{ timeUnixNano: BigInt(Date.now()) * 1_000_000n, body: { stringValue: 'via the exporter' } }] }] }] });
    const before = fake.events(GROUP, 'ours').length;
    assert.deepEqual(await exporter.send('logs', bytes, 1, AbortSignal.timeout(30_000)), { kind: 'success' });
    await exporter.close();
    assert.deepEqual(fake.events(GROUP, 'ours').slice(before).map((e) => e.message), ['via the exporter']);
    const puts = serialize.mock.calls.filter((c) => (c.arguments[0] as { name?: string }).name === 'PutLogEvents');
    assert.deepEqual(puts.map((c) => (c.arguments[1] as { logEvents: unknown[] }).logEvents), [[]]);
  } finally {
    serialize.mock.restore();
  }
});
