/**
 * The X-Ray daemon's TCP side: the SDKs' centralized-sampling calls, `POST /GetSamplingRules` and
 * `POST /SamplingTargets`. With AWS credentials they are forwarded to X-Ray, signed with SigV4 (what
 * the daemon does); without (local mode) they are answered with X-Ray's default rule, one trace per
 * second and 5 % of the rest, so SDKs keep sampling the way X-Ray would offline.
 * API: https://docs.aws.amazon.com/xray/latest/api/API_GetSamplingRules.html, API_GetSamplingTargets.html
 */
import type http from 'node:http';
import type { XRayClient } from '@aws-sdk/client-xray';
import { OnceLogger, registerSecrets, type Logger } from '../../log.ts';
import type { Stats } from '../../telemetry/stats.ts';
import { describeError } from '../../pipeline/exporter-runner.ts';

export type SamplingMode = 'auto' | 'proxy' | 'local';

export type SamplingOperation = 'GetSamplingRules' | 'SamplingTargets';

/** The SDKs' paths (aws-xray-sdk-core service_connector.js; the Go, Java, Python and .NET SDKs use the same). */
export const SAMPLING_PATHS: Readonly<Record<string, SamplingOperation>> = { '/GetSamplingRules': 'GetSamplingRules', '/SamplingTargets': 'SamplingTargets' };

/** X-Ray's default rule: "the first request each second, and five percent of any additional requests" (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html). */
export const DEFAULT_RULE = { RuleName: 'Default', ReservoirSize: 1, FixedRate: 0.05, Priority: 10000 } as const;

/** SDKs report statistics every 10 s (aws-xray-sdk-core target_poller.js DEFAULT_INTERVAL). */
const TARGET_INTERVAL_SECONDS = 10;

/** GetSamplingTargets takes "Maximum number of 25 items" of SamplingStatisticsDocuments (API_GetSamplingTargets.html). */
export const MAX_STATISTICS_DOCUMENTS = 25;

/** Sampling bodies are a few kilobytes (25 statistics documents at most); anything larger is not one. */
export const MAX_SAMPLING_BODY_BYTES = 256 * 1024;

/** After finding no credentials, look again this much later (a role may appear; the chain can be slow to say no). */
const CREDENTIALS_RECHECK_MS = 60_000;

/** The rule records GetSamplingRules answers in local mode. */
export function localRules(modifiedAtSeconds: number): Record<string, unknown> {
  return {
    SamplingRuleRecords: [
      {
        SamplingRule: {
          RuleName: DEFAULT_RULE.RuleName,
          RuleARN: 'arn:aws:xray:local:000000000000:sampling-rule/Default',
          ResourceARN: '*',
          Priority: DEFAULT_RULE.Priority,
          FixedRate: DEFAULT_RULE.FixedRate,
          ReservoirSize: DEFAULT_RULE.ReservoirSize,
          ServiceName: '*',
          ServiceType: '*',
          Host: '*',
          HTTPMethod: '*',
          URLPath: '*',
          Version: 1,
          Attributes: {},
        },
        CreatedAt: modifiedAtSeconds,
        ModifiedAt: modifiedAtSeconds,
      },
    ],
  };
}

/** What SamplingTargets answers in local mode: each client may take one trace per second, then 5 %; unknown rules are unprocessed. */
export function localTargets(body: unknown, nowSeconds: number, modifiedAtSeconds: number): { status: number; body: Record<string, unknown> } {
  const docs = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['SamplingStatisticsDocuments'] : undefined;
  if (!Array.isArray(docs) || docs.some((d) => typeof d !== 'object' || d === null || typeof (d as Record<string, unknown>)['RuleName'] !== 'string')) {
    return invalidRequest('SamplingStatisticsDocuments must be a list of statistics documents, each with a RuleName');
  }
  if (docs.length > MAX_STATISTICS_DOCUMENTS) return invalidRequest(`SamplingStatisticsDocuments has ${docs.length} items; at most ${MAX_STATISTICS_DOCUMENTS}`);
  const targets: Array<Record<string, unknown>> = [];
  const unprocessed: Array<Record<string, unknown>> = [];
  for (const d of docs as Array<Record<string, unknown>>) {
    const rule = d['RuleName'] as string;
    if (rule === DEFAULT_RULE.RuleName) {
      targets.push({ RuleName: rule, FixedRate: DEFAULT_RULE.FixedRate, ReservoirQuota: DEFAULT_RULE.ReservoirSize, ReservoirQuotaTTL: nowSeconds + TARGET_INTERVAL_SECONDS, Interval: TARGET_INTERVAL_SECONDS });
    } else {
      unprocessed.push({ RuleName: rule, ErrorCode: '400', Message: `no rule named ${rule}: without AWS credentials the relay serves only the Default rule` });
    }
  }
  return { status: 200, body: { SamplingTargetDocuments: targets, LastRuleModification: modifiedAtSeconds, UnprocessedStatistics: unprocessed } };
}

function invalidRequest(message: string): { status: number; body: Record<string, unknown> } {
  return { status: 400, body: { __type: 'InvalidRequestException', message } };
}

export interface AwsIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where proxied calls go and with what they are signed. */
export interface SamplingUpstream {
  /** Throws when there are none (CredentialsProviderError). */
  credentials(): Promise<AwsIdentity>;
  region(): Promise<string>;
  /** The X-Ray API's base URL for a region. */
  endpoint(region: string): string;
  close?(): void;
}

export interface UpstreamOptions {
  /** The forwarding exporter's `region`; absent: the AWS chain. */
  region?: string;
  /** The exporter's `endpoint`; absent: AWS_ENDPOINT_URL_XRAY, AWS_ENDPOINT_URL, then the regional endpoint. */
  endpoint?: string;
  env: NodeJS.ProcessEnv;
}

/** Credentials and region from the standard AWS chain (as the exporter's SDK client resolves them). */
export function awsUpstream(o: UpstreamOptions): SamplingUpstream {
  // Only its config is used: the chain (env, shared files, SSO, container and instance roles) with its caching.
  let client: XRayClient | undefined;
  // The SDK (~6 MB of RSS) loads at the first sampling call: a relay that gets none never pays for it.
  let loading: Promise<XRayClient> | undefined;
  const sdk = () => (loading ??= import('@aws-sdk/client-xray').then((m) => (client = new m.XRayClient(o.region === undefined ? {} : { region: o.region }))));
  return {
    async credentials() {
      const c = await (await sdk()).config.credentials();
      registerSecrets([c.secretAccessKey, c.sessionToken].filter((v): v is string => typeof v === 'string'));
      return c;
    },
    region: async () => (await sdk()).config.region(),
    endpoint(region) {
      const configured = o.endpoint ?? o.env['AWS_ENDPOINT_URL_XRAY'] ?? o.env['AWS_ENDPOINT_URL'];
      if (configured) return configured;
      // https://docs.aws.amazon.com/general/latest/gr/xray.html
      return `https://xray.${region}.amazonaws.${region.startsWith('cn-') ? 'com.cn' : 'com'}`;
    },
    close: () => client?.destroy(),
  };
}

export interface SamplingOptions {
  mode: SamplingMode;
  upstream: SamplingUpstream;
  /** Per proxied call. */
  timeoutMs: number;
  log: Logger;
  stats: Stats;
  userAgent: string;
  /** Unix seconds; tests pin it. */
  now?: () => number;
}

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

/** Answers the sampling calls: proxied when credentials are there (or `mode: proxy`), else locally. */
export class SamplingService {
  readonly #o: SamplingOptions;
  readonly #once: OnceLogger;
  readonly #since: number;
  #noCredentialsUntil = 0;
  #lastAnswer: 'local' | 'proxied' | undefined;

  constructor(o: SamplingOptions) {
    this.#o = o;
    this.#once = new OnceLogger(o.log);
    this.#since = this.#now();
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now() / 1000;
  }

  /** `body` is the request body as read (bounded by the caller). */
  async answer(operation: SamplingOperation, path: string, body: Buffer): Promise<Answer> {
    try {
      const upstream = this.#o.mode === 'local' ? undefined : await this.#identity();
      if (upstream === undefined) {
        this.#said('local', 'answering X-Ray sampling calls locally with the Default rule (1 trace per second, then 5 %): no AWS credentials (mode: local, or none found by the AWS chain)');
        this.#o.stats.inc('otlp_relay_xray_sampling_requests_total', { operation, answer: 'local' });
        return this.#local(operation, body);
      }
      const out = await this.#forward(path, body, upstream);
      this.#said('proxied', `forwarding X-Ray sampling calls to ${this.#o.upstream.endpoint(upstream.region)}, signed with SigV4`);
      this.#o.stats.inc('otlp_relay_xray_sampling_requests_total', { operation, answer: out.status < 300 ? 'proxied' : 'refused' });
      if (out.status >= 300) {
        this.#once.warn(`sampling:${out.status}`, { operation, status: out.status }, `X-Ray refused the ${operation} call the relay forwarded (HTTP ${out.status}): ${out.body.slice(0, 300)}; the SDKs keep their previous rules (said once per status)`);
      }
      return out;
    } catch (err) {
      this.#o.stats.inc('otlp_relay_xray_sampling_requests_total', { operation, answer: 'failed' });
      const reason = describeError(err);
      this.#once.warn(`sampling:error:${reason}`, { operation }, `could not forward the ${operation} call to X-Ray: ${reason}; the SDKs keep their previous rules (said once per reason)`);
      return json(502, { __type: 'BadGateway', message: `otlp-relay could not reach X-Ray: ${reason}` });
    }
  }

  /** Credentials and region, or undefined for local answers (auto mode with no credentials). */
  async #identity(): Promise<{ credentials: AwsIdentity; region: string } | undefined> {
    if (this.#o.mode === 'auto' && Date.now() < this.#noCredentialsUntil) return undefined;
    try {
      const credentials = await this.#o.upstream.credentials();
      const region = await this.#o.upstream.region();
      return { credentials, region };
    } catch (err) {
      if (this.#o.mode === 'proxy') throw err;
      this.#noCredentialsUntil = Date.now() + CREDENTIALS_RECHECK_MS;
      this.#o.log.debug({ err }, 'no AWS credentials for X-Ray sampling calls');
      return undefined;
    }
  }

  #said(answer: 'local' | 'proxied', msg: string): void {
    if (this.#lastAnswer === answer) return;
    this.#lastAnswer = answer;
    this.#o.log.info(msg);
  }

  #local(operation: SamplingOperation, body: Buffer): Answer {
    const since = Math.floor(this.#since);
    if (operation === 'GetSamplingRules') return json(200, localRules(since));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return json(400, { __type: 'SerializationException', message: 'the SamplingTargets body is not JSON' });
    }
    const out = localTargets(parsed, Math.floor(this.#now()), since);
    return json(out.status, out.body);
  }

  async #forward(path: string, body: Buffer, id: { credentials: AwsIdentity; region: string }): Promise<Answer> {
    const base = new URL(this.#o.upstream.endpoint(id.region));
    const url = new URL(base.pathname.replace(/\/+$/, '') + path, base);
    // Signing and HTTP load at the first proxied call (rare: SDKs poll every few seconds to minutes).
    const [{ SignatureV4 }, { Hash }, { request }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node'), import('undici')]);
    const signer = new SignatureV4({ service: 'xray', region: id.region, credentials: id.credentials, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/json', 'user-agent': this.#o.userAgent },
      body: body.toString('utf8'),
    });
    const res = await request(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.#o.timeoutMs),
    });
    const text = await res.body.text();
    const type = res.headers['content-type'];
    return { status: res.statusCode, body: text, contentType: typeof type === 'string' ? type : 'application/json' };
  }
}

function json(status: number, body: Record<string, unknown>): Answer {
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

/** Reads a request body up to `max` bytes; undefined when it is larger (the rest is read and discarded, so the answer can still be sent). */
export async function readBounded(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).byteLength;
    if (size <= max) chunks.push(c as Buffer);
  }
  return size > max ? undefined : Buffer.concat(chunks, size);
}
