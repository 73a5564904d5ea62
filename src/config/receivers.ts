import { z } from 'zod';
import type { Problem } from './errors.ts';
import { compact, hostPort, orEmpty, splitHostPort, strictObject } from './schema.ts';
import type { CorsConfig, GrpcReceiverConfig, HttpReceiverConfig, ListenConfig, ReceiversConfig } from './types.ts';
import { bytes, duration } from './units.ts';

const MiB = 2 ** 20;

// A scheme and host (with optional * wildcards and port), nothing after: browsers send Origin without a path.
const ORIGIN = /^https?:\/\/[A-Za-z0-9*]([A-Za-z0-9*.-]*[A-Za-z0-9*])?(:\d{1,5})?$/;

const origin = z.string().superRefine((value, ctx) => {
  if (value === '*' || ORIGIN.test(value)) return;
  const hint = /^https?:\/\/[^/]+\/.*$/.test(value)
    ? ': an origin has no path (browsers send e.g. "http://localhost:3000", with no trailing "/")'
    : ': expected "*" or scheme://host[:port] such as "http://localhost:3000" or "https://*.example.com"';
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not an origin${hint}` });
});

const cors = strictObject({
  allowed_origins: z.array(origin).min(1),
  allowed_headers: z.array(z.string().min(1)).default([]),
  max_age: z.int().min(0).default(7200),
}).transform((parsed): CorsConfig => ({ allowedOrigins: parsed.allowed_origins, allowedHeaders: parsed.allowed_headers, maxAgeSeconds: parsed.max_age }));

const pathPrefix = z.string().superRefine((value, ctx) => {
  if (value === '' || /^(\/[A-Za-z0-9._~-]+)+$/.test(value)) return;
  const message = !value.startsWith('/') ? 'must start with "/" (e.g. "/otlp")' : value.endsWith('/') ? 'must not end with "/" (e.g. "/otlp")' : 'expected a path such as "/otlp"';
  ctx.addIssue({ code: 'custom', message });
});

const grpc = orEmpty(
  strictObject({
    endpoint: hostPort().prefault('0.0.0.0:4317'),
    max_recv_msg_size: bytes().default(20 * MiB),
  }),
).transform((parsed): GrpcReceiverConfig => ({ endpoint: parsed.endpoint, maxRecvMsgSize: parsed.max_recv_msg_size }));

const http = orEmpty(
  strictObject({
    endpoint: hostPort().prefault('0.0.0.0:4318'),
    max_request_body_size: bytes().default(20 * MiB),
    path_prefix: pathPrefix.default(''),
    cors: cors.optional(),
    read_header_timeout: duration().default(10_000),
    read_timeout: duration().default(30_000),
  }),
).transform(
  (parsed): HttpReceiverConfig =>
    compact({
      endpoint: parsed.endpoint,
      maxRequestBodySize: parsed.max_request_body_size,
      pathPrefix: parsed.path_prefix,
      cors: parsed.cors,
      readHeaderTimeout: parsed.read_header_timeout,
      readTimeout: parsed.read_timeout,
    }),
);

const otlp = orEmpty(strictObject({ grpc: grpc.optional(), http: http.optional() })).transform((parsed) => compact({ grpc: parsed.grpc, http: parsed.http }));

const xray = orEmpty(strictObject({ endpoint: hostPort().prefault('0.0.0.0:2000') })).transform((parsed): ListenConfig => ({ endpoint: parsed.endpoint }));

/** `receivers`: absent → OTLP over gRPC and HTTP on their defaults; present → only what is listed. */
export const receiversSchema = strictObject({ otlp: otlp.optional(), xray: xray.optional() })
  .optional()
  .transform((parsed): ReceiversConfig => (parsed === undefined ? { otlp: { grpc: grpc.parse({}), http: http.parse({}) } } : compact({ otlp: parsed.otlp, xray: parsed.xray })));

/** Problems no single key shows: nothing to listen on, or two listeners on one port. */
export function checkReceivers(receivers: ReceiversConfig, raw: unknown): Problem[] {
  const problems: Problem[] = [];
  if (raw !== undefined && receivers.otlp === undefined && receivers.xray === undefined) {
    problems.push({ path: ['receivers'], message: 'lists no receiver: add otlp and/or xray, or remove receivers to get OTLP on gRPC :4317 and HTTP :4318' });
  }
  if (receivers.otlp !== undefined && receivers.otlp.grpc === undefined && receivers.otlp.http === undefined) {
    problems.push({ path: ['receivers', 'otlp'], message: 'enables no protocol: add grpc: {} and/or http: {}' });
  }
  const listeners: Array<[string[], ListenConfig | undefined]> = [
    [['receivers', 'otlp', 'grpc', 'endpoint'], receivers.otlp?.grpc],
    [['receivers', 'otlp', 'http', 'endpoint'], receivers.otlp?.http],
    [['receivers', 'xray', 'endpoint'], receivers.xray],
  ];
  const seen: Array<[string[], { host: string; port: number }]> = [];
  for (const [path, config] of listeners) {
    const listen = config === undefined ? undefined : splitHostPort(config.endpoint);
    if (listen === undefined || listen.port === 0) continue;
    const clash = seen.find(([, other]) => other.port === listen.port && (other.host === listen.host || isWildcard(other.host) || isWildcard(listen.host)));
    if (clash !== undefined) problems.push({ path, message: `port ${listen.port} is also used by ${clash[0].slice(0, -1).join('.')}` });
    seen.push([path, listen]);
  }
  return problems;
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}
