import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfigFile, parseConfig } from '../../src/config/load.ts';
import { collectSecrets } from '../../src/config/secrets.ts';
import { problemsOf, VALID_KEY, withExporters } from './helpers.ts';

const DEBUG_OUT = '  out: { type: debug }';

describe('unknown keys', () => {
  it('are reported at any depth with a did-you-mean', () => {
    const text = `
servce: { log_level: info }
receivers:
  otlp:
    http:
      cors: { allowed_origin: ["http://localhost:3000"] }
exporters:
  honeycomb:
    type: honeycomb
    api_kye: ${VALID_KEY}
  out:
    type: debug
    retry: { max_intervall: 10s }
routes:
  - { signals: [traces], to: [honeycomb, out], mach: { error: true } }
`;
    assert.deepEqual(problemsOf(text), [
      'servce: unknown key (did you mean "service"?)',
      'receivers.otlp.http.cors.allowed_origin: unknown key (did you mean "allowed_origins"?)',
      // The missing api_key is not reported separately: the typo above is the reason.
      'exporters.honeycomb.api_kye: unknown key (did you mean "api_key"?)',
      'exporters.out.retry.max_intervall: unknown key (did you mean "max_interval"?)',
      'routes[0].mach: unknown key (did you mean "match"?)',
    ]);
  });

  it('list the known keys when nothing is close', () => {
    assert.deepEqual(problemsOf(withExporters('  out: { type: debug, colour: red }')), [
      'exporters.out.colour: unknown key (known keys: type, endpoint, timeout, queue, batch, retry, verbosity)',
    ]);
  });
});

describe('wrong types', () => {
  it('name the path, what was expected and what was found', () => {
    const text = withExporters(
      `  out:
    type: debug
    timeout: [1s]
    queue: { consumers: two }
    batch: { max_items: 1.5 }
    retry: { enabled: yes }
    verbosity: loud`,
      '  - { signals: [traces, trace], to: out, match: { service: 42, error: 1 } }',
    );
    assert.deepEqual(problemsOf(text), [
      'exporters.out.timeout: expected a duration such as "5s", got a list',
      'exporters.out.queue.consumers: expected a number, got "two"',
      'exporters.out.batch.max_items: expected a whole number, got 1.5',
      'exporters.out.retry.enabled: expected true or false, got "yes"',
      'exporters.out.verbosity: expected one of "basic", "detailed", got "loud"',
      'routes[0].signals[1]: expected one of "traces", "logs", "metrics", got "trace" (did you mean "traces"?)',
      // Document order: `to` comes before `match` on that line.
      'routes[0].to: expected a list, got "out"',
      'routes[0].match.service: expected a service name or a non-empty list of service names',
      'routes[0].match.error: expected true or false, got 1',
    ]);
  });

  it('reports a whole section of the wrong kind', () => {
    assert.deepEqual(problemsOf('service: verbose\nexporters: [out]\nroutes: {}\n'), [
      'service: expected a mapping, got "verbose"',
      'exporters: expected a mapping of exporter names to settings, got a list',
      'routes: expected a list, got a mapping',
    ]);
  });

  it('suggests quotes when YAML read a string field as a number', () => {
    assert.deepEqual(problemsOf(withExporters('  out: { type: file, path: 2024 }')), ['exporters.out.path: expected a string, got 2024 (put it in quotes)']);
  });
});

describe('missing required keys', () => {
  it('are reported with their path', () => {
    const text = withExporters('  hc: { type: honeycomb }\n  f: { type: file }\n  nothing: {}', '  - { signals: [traces] }\n  - { to: [hc] }');
    assert.deepEqual(problemsOf(text), [
      'exporters.hc.api_key: is required',
      'exporters.f.path: is required',
      'exporters.nothing.type: is required: one of honeycomb, debug, file, xray, rollbar, cloudwatch_logs',
      'routes[0].to: is required',
      'routes[1].signals: is required',
    ]);
  });

  it('hints at the type when an exporter is named after one', () => {
    assert.deepEqual(problemsOf(withExporters('  honeycomb: { api_key: x }', '  - { signals: [traces], to: [honeycomb] }')), [
      'exporters.honeycomb.type: is required: one of honeycomb, debug, file, xray, rollbar, cloudwatch_logs (did you mean "type: honeycomb"?)',
    ]);
  });

  it('requires exporters and routes', () => {
    assert.deepEqual(problemsOf('service: { log_level: debug }\n'), [
      'exporters: is required: define at least one exporter',
      'routes: is required: at least one route, e.g. { signals: [traces], to: [<exporter name>] }',
    ]);
    assert.deepEqual(problemsOf('exporters: {}\nroutes: []\n'), ['exporters: is empty: define at least one exporter', 'routes: must not be empty']);
    assert.deepEqual(problemsOf(''), ['(top level): the config is empty: it needs at least exporters and routes']);
    assert.deepEqual(problemsOf('- a\n- b\n'), ['(top level): expected a mapping with exporters and routes, got a list']);
  });
});

describe('durations and sizes', () => {
  it('report bad values with the expected forms', () => {
    const text = `service: { shutdown_timeout: 0 }
receivers: { otlp: { grpc: { max_recv_msg_size: 20M } } }
exporters:
  out: { type: debug, timeout: 5 sec, batch: { max_bytes: 8 megs }, queue: { max_bytes: 0B } }
  f: { type: file, path: ./x.jsonl, rotate_bytes: 10B }
routes:
  - { signals: [traces], to: [out, f] }
`;
    assert.deepEqual(problemsOf(text), [
      'service.shutdown_timeout: must be at least 1ms',
      'receivers.otlp.grpc.max_recv_msg_size: expected a size such as "64KiB", "20MiB", "1MB" or "512B", or a number of bytes; got "20M" ("M" is ambiguous: write MiB for binary or MB for decimal)',
      'exporters.out.timeout: expected a duration such as "200ms", "5s", "1m", "1h" or "1m30s", or a number of milliseconds; got "5 sec"',
      'exporters.out.batch.max_bytes: expected a size such as "64KiB", "20MiB", "1MB" or "512B", or a number of bytes; got "8 megs"',
      'exporters.out.queue.max_bytes: must be at least 1B',
      'exporters.f.rotate_bytes: must be at least 1KiB',
    ]);
  });

  it('accept numbers as milliseconds and bytes', () => {
    const config = parseConfig(withExporters('  out: { type: debug, timeout: 2500, batch: { max_bytes: 4096, timeout: 0 } }'), { env: {} });
    const out = config.exporters.out;
    assert.equal(out?.timeoutMs, 2500);
    assert.deepEqual(out?.batch, { maxItems: 8192, timeoutMs: 0, maxBytes: 4096 });
  });

  it('catch settings that contradict each other', () => {
    const text = withExporters('  out: { type: debug, queue: { max_bytes: 1MiB }, batch: { max_bytes: 2MiB }, retry: { initial_interval: 1m, max_interval: 30s } }');
    assert.deepEqual(problemsOf(text), [
      'exporters.out.batch.max_bytes: (2MiB) is larger than queue.max_bytes (1MiB): such a batch could never be queued',
      'exporters.out.retry.initial_interval: (1m) is longer than retry.max_interval (30s)',
    ]);
  });
});

describe('endpoints', () => {
  it('receivers take host:port', () => {
    const text = `receivers:
  otlp:
    grpc: { endpoint: localhost }
    http: { endpoint: "4318" }
  xray: { endpoint: "0.0.0.0:99999" }
${withExporters(DEBUG_OUT)}`;
    assert.deepEqual(problemsOf(text), [
      'receivers.otlp.grpc.endpoint: expected host:port (e.g. "0.0.0.0:4318"), got "localhost"',
      'receivers.otlp.http.endpoint: expected host:port (e.g. "0.0.0.0:4318"), got "4318"',
      'receivers.xray.endpoint: expected host:port (e.g. "0.0.0.0:2000"), got "0.0.0.0:99999"'.replace('0.0.0.0:2000', '0.0.0.0:4318'),
    ]);
  });

  it('accepts IPv6, every-interface and ephemeral listen addresses', () => {
    const text = `receivers:\n  otlp:\n    grpc: { endpoint: "[::1]:4317" }\n    http: { endpoint: ":0" }\n${withExporters(DEBUG_OUT)}`;
    assert.deepEqual(parseConfig(text, { env: {} }).receivers.otlp?.grpc?.endpoint, '[::1]:4317');
    assert.deepEqual(parseConfig(text, { env: {} }).receivers.otlp?.http?.endpoint, ':0');
  });

  it('refuses two receivers on one port', () => {
    const text = `receivers:\n  otlp:\n    grpc: { endpoint: "0.0.0.0:4318" }\n    http: {}\n${withExporters(DEBUG_OUT)}`;
    assert.deepEqual(problemsOf(text), ['receivers.otlp.http.endpoint: port 4318 is also used by receivers.otlp.grpc']);
  });

  it('honeycomb takes a base URL only, and says why', () => {
    const problems = problemsOf(
      withExporters(
        `  a: { type: honeycomb, api_key: ${VALID_KEY}, endpoint: "https://api.honeycomb.io/v1/traces" }
  b: { type: honeycomb, api_key: ${VALID_KEY}, endpoint: "api.honeycomb.io" }
  c: { type: honeycomb, api_key: ${VALID_KEY}, endpoint: "ftp://api.honeycomb.io" }`,
        '  - { signals: [traces], to: [a, b, c] }',
      ),
    );
    assert.deepEqual(problems, [
      'exporters.a.endpoint: has path "/v1/traces"; give the base URL (e.g. "https://api.honeycomb.io"): the relay appends /v1/traces, /v1/logs and /v1/metrics itself',
      'exporters.b.endpoint: expected a base URL such as "https://api.honeycomb.io"',
      'exporters.c.endpoint: expected an http(s) URL, got scheme "ftp"',
    ]);
  });

  it('honeycomb endpoints resolve to their origin; other types keep theirs as written', () => {
    const config = parseConfig(
      withExporters(`  hc: { type: honeycomb, api_key: ${VALID_KEY}, endpoint: "http://127.0.0.1:9999/" }\n  out: { type: debug, endpoint: "http://proxy:8080/path" }`, '  - { signals: [traces], to: [hc, out] }'),
      { env: {} },
    );
    assert.equal(config.exporters.hc?.endpoint, 'http://127.0.0.1:9999');
    assert.equal(config.exporters.out?.endpoint, 'http://proxy:8080/path');
  });

  it('rejects a non-http endpoint on any type', () => {
    assert.deepEqual(problemsOf(withExporters('  out: { type: debug, endpoint: "unix:/tmp/sock" }')), ['exporters.out.endpoint: expected an http(s) URL, got scheme "unix"']);
  });
});

describe('receivers', () => {
  it('absent: OTLP over gRPC and HTTP on their defaults', () => {
    const config = parseConfig(withExporters(DEBUG_OUT), { env: {} });
    assert.deepEqual(config.receivers, {
      otlp: {
        grpc: { endpoint: '0.0.0.0:4317', maxRecvMsgSize: 20 * 2 ** 20 },
        http: { endpoint: '0.0.0.0:4318', maxRequestBodySize: 20 * 2 ** 20, pathPrefix: '', readHeaderTimeout: 10_000, readTimeout: 30_000 },
      },
    });
  });

  it('present: only the listed protocols, an empty value meaning defaults', () => {
    const config = parseConfig(`receivers:\n  otlp:\n    grpc:\n${withExporters(DEBUG_OUT)}`, { env: {} });
    assert.deepEqual(config.receivers, { otlp: { grpc: { endpoint: '0.0.0.0:4317', maxRecvMsgSize: 20 * 2 ** 20 } } });
    const xrayOnly = parseConfig(`receivers:\n  xray: { route_as_spans: true }\n${withExporters(DEBUG_OUT)}`, { env: {} });
    assert.deepEqual(xrayOnly.receivers, { xray: { endpoint: '0.0.0.0:2000', forwardTo: [], routeAsSpans: true, sampling: 'auto' } });
  });

  it('resolves every HTTP setting', () => {
    const text = `receivers:
  otlp:
    http:
      endpoint: "127.0.0.1:14318"
      max_request_body_size: 4MiB
      path_prefix: /otlp
      cors: { allowed_origins: ["https://*.example.com", "*"], allowed_headers: [x-custom], max_age: 60 }
      read_header_timeout: 2s
      read_timeout: 1m
${withExporters(DEBUG_OUT)}`;
    assert.deepEqual(parseConfig(text, { env: {} }).receivers, {
      otlp: {
        http: {
          endpoint: '127.0.0.1:14318',
          maxRequestBodySize: 4 * 2 ** 20,
          pathPrefix: '/otlp',
          cors: { allowedOrigins: ['https://*.example.com', '*'], allowedHeaders: ['x-custom'], maxAgeSeconds: 60 },
          readHeaderTimeout: 2_000,
          readTimeout: 60_000,
        },
      },
    });
  });

  it('reports receivers that receive nothing, bad prefixes and bad origins', () => {
    assert.deepEqual(problemsOf(`receivers: {}\n${withExporters(DEBUG_OUT)}`), [
      'receivers: lists no receiver: add otlp and/or xray, or remove receivers to get OTLP on gRPC :4317 and HTTP :4318',
    ]);
    assert.deepEqual(problemsOf(`receivers: { otlp: {} }\n${withExporters(DEBUG_OUT)}`), ['receivers.otlp: enables no protocol: add grpc: {} and/or http: {}']);
    const text = `receivers:
  otlp:
    http:
      path_prefix: /otlp/
      cors: { allowed_origins: ["http://localhost:3000/", "localhost:3000"] }
${withExporters(DEBUG_OUT)}`;
    assert.deepEqual(problemsOf(text), [
      'receivers.otlp.http.path_prefix: must not end with "/" (e.g. "/otlp")',
      'receivers.otlp.http.cors.allowed_origins[0]: "http://localhost:3000/" is not an origin: an origin has no path (browsers send e.g. "http://localhost:3000", with no trailing "/")',
      'receivers.otlp.http.cors.allowed_origins[1]: "localhost:3000" is not an origin: expected "*" or scheme://host[:port] such as "http://localhost:3000" or "https://*.example.com"',
    ]);
  });
});

describe('exporter types', () => {
  it('an unknown type gets a did-you-mean over the known types', () => {
    assert.deepEqual(problemsOf(withExporters('  out: { type: honeycom }\n  x: { type: cloudwatch_log }\n  y: { type: splunk }', '  - { signals: [traces], to: [out] }')), [
      'exporters.out.type: unknown exporter type "honeycom" (did you mean "honeycomb"?); known types: honeycomb, debug, file, xray, rollbar, cloudwatch_logs',
      'exporters.x.type: unknown exporter type "cloudwatch_log" (did you mean "cloudwatch_logs"?); known types: honeycomb, debug, file, xray, rollbar, cloudwatch_logs',
      'exporters.y.type: unknown exporter type "splunk"; known types: honeycomb, debug, file, xray, rollbar, cloudwatch_logs',
    ]);
  });

  it('names must be plain', () => {
    assert.deepEqual(problemsOf(withExporters(`${DEBUG_OUT}\n  "my exporter": { type: debug }\n  __proto__: { type: debug }`)), [
      'exporters["my exporter"]: is not a valid exporter name: use letters, digits, "_", "-", "." and "/", starting with a letter',
      'exporters.__proto__: is not a valid exporter name: use letters, digits, "_", "-", "." and "/", starting with a letter',
    ]);
  });

  it('resolves debug, file and honeycomb settings', () => {
    const text = withExporters(
      `  out: { type: debug, verbosity: detailed }
  f: { type: file, path: ./.relay-data/telemetry.jsonl, rotate_bytes: 10MiB }
  hc: { type: honeycomb, api_key: "0123456789abcdef0123456789abcdef", dataset: cruddur, headers: { x-extra: "1" } }`,
      '  - { signals: [traces, logs, metrics], to: [out, f, hc] }',
    );
    const { exporters } = parseConfig(text, { env: {} });
    assert.deepEqual(exporters.out, { name: 'out', type: 'debug', ...defaults(), verbosity: 'detailed' });
    assert.deepEqual(exporters.f, { name: 'f', type: 'file', ...defaults(), path: './.relay-data/telemetry.jsonl', rotateBytes: 10 * 2 ** 20 });
    assert.deepEqual(exporters.hc, {
      name: 'hc',
      type: 'honeycomb',
      endpoint: 'https://api.honeycomb.io',
      ...defaults(),
      apiKey: '0123456789abcdef0123456789abcdef',
      keyKind: 'classic',
      dataset: 'cruddur',
      headers: { 'x-extra': '1' },
    });
  });

  it('honeycomb headers may not replace the ones the exporter sets', () => {
    assert.deepEqual(problemsOf(withExporters(`  out: { type: honeycomb, api_key: ${VALID_KEY}, headers: { X-Honeycomb-Team: abc, x-honeycomb-dataset: d } }`)), [
      'exporters.out.headers.X-Honeycomb-Team: is set by the exporter; set api_key instead',
      'exporters.out.headers.x-honeycomb-dataset: is set by the exporter; set dataset instead',
    ]);
    assert.deepEqual(problemsOf(withExporters(`  out: { type: honeycomb, api_key: ${VALID_KEY}, headers: { "bad name": x, ok: 1 } }`)), [
      'exporters.out.headers["bad name"]: is not a valid HTTP header name',
      // Header values may be credentials: their text is never shown.
      'exporters.out.headers.ok: expected a string, got a number (put it in quotes)',
    ]);
  });
});

function defaults() {
  return {
    timeoutMs: 10_000,
    queue: { maxBytes: 64 * 2 ** 20, consumers: 2 },
    batch: { maxItems: 8192, timeoutMs: 200, maxBytes: 8 * 2 ** 20 },
    retry: { enabled: true, initialIntervalMs: 1_000, maxIntervalMs: 30_000, maxElapsedMs: 300_000 },
  };
}

describe('routes', () => {
  it('every target must name an exporter, with a did-you-mean', () => {
    const text = withExporters(`  honeycomb: { type: honeycomb, api_key: ${VALID_KEY} }`, '  - { signals: [traces], to: [honeycomb] }\n  - { signals: [logs], to: [honeycomb, honeycom, datadog] }');
    assert.deepEqual(problemsOf(text), ['routes[1].to[1]: no exporter named "honeycom" (did you mean "honeycomb"?)', 'routes[1].to[2]: no exporter named "datadog"']);
  });

  it('a target listed twice is a problem', () => {
    assert.deepEqual(problemsOf(withExporters(DEBUG_OUT, '  - { signals: [traces], to: [out, out] }')), ['routes[0].to[1]: "out" is listed twice']);
  });

  it('a signal the exporter type cannot take is a problem', () => {
    const text = withExporters(
      `  xr: { type: xray }
  rb: { type: rollbar, access_token: tok-123456 }
  cw: { type: cloudwatch_logs }
  out: { type: debug }`,
      `  - { signals: [traces, logs, metrics], to: [out] }
  - { signals: [traces, logs], to: [xr] }
  - { signals: [logs, metrics], to: [rb, cw] }
  - { signals: [traces], to: [cw] }`,
    );
    assert.deepEqual(problemsOf(text), [
      'routes[1].to[0]: exporter "xr" (type xray) cannot take logs; it takes traces only: route those signals elsewhere',
      'routes[2].to[0]: exporter "rb" (type rollbar) cannot take metrics; it takes traces, logs only: route those signals elsewhere',
      'routes[2].to[1]: exporter "cw" (type cloudwatch_logs) cannot take metrics; it takes logs only: route those signals elsewhere',
      'routes[3].to[0]: exporter "cw" (type cloudwatch_logs) cannot take traces; it takes logs only: route those signals elsewhere',
    ]);
  });

  it('resolves match conditions, a single service to a list and an empty match to none', () => {
    const text = withExporters(
      DEBUG_OUT,
      `  - signals: [traces, logs, traces]
    match:
      service: backend-flask
      resource: { deployment.environment: prod, replicas: 3 }
      attributes: { http.route: /api/activities/home, sampled: true }
      error: true
    to: [out]
  - { signals: [metrics], match: { service: [a, b] }, to: [out] }
  - { signals: [logs], match: {}, to: [out] }`,
    );
    assert.deepEqual(parseConfig(text, { env: {} }).routes, [
      {
        signals: ['traces', 'logs'],
        match: { service: ['backend-flask'], resource: { 'deployment.environment': 'prod', replicas: 3 }, attributes: { 'http.route': '/api/activities/home', sampled: true }, error: true },
        to: ['out'],
      },
      { signals: ['metrics'], match: { service: ['a', 'b'] }, to: ['out'] },
      { signals: ['logs'], to: ['out'] },
    ]);
  });

  it('attribute conditions take scalars only', () => {
    assert.deepEqual(problemsOf(withExporters(DEBUG_OUT, '  - { signals: [traces], match: { resource: { "service.version": [1, 2] } }, to: [out] }')), [
      'routes[0].match.resource["service.version"]: expected a string, number or boolean',
    ]);
  });
});

describe('many problems at once', () => {
  it('are all reported together, in document order', () => {
    const text = `
service: { log_level: loud }
receivers: { otlp: { http: { endpoint: "4318" } } }
exporters:
  honeycomb: { type: honeycomb, api_key: "\${env:HONEYCOMB_API_KEY}" }
  out: { type: debug, timeout: soon }
routes:
  - { signals: [traces], to: [honeycom] }
`;
    const problems = problemsOf(text);
    assert.deepEqual(problems, [
      'service.log_level: expected one of "trace", "debug", "info", "warn", "error", "silent", got "loud"',
      'receivers.otlp.http.endpoint: expected host:port (e.g. "0.0.0.0:4318"), got "4318"',
      'exporters.honeycomb.api_key: environment variable HONEYCOMB_API_KEY is not set',
      'exporters.out.timeout: expected a duration such as "200ms", "5s", "1m", "1h" or "1m30s", or a number of milliseconds; got "soon"',
      'routes[0].to[0]: no exporter named "honeycom" (did you mean "honeycomb"?)',
    ]);
  });
});

describe('YAML syntax errors', () => {
  it('give source:line:column, without the excerpt of the line (which would show the key)', () => {
    const text = `exporters:\n  hc:\n    type: honeycomb\n   api_key: ${VALID_KEY}\nroutes: []\n`;
    assert.throws(() => parseConfig(text, { source: 'relay.yaml' }), {
      name: 'ConfigError',
      problems: ['relay.yaml:4:1: All mapping items must start at the same column'],
    });
  });

  it('report each duplicate key, and the first other error too', () => {
    assert.deepEqual(problemsOf('routes: []\nexporters: {}\nroutes: []\n'), ['config:3:1: Map keys must be unique']);
    assert.deepEqual(problemsOf('routes: []\nroutes: []\nexporters: { a: [1, 2 }\n'), [
      'config:2:1: Map keys must be unique',
      'config:3:23: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('point out unquoted ${env:…} inside flow mappings, without the cascade of follow-on errors', () => {
    const text = 'exporters:\n  out: { type: debug, timeout: ${env:T}, verbosity: basic }\n  other: { type: debug }\nroutes:\n  - { signals: [traces], to: [out] }\n';
    assert.deepEqual(problemsOf(text), ['config:2:33: Unexpected flow-map-start at node end (inside { } or [ ], quote ${env:…} references: "${env:NAME}")']);
  });
});

describe('secrets', () => {
  const SECRET_32 = 'f00dfeedf00dfeedf00dfeedf00dfee'; // 31 hex chars: one short of a classic key
  const withSecret = (value: string) =>
    withExporters(`  hc: { type: honeycomb, api_key: "${value}", endpoint: "https://api.honeycomb.io/v1/traces" }\n  rb: { type: rollbar, access_token: ${value}, environment: ${value} }`, '  - { signals: [traces], to: [hc, rb, rbb] }');

  it('never appear in a problem, even where the value is wrong', () => {
    const problems = problemsOf(withSecret(SECRET_32));
    assert.ok(problems.includes('exporters.hc.api_key: has 31 characters; Honeycomb keys have 22, 32 or 64'), problems.join('\n'));
    for (const problem of problems) assert.ok(!problem.includes(SECRET_32), `leaks the secret: ${problem}`);
  });

  it('wrong types and enum mismatches on secret keys show the kind, not the value', () => {
    const problems = problemsOf(withExporters('  hc: { type: honeycomb, api_key: 12345678901234567890123 }', '  - { signals: [traces], to: [hc] }'));
    assert.deepEqual(problems, ['exporters.hc.api_key: expected a string, got a number (put it in quotes)']);
  });

  it('key shape problems describe the key without quoting it', () => {
    const cases: Array<[string, string]> = [
      ['', 'is empty'],
      [` ${VALID_KEY}`, 'starts or ends with whitespace (a stray space or newline in the environment variable?)'],
      [`'${VALID_KEY.slice(2)}'`, 'is wrapped in quotes; remove them'],
      ['abcdefghijklmnopqrstu-', 'has 22 characters but not only letters and digits, as 22-character Honeycomb keys have'],
      ['0123456789abcdef0123456789abcdeg', 'has 32 characters but is not hexadecimal, as 32-character (classic) Honeycomb keys are'],
      ['x'.repeat(64), 'has 64 characters but does not look like a Honeycomb key (64-character keys start with "hc", e.g. "hcaik_…")'],
      ['abc', 'has 3 characters; Honeycomb keys have 22, 32 or 64'],
    ];
    for (const [key, message] of cases) {
      assert.deepEqual(problemsOf(withExporters('  hc: { type: honeycomb, api_key: "${env:KEY}" }', '  - { signals: [traces], to: [hc] }'), { KEY: key }), [`exporters.hc.api_key: ${message}`], key);
    }
  });

  it('are collected from every secret key under exporters, once each', () => {
    const text = withExporters(
      `  hc:
    type: honeycomb
    api_key: \${env:HC_KEY}
  rb:
    type: rollbar
    access_token: \${env:RB_TOKEN}
    environment: \${env:RB_TOKEN}
  rb2:
    type: rollbar
    access_token: \${env:RB_TOKEN}`,
      '  - { signals: [traces], to: [hc, rb, rb2] }',
    );
    const config = parseConfig(text, { env: { HC_KEY: VALID_KEY, RB_TOKEN: 'rollbar-secret-token' } });
    assert.deepEqual(config.secrets, [VALID_KEY, 'rollbar-secret-token']);
  });

  it('are found at any depth and under every listed key name; empty values are not secrets', () => {
    const exporters = {
      a: { type: 'x', api_key: 'k1', nested: { password: 'p1', list: [{ session_token: 's1' }] } },
      b: { token: '', secret_access_key: 'sak', aws_secret_access_key: 'asak', access_token: 'at', other: 'not-a-secret' },
    };
    assert.deepEqual(collectSecrets(exporters), ['k1', 'p1', 's1', 'sak', 'asak', 'at']);
  });

  it('are scrubbed from any problem that would otherwise quote one', () => {
    // The token reused as a (wrongly typed) non-secret value would be quoted; the guard removes it.
    const problems = problemsOf(withExporters('  rb: { type: rollbar, access_token: my-rollbar-token }\n  out: { type: debug, verbosity: my-rollbar-token }', '  - { signals: [traces], to: [rb, out] }'));
    assert.deepEqual(problems, ['exporters.out.verbosity: expected one of "basic", "detailed", got "***"']);
  });
});

describe('warnings', () => {
  it('name exporters no route uses, and classic Honeycomb keys without a dataset', () => {
    const text = withExporters(
      `  classic: { type: honeycomb, api_key: "0123456789abcdef0123456789abcdef" }
  classic_logs: { type: honeycomb, api_key: "hcaic_${'1'.repeat(58)}" }
  spare: { type: debug }`,
      '  - { signals: [traces], to: [classic] }\n  - { signals: [logs], to: [classic_logs] }',
    );
    const config = parseConfig(text, { env: {} });
    assert.equal(config.exporters.classic_logs?.type === 'honeycomb' && config.exporters.classic_logs.keyKind, 'classic');
    assert.deepEqual(config.warnings, [
      'exporters.classic.dataset: classic API keys need a dataset for traces and metrics; Honeycomb answers 401 without one',
      'exporters.spare: is not used by any route',
    ]);
  });
});

describe('YAML features', () => {
  it('anchors, aliases and merge keys share settings between exporters', () => {
    const text = `exporters:
  a: &pipeline
    type: debug
    retry: { max_elapsed: 0s }
  b:
    <<: *pipeline
    verbosity: detailed
routes:
  - { signals: [traces], to: [a, b] }
`;
    const { exporters } = parseConfig(text, { env: {} });
    assert.equal(exporters.b?.type === 'debug' && exporters.b.verbosity, 'detailed');
    assert.equal(exporters.b?.retry.maxElapsedMs, 0);
    assert.equal(exporters.a?.retry.maxElapsedMs, 0);
  });
});

describe('loadConfigFile', () => {
  it('reads a file and names it as the source', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otlp-relay-config-'));
    try {
      const file = join(dir, 'relay.yaml');
      writeFileSync(file, withExporters(DEBUG_OUT));
      assert.equal(loadConfigFile(file, {}).source, file);
      writeFileSync(file, 'exporters: [\n');
      assert.throws(() => loadConfigFile(file, {}), (error: unknown) => error instanceof ConfigError && (error.problems[0] ?? '').startsWith(`${file}:`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says when the file cannot be read', () => {
    assert.throws(() => loadConfigFile('/nonexistent/relay.yaml', {}), { name: 'ConfigError', problems: ['/nonexistent/relay.yaml: cannot read config file: no such file'] });
  });
});
