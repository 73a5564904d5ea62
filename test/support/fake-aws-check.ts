import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * A local AWS answering the read-only calls `otlp-relay check` makes, with the real APIs' rules:
 * X-Ray GetSamplingRules (REST-JSON, POST /GetSamplingRules) and CloudWatch Logs DescribeLogGroups
 * (JSON 1.1, POST / with X-Amz-Target). Every request must be SigV4-signed for its service with the
 * known credentials (recomputed here); an IAM-style deny list answers AccessDeniedException.
 */
export interface FakeAwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export const ACCOUNT = '123456789012';

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

class Sha256 {
  readonly #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined ? undefined : typeof secret === 'string' ? secret : Buffer.from(ArrayBuffer.isView(secret) ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) : new Uint8Array(secret));
    this.#h = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
}

function amzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

export class FakeAwsCheck {
  readonly creds: FakeAwsCredentials;
  /** Actions ("xray:GetSamplingRules") the credentials are not allowed. */
  readonly denied = new Set<string>();
  readonly logGroups: string[] = ['/cruddur/backend-flask', '/cruddur/frontend-react-js', '/other/app'];
  /** Every call answered, by action. */
  readonly calls: string[] = [];
  #server: http.Server | undefined;

  constructor(creds: FakeAwsCredentials) {
    this.creds = creds;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }

  #fail(res: http.ServerResponse, status: number, type: string, message: string, json11: boolean): void {
    res.writeHead(status, { 'content-type': json11 ? 'application/x-amz-json-1.1' : 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ __type: type, message, Message: message }));
  }

  async #verify(req: http.IncomingMessage, body: Buffer, service: string): Promise<{ status: number; type: string; message: string } | undefined> {
    const m = AUTH.exec(String(req.headers['authorization'] ?? ''));
    if (!m) return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    const [, keyId, , region, scopeService, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
    if (keyId !== this.creds.accessKeyId) return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    if (scopeService !== service || region !== this.creds.region) return { status: 403, type: 'InvalidSignatureException', message: `Credential should be scoped to ${this.creds.region}/${service}` };
    const date = amzDate(String(req.headers['x-amz-date'] ?? ''));
    if (!date) return { status: 403, type: 'IncompleteSignatureException', message: 'X-Amz-Date is missing' };
    const headers: Record<string, string> = {};
    for (const name of signedList.split(';')) headers[name] = String(req.headers[name] ?? '');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const signer = new SignatureV4({ service, region: this.creds.region, credentials: { accessKeyId: this.creds.accessKeyId, secretAccessKey: this.creds.secretAccessKey }, sha256: Sha256, applyChecksum: false });
    const again = await signer.sign({ method: req.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: body.toString('utf8') }, { signingDate: date });
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(again.headers['authorization']))?.[1];
    if (expected !== signature) return { status: 403, type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' };
    return undefined;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0];
    const target = String(req.headers['x-amz-target'] ?? '');
    let action: string;
    let json11: boolean;
    if (req.method === 'POST' && path === '/GetSamplingRules') {
      action = 'xray:GetSamplingRules';
      json11 = false;
    } else if (req.method === 'POST' && path === '/' && target === 'Logs_20140328.DescribeLogGroups') {
      action = 'logs:DescribeLogGroups';
      json11 = true;
    } else {
      return this.#fail(res, 404, 'UnknownOperationException', `no operation at ${req.method} ${path}`, false);
    }
    const service = action.split(':')[0]!;
    const refused = await this.#verify(req, body, service);
    if (refused) return this.#fail(res, refused.status, refused.type, refused.message, json11);
    if (this.denied.has(action)) {
      return this.#fail(res, json11 ? 400 : 403, 'AccessDeniedException', `User: arn:aws:iam::${ACCOUNT}:user/dev is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`, json11);
    }
    this.calls.push(action);
    if (action === 'xray:GetSamplingRules') {
      const rule = { RuleName: 'Default', RuleARN: `arn:aws:xray:${this.creds.region}:${ACCOUNT}:sampling-rule/Default`, ResourceARN: '*', Priority: 10000, FixedRate: 0.05, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1 };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SamplingRuleRecords: [{ SamplingRule: rule }] }));
      return;
    }
    const input = JSON.parse(body.toString('utf8') || '{}') as { logGroupNamePrefix?: string; limit?: number };
    const groups = this.logGroups.filter((g) => !input.logGroupNamePrefix || g.startsWith(input.logGroupNamePrefix)).slice(0, input.limit ?? 50);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
      JSON.stringify({ logGroups: groups.map((g) => ({ logGroupName: g, arn: `arn:aws:logs:${this.creds.region}:${ACCOUNT}:log-group:${g}:*`, creationTime: 1700000000000 })) }),
    );
  }
}
