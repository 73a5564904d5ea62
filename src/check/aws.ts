/**
 * Checks AWS credentials and permissions with read-only calls that send no telemetry: X-Ray
 * GetSamplingRules, CloudWatch Logs DescribeLogGroups. Clients are built as the exporters build
 * theirs (region, `endpoint`, the standard credential chain, AWS_ENDPOINT_URL_* honoured by the SDK).
 */
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetSamplingRulesCommand, XRayClient } from '@aws-sdk/client-xray';
import type { ExporterConfig } from '../config/types.ts';
import { registerSecrets } from '../log.ts';
import { VERSION } from '../version.ts';
import { doubledPathHint, networkHint, type CheckResult } from './result.ts';

type XrayExporter = Extract<ExporterConfig, { type: 'xray' }>;
type CloudwatchExporter = Extract<ExporterConfig, { type: 'cloudwatch_logs' }>;

interface AwsError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The 12-digit account in the first ARN found in a text. */
export function accountOf(text: string | undefined): string | undefined {
  return /arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(text ?? '')?.[1];
}

/** The access key id with its middle hidden: enough to tell keys apart, never the secret. */
function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

/** Where the SDK will send, as the user configured it (the SDK resolves the same way). */
function endpointOf(configured: string | undefined, service: 'XRAY' | 'CLOUDWATCH_LOGS', env: NodeJS.ProcessEnv): string | undefined {
  return configured ?? env[`AWS_ENDPOINT_URL_${service}`] ?? env['AWS_ENDPOINT_URL'];
}

/** An AWS failure in one line, and the likely cause. */
export function explainAwsError(err: unknown, action: string, needs: string, endpoint: string | undefined): { text: string; hint: string } {
  const e = err as AwsError;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(err);
  const status = e.$metadata?.httpStatusCode;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { text: `no AWS credentials found: ${message}`, hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE, or run with an instance or task role' };
  }
  if (/Region is missing/i.test(message)) return { text: 'no AWS region', hint: 'set region: in the exporter, or AWS_REGION' };
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || status === 403) {
    if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId') {
      return { text: `${name}: ${message}`, hint: 'AWS does not know this access key id: a typo, a deleted key, or a session token missing for temporary credentials' };
    }
    if (name === 'InvalidSignatureException' || name === 'SignatureDoesNotMatch') {
      return { text: `${name}: ${message}`, hint: 'the secret access key does not match the access key id (a typo or a stale secret), or the clock is far off' };
    }
    if (name === 'ExpiredTokenException' || name === 'ExpiredToken') return { text: `${name}: ${message}`, hint: 'the session credentials have expired: refresh them (e.g. aws sso login) and restart the relay' };
    const account = accountOf(message);
    return {
      text: `the credentials may not call ${action}${account ? ` (account ${account})` : ''}: ${message}`,
      hint: `grant ${action} to check, and ${needs} for the exporter itself (an IAM policy on the user or role)`,
    };
  }
  if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId') {
    return { text: `${name}: ${message}`, hint: 'AWS does not know this access key id: a typo, a deleted key, or a session token missing for temporary credentials' };
  }
  if (name === 'ExpiredTokenException' || name === 'ExpiredToken') return { text: `${name}: ${message}`, hint: 'the session credentials have expired: refresh them (e.g. aws sso login) and restart the relay' };
  const net = networkHint(err, endpoint ?? '');
  const doubled = doubledPathHint(endpoint);
  if (net) return doubled ? { text: net.text, hint: `${net.hint}; also, ${doubled}` } : net;
  if (status === 404 || name === 'UnknownOperationException') {
    return { text: `${name}: ${message} (HTTP ${status ?? '?'})`, hint: doubled ?? `the endpoint (${endpoint ?? 'regional default'}) does not serve this AWS API` };
  }
  return { text: `${name}: ${message}${status ? ` (HTTP ${status})` : ''}`, hint: doubled ?? `unexpected answer from ${endpoint ?? 'AWS'}` };
}

/** Region and (masked) access key the SDK resolved, or the failure that stopped it. */
async function identity(config: { region: () => Promise<string>; credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> }): Promise<{ region: string; keyId: string }> {
  const region = await config.region();
  const creds = await config.credentials();
  // The chain may have read secrets from files or a role: keep them out of anything printed.
  registerSecrets([creds.secretAccessKey, creds.sessionToken].filter((v): v is string => typeof v === 'string'));
  return { region, keyId: maskKeyId(creds.accessKeyId) };
}

export async function checkXray(ex: XrayExporter, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  const base = { exporter: ex.name, type: ex.type };
  const endpoint = endpointOf(ex.endpoint, 'XRAY', env);
  const client = new XRayClient({
    ...(ex.region === undefined ? {} : { region: ex.region }),
    ...(ex.endpoint === undefined ? {} : { endpoint: ex.endpoint }),
    maxAttempts: 1,
    customUserAgent: `otlp-relay/${VERSION} (check)`,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: ex.timeoutMs },
  });
  try {
    const who = await identity(client.config);
    const out = await client.send(new GetSamplingRulesCommand({}), { abortSignal: AbortSignal.timeout(ex.timeoutMs) });
    const rules = out.SamplingRuleRecords ?? [];
    const account = accountOf(rules.map((r) => r.SamplingRule?.RuleARN ?? '').join(' '));
    const details = [`region: ${who.region}`, `account: ${account ?? 'not shown (no rule ARN in the answer)'}`, `access key: ${who.keyId}`, `endpoint: ${endpoint ?? 'regional default'}`, `sampling rules: ${rules.length}`];
    return {
      ...base,
      outcome: 'ok',
      summary: `GetSamplingRules answered: region ${who.region}${account ? `, account ${account}` : ''} (the exporter also needs xray:PutTraceSegments, which cannot be checked without sending)`,
      details,
    };
  } catch (err) {
    const why = explainAwsError(err, 'xray:GetSamplingRules', 'xray:PutTraceSegments', endpoint);
    return { ...base, outcome: 'failed', summary: `X-Ray check failed: ${why.text}`, details: [`endpoint: ${endpoint ?? 'regional default'}`], hint: why.hint };
  } finally {
    client.destroy();
  }
}

/** The fixed start of a `{resource.attribute}` template: what DescribeLogGroups can search by. */
export function staticPrefix(template: string | undefined): string | undefined {
  if (!template) return undefined;
  const prefix = template.split('{')[0] ?? '';
  return /^[.\-_/#A-Za-z0-9]+$/.test(prefix) ? prefix : undefined;
}

export async function checkCloudwatchLogs(ex: CloudwatchExporter, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  const base = { exporter: ex.name, type: ex.type };
  const endpoint = endpointOf(ex.endpoint, 'CLOUDWATCH_LOGS', env);
  const client = new CloudWatchLogsClient({
    ...(ex.region === undefined ? {} : { region: ex.region }),
    ...(ex.endpoint === undefined ? {} : { endpoint: ex.endpoint }),
    maxAttempts: 1,
    customUserAgent: `otlp-relay/${VERSION} (check)`,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: ex.timeoutMs },
  });
  try {
    const who = await identity(client.config);
    const prefix = staticPrefix(ex.logGroup);
    const out = await client.send(new DescribeLogGroupsCommand({ ...(prefix ? { logGroupNamePrefix: prefix } : {}), limit: 5 }), { abortSignal: AbortSignal.timeout(ex.timeoutMs) });
    const groups = out.logGroups ?? [];
    const account = accountOf(groups.map((g) => g.arn ?? '').join(' '));
    const templated = ex.logGroup?.includes('{') === true;
    const found = groups.map((g) => g.logGroupName).filter((n): n is string => typeof n === 'string');
    const groupLine = !ex.logGroup
      ? `log groups visible: ${found.length}`
      : templated
        ? `log groups starting with "${prefix ?? ''}": ${found.length ? found.join(', ') : 'none yet'}`
        : `log group ${ex.logGroup}: ${found.includes(ex.logGroup) ? 'exists' : 'does not exist yet'}`;
    const details = [`region: ${who.region}`, `account: ${account ?? 'not shown (no log group ARN in the answer)'}`, `access key: ${who.keyId}`, `endpoint: ${endpoint ?? 'regional default'}`, groupLine];
    return {
      ...base,
      outcome: 'ok',
      summary: `DescribeLogGroups answered: region ${who.region}${account ? `, account ${account}` : ''}; ${groupLine} (the exporter also needs logs:PutLogEvents and logs:CreateLogStream, which cannot be checked without writing)`,
      details,
    };
  } catch (err) {
    const why = explainAwsError(err, 'logs:DescribeLogGroups', 'logs:PutLogEvents, logs:CreateLogStream (and logs:CreateLogGroup to create groups)', endpoint);
    return { ...base, outcome: 'failed', summary: `CloudWatch Logs check failed: ${why.text}`, details: [`endpoint: ${endpoint ?? 'regional default'}`], hint: why.hint };
  } finally {
    client.destroy();
  }
}
