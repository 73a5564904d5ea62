import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ACCOUNT, FakeAwsCheck } from '../support/fake-aws-check.ts';
import { FakeHoneycomb } from '../support/fake-honeycomb.ts';
import { FakeRollbar } from '../support/fake-rollbar.ts';

const BIN = fileURLToPath(new URL('../../bin/otlp-relay.js', import.meta.url));
const GOOD = 'abcdefghijklmnopqrstuv';
const WRONG = 'abcdefghijklmnopqrstuw'; // one character off
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'eu-west-1' };

/** Runs `otlp-relay check` with only the env given (HOME in a temp dir: no ~/.aws files). */
function check(config: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'otlp-relay-check-'));
  const file = join(dir, 'relay.yaml');
  writeFileSync(file, config);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'check', '--config', file], { env: { PATH: process.env['PATH'] ?? '', HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const honeycombConfig = (url: string) => `exporters:
  honeycomb: { type: honeycomb, api_key: "\${env:HONEYCOMB_API_KEY}", endpoint: "${url}" }
  console: { type: debug }
routes:
  - { signals: [traces], to: [honeycomb, console] }
`;

describe('otlp-relay check: Honeycomb', () => {
  let hc: FakeHoneycomb;
  before(async () => {
    hc = await new FakeHoneycomb([GOOD]).start();
  });
  after(() => hc.stop());

  test('a good key: exit 0, team, environment and key type printed', async () => {
    const r = await check(honeycombConfig(hc.url), { HONEYCOMB_API_KEY: GOOD });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /honeycomb \(honeycomb\): ok: key accepted: team "Cruddur", environment "test", ingest key \(environment\)/);
    assert.match(r.stdout, /console \(debug\): ok/);
    assert.ok(!r.stdout.includes(GOOD), 'the key is never printed');
  });

  test('a wrong key: exit 1 with Honeycomb words and a hint, the key never printed', async () => {
    const r = await check(honeycombConfig(hc.url), { HONEYCOMB_API_KEY: WRONG });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /honeycomb \(honeycomb\): FAILED: Honeycomb refused the API key \(401\)/);
    assert.match(r.stdout, /hint: the key has the shape of an environment key \(22 characters\) but Honeycomb does not know it/);
    assert.match(r.stdout, /1 of 2 destinations failed the check/);
    assert.ok(!(r.stdout + r.stderr).includes(WRONG));
  });

  test('a key whose length fits no Honeycomb key: exit 1 at validation, saying so', async () => {
    const r = await check(honeycombConfig(hc.url), { HONEYCOMB_API_KEY: 'abcdefghijklmnopqrstu' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /api_key: has 21 characters; Honeycomb keys have 22, 32 or 64/);
  });

  test('an endpoint with /v1/traces: exit 1 at validation, saying the relay appends the path', async () => {
    const r = await check(honeycombConfig(`${hc.url}/v1/traces`), { HONEYCOMB_API_KEY: GOOD });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /endpoint: has path "\/v1\/traces".*appends \/v1\/traces/);
  });
});

describe('otlp-relay check: AWS (X-Ray, CloudWatch Logs) against a local AWS', () => {
  let aws: FakeAwsCheck;
  before(async () => {
    aws = await new FakeAwsCheck(CREDS).start();
  });
  after(() => aws.stop());
  const env = () => ({ AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_REGION: CREDS.region });
  const config = (extra = '') => `exporters:
  xray: { type: xray, endpoint: "${aws.url}" ${extra} }
  cloudwatch: { type: cloudwatch_logs, endpoint: "${aws.url}", log_group: "/cruddur/{service.name}", log_stream: "{host.name}" }
routes:
  - { signals: [traces], to: [xray] }
  - { signals: [logs], to: [cloudwatch] }
`;

  test('good credentials: exit 0; region, account and the log groups printed; no telemetry API called', async () => {
    const r = await check(config(), env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`xray \\(xray\\): ok: GetSamplingRules answered: region ${CREDS.region}, account ${ACCOUNT}`));
    assert.match(r.stdout, new RegExp(`cloudwatch \\(cloudwatch_logs\\): ok: DescribeLogGroups answered: region ${CREDS.region}, account ${ACCOUNT}; log groups starting with "/cruddur/": /cruddur/backend-flask, /cruddur/frontend-react-js`));
    assert.match(r.stdout, /access key: AKIA…MPLE/);
    assert.deepEqual(aws.calls.sort(), ['logs:DescribeLogGroups', 'xray:GetSamplingRules']);
    assert.ok(!r.stdout.includes(CREDS.secretAccessKey));
  });

  test('AWS_ENDPOINT_URL_XRAY is honoured like the exporter honours it', async () => {
    const r = await check(`exporters:\n  xray: { type: xray }\nroutes:\n  - { signals: [traces], to: [xray] }\n`, { ...env(), AWS_ENDPOINT_URL_XRAY: aws.url });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`endpoint: ${aws.url}`));
  });

  test('a missing permission: exit 1 naming the action, the account and what the exporter needs', async () => {
    aws.denied.add('xray:GetSamplingRules');
    try {
      const r = await check(config(), env());
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, new RegExp(`xray \\(xray\\): FAILED: X-Ray check failed: the credentials may not call xray:GetSamplingRules \\(account ${ACCOUNT}\\)`));
      assert.match(r.stdout, /hint: grant xray:GetSamplingRules to check, and xray:PutTraceSegments for the exporter/);
      assert.match(r.stdout, /cloudwatch \(cloudwatch_logs\): ok/);
    } finally {
      aws.denied.clear();
    }
  });

  test('a wrong secret key: exit 1 with the signature hint, the secret never printed', async () => {
    const r = await check(config(), { ...env(), AWS_SECRET_ACCESS_KEY: 'not-the-secret-at-all-0000000000000000000' });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /InvalidSignatureException/);
    assert.match(r.stdout, /hint: the secret access key does not match the access key id/);
    assert.ok(!r.stdout.includes('not-the-secret-at-all'));
  });

  test('no credentials at all: exit 1 saying which variables to set', async () => {
    const r = await check(config(), { AWS_REGION: CREDS.region });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /xray \(xray\): FAILED: X-Ray check failed: no AWS credentials found/);
    assert.match(r.stdout, /hint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  test('an endpoint with /v1/traces in it: exit 1, the hint names the doubled path', async () => {
    const r = await check(`exporters:\n  xray: { type: xray, endpoint: "${aws.url}/v1/traces" }\nroutes:\n  - { signals: [traces], to: [xray] }\n`, env());
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /hint: the endpoint ends in \/v1\/traces/);
  });
});

test('otlp-relay check: a Rollbar token is checked against the configured endpoint, creating no item', async () => {
  const token = '0123456789abcdef0123456789abcdef';
  const rb = await new FakeRollbar({ [token]: ['post_server_item'] }).start();
  try {
    const yaml = (t: string) => `exporters:\n  rollbar: { type: rollbar, access_token: "${t}", endpoint: "${rb.url}", environment: test }\n  console: { type: debug }\nroutes:\n  - { signals: [traces], to: [rollbar, console] }\n`;
    const ok = await check(yaml(token));
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /rollbar \(rollbar\): ok: token accepted/);
    const bad = await check(yaml('fedcba9876543210fedcba9876543210'));
    assert.equal(bad.code, 1);
    assert.ok(!bad.stdout.includes('fedcba9876543210'), 'the token is never printed');
    assert.equal(rb.items.length, 0);
  } finally {
    await rb.stop();
  }
});
