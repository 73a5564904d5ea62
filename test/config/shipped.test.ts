import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfigFile, parseConfig } from '../../src/config/load.ts';
import type { ResolvedConfig } from '../../src/config/types.ts';

const LOCAL = new URL('../../config/local.yaml', import.meta.url).pathname;
const CRUDDUR = new URL('../../config/cruddur.yaml', import.meta.url).pathname;
const HONEYCOMB_KEY = `hcaik_${'01hx3example'.padEnd(58, '0')}`; // 64 characters: an environment ingest key's shape

const MiB = 2 ** 20;
const PIPELINE_DEFAULTS = {
  timeoutMs: 10_000,
  queue: { maxBytes: 64 * MiB, consumers: 2 },
  batch: { maxItems: 8192, timeoutMs: 200, maxBytes: 8 * MiB },
  retry: { enabled: true, initialIntervalMs: 1_000, maxIntervalMs: 30_000, maxElapsedMs: 300_000 },
};
const OTLP_RECEIVERS = {
  otlp: {
    grpc: { endpoint: '0.0.0.0:4317', maxRecvMsgSize: 20 * MiB },
    http: {
      endpoint: '0.0.0.0:4318',
      maxRequestBodySize: 20 * MiB,
      pathPrefix: '',
      cors: { allowedOrigins: ['http://localhost:3000'], allowedHeaders: [], maxAgeSeconds: 7200 },
      readHeaderTimeout: 10_000,
      readTimeout: 30_000,
    },
  },
};

/** The file's commented-out blocks (`# --- … ---` to `# --- end ---`) uncommented. */
function uncommentBlocks(text: string): string {
  let inside = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*# --- end ---$/.test(line)) {
        inside = false;
        return '';
      }
      if (/^\s*# --- .* ---$/.test(line)) {
        inside = true;
        return '';
      }
      return inside ? line.replace(/^(\s*)# /, '$1') : line;
    })
    .join('\n');
}

describe('config/local.yaml', () => {
  it('resolves, with no environment at all, to the expected object', () => {
    const expected: ResolvedConfig = {
      source: LOCAL,
      service: { logLevel: 'info', shutdownTimeout: 10_000, admin: { enabled: true, endpoint: '0.0.0.0:13133' }, memoryLimiterEnabled: true },
      receivers: OTLP_RECEIVERS,
      exporters: { console: { name: 'console', type: 'debug', ...PIPELINE_DEFAULTS, verbosity: 'basic' } },
      routes: [{ signals: ['traces', 'logs', 'metrics'], to: ['console'] }],
      secrets: [],
      warnings: [],
    };
    assert.deepEqual(loadConfigFile(LOCAL, {}), expected);
  });

  it('stays valid with its commented-out Honeycomb blocks uncommented', () => {
    const config = parseConfig(uncommentBlocks(readFileSync(LOCAL, 'utf8')), { env: { HONEYCOMB_API_KEY: HONEYCOMB_KEY } });
    assert.deepEqual(Object.keys(config.exporters), ['console', 'honeycomb']);
    assert.deepEqual(config.routes.at(-1), { signals: ['traces', 'logs', 'metrics'], to: ['honeycomb'] });
    assert.deepEqual(config.secrets, [HONEYCOMB_KEY]);
  });
});

/** The CloudWatch Logs exporter as config/cruddur.yaml resolves it (AWS_REGION unset). */
const CLOUDWATCH = {
  name: 'cloudwatch',
  type: 'cloudwatch_logs',
  ...PIPELINE_DEFAULTS,
  region: 'us-east-1',
  logGroup: '/cruddur/{service.name}',
  logStream: '{host.name}',
  raw: false,
  maxEventBytes: 1_048_576,
  tags: {},
} as const;

/** The X-Ray exporter as config/cruddur.yaml resolves it (AWS_REGION unset). */
const XRAY = {
  name: 'xray',
  type: 'xray' as const,
  ...PIPELINE_DEFAULTS,
  region: 'us-east-1',
  indexedAttributes: [] as string[],
  indexAllAttributes: false,
  strictTraceIds: false,
  annotationKeyDots: 'keep' as const,
};

const ROLLBAR_TOKEN = 'rollbar-token-0123456789abcdef';

/** The Rollbar exporter as config/cruddur.yaml resolves it. */
const ROLLBAR = {
  name: 'rollbar',
  type: 'rollbar' as const,
  endpoint: 'https://api.rollbar.com/api/1/item/',
  ...PIPELINE_DEFAULTS,
  accessToken: ROLLBAR_TOKEN,
  environment: 'development',
  minSeverity: 17,
  httpServerErrors: false,
  itemsPerMinute: 60,
  fingerprint: false,
};

/** The X-Ray daemon drop-in as config/cruddur.yaml resolves it: segments to the xray exporter as they are. */
const XRAY_RECEIVER = { endpoint: '0.0.0.0:2000', forwardTo: ['xray'], routeAsSpans: false, sampling: 'auto' as const };

describe('config/cruddur.yaml', () => {
  it('resolves, with HONEYCOMB_API_KEY and ROLLBAR_ACCESS_TOKEN set, to the expected object', () => {
    const expected: ResolvedConfig = {
      source: CRUDDUR,
      service: { logLevel: 'info', shutdownTimeout: 10_000, admin: { enabled: true, endpoint: '0.0.0.0:13133' }, memoryLimiterEnabled: true },
      receivers: { ...OTLP_RECEIVERS, xray: XRAY_RECEIVER },
      exporters: {
        honeycomb: {
          name: 'honeycomb',
          type: 'honeycomb',
          endpoint: 'https://api.honeycomb.io',
          ...PIPELINE_DEFAULTS,
          apiKey: HONEYCOMB_KEY,
          keyKind: 'environment',
          headers: {},
        },
        xray: XRAY,
        rollbar: ROLLBAR,
        cloudwatch: CLOUDWATCH,
      },
      routes: [
        { signals: ['traces', 'logs'], to: ['honeycomb'] },
        { signals: ['traces'], to: ['xray'] },
        { signals: ['traces', 'logs'], match: { error: true }, to: ['rollbar'] },
        { signals: ['logs'], to: ['cloudwatch'] },
      ],
      secrets: [HONEYCOMB_KEY, ROLLBAR_TOKEN],
      warnings: [],
    };
    assert.deepEqual(loadConfigFile(CRUDDUR, { HONEYCOMB_API_KEY: HONEYCOMB_KEY, ROLLBAR_ACCESS_TOKEN: ROLLBAR_TOKEN }), expected);
  });

  it('names the missing HONEYCOMB_API_KEY and ROLLBAR_ACCESS_TOKEN when they are not set', () => {
    assert.throws(() => loadConfigFile(CRUDDUR, {}), {
      name: 'ConfigError',
      problems: ['exporters.honeycomb.api_key: environment variable HONEYCOMB_API_KEY is not set', 'exporters.rollbar.access_token: environment variable ROLLBAR_ACCESS_TOKEN is not set'],
    });
  });

  it('stays valid with its commented-out blocks uncommented', () => {
    const config = parseConfig(uncommentBlocks(readFileSync(CRUDDUR, 'utf8')), {
      env: { HONEYCOMB_API_KEY: HONEYCOMB_KEY, ROLLBAR_ACCESS_TOKEN: ROLLBAR_TOKEN },
    });
    assert.deepEqual(config.receivers.xray, XRAY_RECEIVER);
    const { honeycomb: _honeycomb, ...others } = config.exporters;
    assert.deepEqual(others, {
      xray: XRAY,
      rollbar: ROLLBAR,
      cloudwatch: CLOUDWATCH,
    });
    assert.deepEqual(config.routes, [
      { signals: ['traces', 'logs'], to: ['honeycomb'] },
      { signals: ['traces'], to: ['xray'] },
      { signals: ['traces', 'logs'], match: { error: true }, to: ['rollbar'] },
      { signals: ['logs'], to: ['cloudwatch'] },
    ]);
    assert.deepEqual(config.secrets, [HONEYCOMB_KEY, ROLLBAR_TOKEN]);
    assert.deepEqual(config.warnings, []);
  });
});

describe('the architecture contract example', () => {
  it('validates as written', () => {
    const text = `
receivers:
  otlp:
    grpc: { endpoint: "0.0.0.0:4317" }
    http: { endpoint: "0.0.0.0:4318", cors: { allowed_origins: ["http://localhost:3000"] } }
  xray: { endpoint: "0.0.0.0:2000" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: \${env:HONEYCOMB_API_KEY}
    endpoint: https://api.honeycomb.io
  xray:
    type: xray
    region: \${env:AWS_REGION:-us-east-1}
  rollbar:
    type: rollbar
    access_token: \${env:ROLLBAR_ACCESS_TOKEN}
    environment: development
  cloudwatch:
    type: cloudwatch_logs
    region: \${env:AWS_REGION:-us-east-1}
    log_group: /cruddur/{service.name}
    log_stream: "{host.name}"
  console:
    type: debug
routes:
  - { signals: [traces], to: [honeycomb, xray] }
  - { signals: [traces, logs], match: { error: true }, to: [rollbar] }
  - { signals: [logs], to: [cloudwatch, honeycomb] }
`;
    const config = parseConfig(text, { env: { HONEYCOMB_API_KEY: HONEYCOMB_KEY, ROLLBAR_ACCESS_TOKEN: 'tok-abcdef', AWS_REGION: 'eu-west-2' } });
    assert.deepEqual(Object.keys(config.exporters), ['honeycomb', 'xray', 'rollbar', 'cloudwatch', 'console']);
    assert.equal(config.exporters.xray?.type === 'xray' && config.exporters.xray.region, 'eu-west-2');
    assert.deepEqual(config.warnings, ['exporters.console: is not used by any route']);
  });
});
