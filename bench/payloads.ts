/**
 * Realistic OTLP requests for the benchmark, the same in every process that builds them (a seeded
 * PRNG): 500 spans per traces request (10 attributes, one event, 5 % errors with an exception event),
 * 500 records per logs request, a Flask backend and a React frontend as resources.
 */
import zlib from 'node:zlib';
import { encodeRequest } from '../src/otlp/codec.ts';
import type { ExportRequestInput } from '../src/otlp/codec.ts';
import { prng } from '../test/support/prng.ts';

export const ITEMS_PER_REQUEST = 500;
export const ATTRIBUTES_PER_SPAN = 10;
export const ERROR_RATE = 0.05;

export interface BenchPayload {
  signal: 'traces' | 'logs';
  /** Encoded Export*ServiceRequest. */
  raw: Buffer;
  /** `raw` gzipped (as OTel SDKs send it with compression: gzip). */
  gzip: Buffer;
  items: number;
  errors: number;
}

type Rand = () => number;

function pick<T>(r: Rand, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function bytes(r: Rand, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  if (b.every((x) => x === 0)) b[0] = 1;
  return b;
}

function hex(r: Rand, n: number): string {
  return Buffer.from(bytes(r, n)).toString('hex');
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: BigInt(value) } });
const dbl = (key: string, value: number) => ({ key, value: { doubleValue: value } });
const bool = (key: string, value: boolean) => ({ key, value: { boolValue: value } });

const ROUTES = ['/api/activities/home', '/api/messages/{message_group_uuid}', '/api/activities/@{handle}', '/api/message_groups', '/api/profile/update', '/api/activities/search'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT'];
const SQL = [
  'SELECT activities.uuid, activities.message, users.display_name FROM public.activities LEFT JOIN public.users ON users.uuid = activities.user_uuid ORDER BY activities.created_at DESC',
  'INSERT INTO public.activities (user_uuid, message, expires_at) VALUES ((SELECT uuid FROM public.users WHERE users.handle = %(handle)s LIMIT 1), %(message)s, %(expires_at)s) RETURNING uuid',
  'SELECT uuid, display_name, handle FROM public.users WHERE users.cognito_user_id = %(cognito_user_id)s LIMIT 1',
];
const STACK = `Traceback (most recent call last):
  File "/backend-flask/app.py", line 212, in data_activities
    model = CreateActivity.run(message, user_handle, ttl)
  File "/backend-flask/services/create_activity.py", line 41, in run
    uuid = CreateActivity.create_activity(user_handle, message, expires_at)
  File "/backend-flask/lib/db.py", line 88, in query_commit
    cur.execute(sql, params)
psycopg.errors.UniqueViolation: duplicate key value violates unique constraint "activities_pkey"`;

function resource(r: Rand, service: string) {
  return {
    attributes: [
      str('service.name', service),
      str('service.version', '1.4.2'),
      str('deployment.environment', 'production'),
      str('host.name', `${service}-${Math.floor(r() * 3) + 1}`),
      str('telemetry.sdk.name', 'opentelemetry'),
      str('telemetry.sdk.language', service === 'backend-flask' ? 'python' : 'webjs'),
      str('telemetry.sdk.version', '1.27.0'),
      int('process.pid', 1000 + Math.floor(r() * 30000)),
    ],
  };
}

/** Span attributes: exactly ATTRIBUTES_PER_SPAN, strings, ints, a double and a bool. */
function spanAttributes(r: Rand, route: string, method: string, status: number, i: number) {
  return [
    str('http.method', method),
    str('http.route', route),
    int('http.status_code', status),
    str('http.target', route.replace(/\{[^}]+\}/, hex(r, 8)).replace('@{handle}', '@andrewbrown')),
    str('net.peer.name', '10.0.1.' + (i % 250)),
    str('enduser.id', hex(r, 16)),
    str('db.system', 'postgresql'),
    str('db.statement', pick(r, SQL)),
    dbl('app.duration_ratio', r()),
    bool('app.cache_hit', r() < 0.4),
  ];
}

function tracesRequest(r: Rand, nowNs: bigint): { request: ExportRequestInput<'traces'>; errors: number } {
  // 25 traces of 20 spans, split between the two services.
  const backend: unknown[] = [];
  const frontend: unknown[] = [];
  let errors = 0;
  let n = 0;
  while (n < ITEMS_PER_REQUEST) {
    const traceId = bytes(r, 16);
    const rootId = bytes(r, 8);
    const route = pick(r, ROUTES);
    const method = pick(r, METHODS);
    const start = nowNs - BigInt(Math.floor(r() * 5e9));
    for (let k = 0; k < 20 && n < ITEMS_PER_REQUEST; k++, n++) {
      const isError = r() < ERROR_RATE;
      if (isError) errors++;
      const spanStart = start + BigInt(k * 1_000_000);
      const end = spanStart + BigInt(Math.floor(r() * 50_000_000) + 100_000);
      const status = isError ? 500 : 200;
      const event = isError
        ? {
            timeUnixNano: end - 1000n,
            name: 'exception',
            attributes: [str('exception.type', 'psycopg.errors.UniqueViolation'), str('exception.message', 'duplicate key value violates unique constraint "activities_pkey"'), str('exception.stacktrace', STACK)],
          }
        : { timeUnixNano: spanStart + 500_000n, name: 'cache.lookup', attributes: [str('cache.key', `activities:${hex(r, 4)}`)] };
      const span = {
        traceId,
        spanId: k === 0 ? rootId : bytes(r, 8),
        parentSpanId: k === 0 ? new Uint8Array(0) : rootId,
        name: k === 0 ? `${method} ${route}` : k % 3 === 0 ? 'SELECT cruddur' : `${pick(r, ['render', 'serialize', 'query', 'fetch'])} ${route}`,
        kind: k === 0 ? 2 : k % 3 === 0 ? 3 : 1,
        startTimeUnixNano: spanStart,
        endTimeUnixNano: end,
        attributes: spanAttributes(r, route, method, status, n),
        events: [event],
        status: isError ? { code: 2, message: 'duplicate key value violates unique constraint' } : { code: 0 },
        flags: 0x101,
      };
      (k % 4 === 3 ? frontend : backend).push(span);
    }
  }
  return {
    errors,
    request: {
      resourceSpans: [
        { resource: resource(r, 'backend-flask'), scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.flask', version: '0.48b0' }, spans: backend }], schemaUrl: 'https://opentelemetry.io/schemas/1.11.0' },
        { resource: resource(r, 'frontend-react-js'), scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-fetch', version: '0.54.0' }, spans: frontend }] },
      ],
    } as ExportRequestInput<'traces'>,
  };
}

function logsRequest(r: Rand, nowNs: bigint): { request: ExportRequestInput<'logs'>; errors: number } {
  const records: unknown[] = [];
  let errors = 0;
  for (let i = 0; i < ITEMS_PER_REQUEST; i++) {
    const isError = r() < ERROR_RATE;
    if (isError) errors++;
    const route = pick(r, ROUTES);
    const t = nowNs - BigInt(Math.floor(r() * 5e9));
    records.push({
      timeUnixNano: t,
      observedTimeUnixNano: t + 1000n,
      severityNumber: isError ? 17 : 9,
      severityText: isError ? 'ERROR' : 'INFO',
      body: { stringValue: isError ? `failed to create activity: duplicate key value violates unique constraint "activities_pkey"` : `${pick(r, METHODS)} ${route} 200 in ${Math.floor(r() * 80)}ms` },
      attributes: [str('code.function', 'data_activities'), str('code.filepath', '/backend-flask/app.py'), int('code.lineno', 200 + (i % 50)), str('http.route', route), str('enduser.id', hex(r, 16))],
      traceId: bytes(r, 16),
      spanId: bytes(r, 8),
      flags: 1,
    });
  }
  return {
    errors,
    request: { resourceLogs: [{ resource: resource(r, 'backend-flask'), scopeLogs: [{ scope: { name: 'app' }, logRecords: records }] }] } as ExportRequestInput<'logs'>,
  };
}

/**
 * `traces` distinct traces requests and `logs` distinct logs requests, timestamped around `nowMs`
 * (X-Ray and CloudWatch Logs refuse old data). Same seed, same bytes apart from the timestamps.
 */
export function buildPayloads(opts: { traces: number; logs: number; nowMs: number; seed?: number }): BenchPayload[] {
  const r = prng(opts.seed ?? 42);
  const nowNs = BigInt(Math.floor(opts.nowMs)) * 1_000_000n;
  const out: BenchPayload[] = [];
  for (let i = 0; i < opts.traces; i++) {
    const { request, errors } = tracesRequest(r, nowNs);
    const raw = Buffer.from(encodeRequest('traces', request));
    out.push({ signal: 'traces', raw, gzip: zlib.gzipSync(raw), items: ITEMS_PER_REQUEST, errors });
  }
  for (let i = 0; i < opts.logs; i++) {
    const { request, errors } = logsRequest(r, nowNs);
    const raw = Buffer.from(encodeRequest('logs', request));
    out.push({ signal: 'logs', raw, gzip: zlib.gzipSync(raw), items: ITEMS_PER_REQUEST, errors });
  }
  return out;
}
