/** The PutTraceSegments body is written by JSON.stringify (fastDocumentsBody); the SDK still builds, signs and sends it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetSamplingRulesCommand, PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { fastDocumentsBody } from '../../../src/exporters/xray/client.ts';
import { FakeXray } from '../../support/fake-xray.ts';

const CREDS = { accessKeyId: 'AKIAFAKETESTKEY00001', secretAccessKey: 'fake/test/secret/0000000000000000000000', region: 'eu-west-2' };

function doc(i: number, note: string): string {
  return JSON.stringify({ name: 'backend-flask', metadata: { default: { note } }, id: (0x1000000000000000 + i).toString(16), trace_id: '1-6553f100-0123456789abcdef01234567', start_time: 1700000000.5, end_time: 1700000001 });
}

test('documents go out in a JSON.stringify body that X-Ray parses and whose signature verifies; other operations are untouched', async () => {
  const fake = await new FakeXray(CREDS).start();
  const client = new XRayClient({ region: CREDS.region, endpoint: fake.url, credentials: CREDS, maxAttempts: 1 });
  try {
    const protocol = client.config.protocol as unknown as { serializeRequest: (...a: unknown[]) => Promise<{ body?: unknown }> };
    const before = protocol.serializeRequest;
    fastDocumentsBody(client);
    assert.notEqual(protocol.serializeRequest, before, 'the serializer is wrapped');
    const once = protocol.serializeRequest;
    fastDocumentsBody(client);
    assert.equal(protocol.serializeRequest, once, 'and only once, however often it is asked');
    const bodies: unknown[] = [];
    const wrapped = protocol.serializeRequest;
    protocol.serializeRequest = async (...a: unknown[]) => {
      const r = await wrapped(...a);
      bodies.push(r.body);
      return r;
    };
    // Quotes, backslashes, control characters, non-ASCII and astral characters all survive.
    const docs = [doc(1, 'checkout "v2" \\ api'), doc(2, 'café 𝔘'), doc(3, 'tab\there')];
    const out = await client.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs }));
    assert.deepEqual(out.UnprocessedTraceSegments ?? [], []);
    assert.deepEqual(fake.received[0]?.documents, docs, 'every document arrived exactly');
    assert.equal(bodies[0], JSON.stringify({ TraceSegmentDocuments: docs }), 'the body is ours');
    await client.send(new GetSamplingRulesCommand({}));
    assert.notEqual(bodies[1], JSON.stringify({ TraceSegmentDocuments: docs }));
    assert.equal(fake.samplingCalls.length, 1, 'another operation still goes through the SDK writer and is accepted');
  } finally {
    client.destroy();
    await fake.stop();
  }
});
