import { z } from 'zod';
import type { Problem } from './errors.ts';
import { compact, hostPort, orEmpty, splitHostPort, strictObject } from './schema.ts';
import { didYouMean } from './suggest.ts';
import type { CorsConfig, ExporterType, GrpcReceiverConfig, HttpReceiverConfig, ListenConfig, ReceiversConfig, XrayReceiverConfig } from './types.ts';
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

const xray = orEmpty(
  strictObject({
    endpoint: hostPort().prefault('0.0.0.0:2000'),
    forward_to: z.array(z.string().min(1)).optional(),
    route_as_spans: z.boolean().default(false),
    sampling: z.enum(['auto', 'proxy', 'local']).default('auto'),
  }),
).transform(
  // An absent forward_to means every exporter of type xray: resolveXrayReceiver fills it in once the exporters are known.
  (parsed): XrayReceiverConfig => compact({ endpoint: parsed.endpoint, forwardTo: parsed.forward_to, routeAsSpans: parsed.route_as_spans, sampling: parsed.sampling }) as XrayReceiverConfig,
);

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

/**
 * `receivers.xray.forward_to`: the exporters that send each segment to X-Ray as it was received.
 * Absent: every exporter of type xray. Each must be an xray exporter, and the segments must go somewhere.
 */
export function resolveXrayReceiver(xray: XrayReceiverConfig, types: ReadonlyMap<string, ExporterType | undefined>): Problem[] {
  const problems: Problem[] = [];
  const given = (xray as { forwardTo?: string[] }).forwardTo;
  if (given === undefined) {
    xray.forwardTo = [...types].filter(([, type]) => type === 'xray').map(([name]) => name);
  } else {
    const seen = new Set<string>();
    given.forEach((name, i) => {
      const path = ['receivers', 'xray', 'forward_to', i];
      if (seen.has(name)) problems.push({ path, message: `"${name}" is listed twice` });
      seen.add(name);
      if (!types.has(name)) problems.push({ path, message: `no exporter named ${JSON.stringify(name)}${didYouMean(name, [...types.keys()])}` });
      else {
        const type = types.get(name);
        if (type !== undefined && type !== 'xray') {
          problems.push({ path, message: `exporter "${name}" is of type ${type}: forward_to sends segments to X-Ray as they are, so it takes exporters of type xray; set route_as_spans: true to send X-Ray segments to ${name} as spans` });
        }
      }
    });
  }
  if (xray.forwardTo.length === 0 && !xray.routeAsSpans) {
    problems.push({
      path: ['receivers', 'xray'],
      message: given === undefined ? 'has nowhere to send segments: add an exporter of type xray (segments go to X-Ray as they are), or set route_as_spans: true' : 'has nowhere to send segments: forward_to is empty and route_as_spans is false',
    });
  }
  return problems;
}
