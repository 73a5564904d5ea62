/** The PutTraceSegments body is written by JSON.stringify (fastDocumentsBody); the SDK still builds, signs and sends it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetSamplingRulesCommand, PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { fastDocumentsBody } from '../../../src/exporters/xray/client.ts';
import { FakeXray } from '../../support/fake-xray.ts';
import { capture, text } from '../../support/sdk-capture.ts';

const CREDS = { accessKeyId: 'AKIAFAKETESTKEY00001', secretAccessKey: 'fake/test/secret/0000000000000000000000', region: 'eu-west-2' };

function doc(i: number, note: string): string {
  return JSON.stringify({ name: 'backend-flask', metadata: { default: { note } }, id: (0x1000000000000000 + i).toString(16), trace_id: '1-6553f100-0123456789abcdef01234567', start_time: 1700000000.5, end_time: 1700000001 });
}

test('documents go out in a JSON.stringify body that X-Ray parses and whose signature verifies; other operations are untouched', async () => {
  const fake = await new FakeXray(CREDS).start();
  const client = new XRayClient({ region: CREDS.region, endpoint: fake.url, credentials: CREDS, maxAttempts: 1 });
  const plain = new XRayClient({ region: CREDS.region, endpoint: fake.url, credentials: CREDS, maxAttempts: 1 });
  try {
    const protocol = client.config.protocol as unknown as { serializeRequest: (...a: unknown[]) => Promise<{ body?: unknown }> };
    const before = protocol.serializeRequest;
    fastDocumentsBody(client);
    assert.notEqual(protocol.serializeRequest, before, 'the serializer is wrapped');
    const once = protocol.serializeRequest;
    fastDocumentsBody(client);
    assert.equal(protocol.serializeRequest, once, 'and only once, however often it is asked');
    const sent = capture(client);
    const sdkSent = capture(plain);
    // Quotes, backslashes, control characters, non-ASCII, astral and lone surrogate characters all survive.
    const docs = [doc(1, 'checkout "v2" \\ api'), doc(2, 'café 𝔘'), doc(3, 'tab\there\u0000\u2028'), `${doc(4, 'x').slice(0, -1)},"lone":"\ud800"}`];
    const out = await client.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs }));
    assert.deepEqual(out.UnprocessedTraceSegments ?? [], []);
    assert.deepEqual(fake.received[0]?.documents, docs, 'every document arrived exactly, and the signature over the bytes verified');
    const ours = sent[0]!;
    assert.ok(Buffer.isBuffer(ours.body), 'the body is our Buffer');
    assert.equal(text(ours.body), JSON.stringify({ TraceSegmentDocuments: docs }));
    assert.equal(ours.headers['content-length'], String((ours.body as Buffer).byteLength), 'content-length counts its bytes');
    await plain.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs }));
    assert.ok(!Buffer.isBuffer(sdkSent[0]!.body), 'the plain client wrote its own');
    assert.equal(text(ours.body), text(sdkSent[0]!.body), 'byte for byte what the SDK writes');
    assert.deepEqual(fake.received[1]?.documents, docs);
    await client.send(new GetSamplingRulesCommand({}));
    assert.ok(!Buffer.isBuffer(sent[1]!.body), 'another operation goes through the SDK writer');
    assert.equal(fake.samplingCalls.length, 1, 'and is accepted');
    assert.deepEqual(fake.refused, []);
  } finally {
    client.destroy();
    plain.destroy();
    await fake.stop();
  }
});

test('an input of another shape keeps the SDK writer', async () => {
  const fake = await new FakeXray(CREDS).start();
  const client = new XRayClient({ region: CREDS.region, endpoint: fake.url, credentials: CREDS, maxAttempts: 1 });
  try {
    fastDocumentsBody(client);
    const sent = capture(client);
    const docs = [doc(1, 'a')];
    await client.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs, Unknown: 'x' } as never));
    assert.ok(!Buffer.isBuffer(sent[0]!.body), 'an unknown member: the SDK leaves it out, JSON.stringify would not');
    assert.deepEqual(JSON.parse(text(sent[0]!.body)), { TraceSegmentDocuments: docs });
    assert.deepEqual(fake.received[0]?.documents, docs);
  } finally {
    client.destroy();
    await fake.stop();
  }
});
