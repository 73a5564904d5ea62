import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/config/load.ts';
import { itemUrl } from '../../../src/exporters/rollbar/config.ts';
import { problemsOf, withExporters } from '../../config/helpers.ts';

const MiB = 2 ** 20;
const TOKEN = '0123456789abcdef0123456789abcdef';
const ROUTES = '  - { signals: [traces, logs], match: { error: true }, to: [out] }';

describe('the rollbar exporter config', () => {
  test('defaults: Rollbar\'s item API, ERROR logs and up, 60 items a minute, Rollbar\'s own grouping', () => {
    const config = parseConfig(withExporters('  out: { type: rollbar, access_token: "${env:ROLLBAR_ACCESS_TOKEN}" }', ROUTES), { env: { ROLLBAR_ACCESS_TOKEN: TOKEN } });
    assert.deepEqual(config.exporters['out'], {
      name: 'out',
      type: 'rollbar',
      endpoint: 'https://api.rollbar.com/api/1/item/',
      timeoutMs: 10_000,
      queue: { maxBytes: 64 * MiB, consumers: 2 },
      batch: { maxItems: 8192, timeoutMs: 200, maxBytes: 8 * MiB },
      retry: { enabled: true, initialIntervalMs: 1_000, maxIntervalMs: 30_000, maxElapsedMs: 300_000 },
      accessToken: TOKEN,
      minSeverity: 17,
      httpServerErrors: false,
      itemsPerMinute: 60,
      fingerprint: false,
    });
    assert.deepEqual(config.secrets, [TOKEN]);
    assert.deepEqual(config.warnings, []);
  });

  test('every key', () => {
    const config = parseConfig(
      withExporters(
        `  out:
    type: rollbar
    access_token: ${TOKEN}
    endpoint: http://127.0.0.1:8080
    environment: production
    min_severity: warn
    http_server_errors: true
    items_per_minute: 0
    fingerprint: true
    trace_url: "https://ui.honeycomb.io/cruddur/environments/prod/trace?trace_id={trace_id}"`,
        ROUTES,
      ),
      { env: {} },
    );
    const out = config.exporters['out'];
    assert.ok(out?.type === 'rollbar');
    assert.equal(out.endpoint, 'http://127.0.0.1:8080/api/1/item/');
    assert.equal(out.environment, 'production');
    assert.equal(out.minSeverity, 13);
    assert.equal(out.httpServerErrors, true);
    assert.equal(out.itemsPerMinute, 0);
    assert.equal(out.fingerprint, true);
    assert.equal(out.traceUrl, 'https://ui.honeycomb.io/cruddur/environments/prod/trace?trace_id={trace_id}');
    const numeric = parseConfig(withExporters(`  out: { type: rollbar, access_token: ${TOKEN}, min_severity: 21 }`, ROUTES), { env: {} }).exporters['out'];
    assert.ok(numeric?.type === 'rollbar' && numeric.minSeverity === 21);
  });

  test('the endpoint: a base URL gets the item path, the item URL or a proxy path is used as given', () => {
    assert.equal(itemUrl('https://api.rollbar.com'), 'https://api.rollbar.com/api/1/item/');
    assert.equal(itemUrl('https://api.rollbar.com/api/1/'), 'https://api.rollbar.com/api/1/item/');
    assert.equal(itemUrl('https://api.rollbar.com/api/1'), 'https://api.rollbar.com/api/1/item/');
    assert.equal(itemUrl('https://api.rollbar.com/api/1/item/'), 'https://api.rollbar.com/api/1/item/');
    assert.equal(itemUrl('http://proxy:8080/rollbar/item'), 'http://proxy:8080/rollbar/item');
    assert.equal(itemUrl('http://proxy:8080/rollbar/'), 'http://proxy:8080/rollbar/');
  });

  test('problems, each at its key, never quoting the token', () => {
    const problems = problemsOf(
      withExporters(
        `  a: { type: rollbar }
  b: { type: rollbar, access_token: " ${TOKEN}", endpoint: "ftp://x", min_severity: loud, items_per_minute: -1 }
  c: { type: rollbar, access_token: "'${TOKEN}'", endpoint: "https://user:pw@api.rollbar.com", environment: "${'e'.repeat(256)}" }
  d: { type: rollbar, access_token: "${TOKEN}", trace_url: "ui.honeycomb.io/{trace}" }
  e: { type: rollbar, access_token: "${TOKEN}", trace_url: "https://ui.honeycomb.io/{service.name}" }`,
        '  - { signals: [traces], to: [a, b, c, d, e] }',
      ),
    );
    assert.deepEqual(problems, [
      'exporters.a.access_token: is required',
      'exporters.b.access_token: starts or ends with whitespace (a stray space or newline in the environment variable?)',
      'exporters.b.endpoint: expected an http(s) URL, got scheme "ftp"',
      'exporters.b.min_severity: expected one of trace, debug, info, warn, error, fatal or a severity number 1-24',
      'exporters.b.items_per_minute: must be at least 0, got -1',
      'exporters.c.access_token: is wrapped in quotes; remove them',
      'exporters.c.endpoint: must not contain credentials; set access_token instead',
      'exporters.c.environment: must have at most 255 characters',
      'exporters.d.trace_url: must start with http:// or https:// and a host',
      'exporters.d.trace_url: has unknown placeholder {trace}; known: {trace_id}, {span_id}, {xray_trace_id}, {service.name}, {environment}',
      'exporters.e.trace_url: names no trace: use {trace_id} or {xray_trace_id}',
    ]);
    for (const p of problems) assert.ok(!p.includes(TOKEN), p);
  });

  test('advice: keys that cannot apply to what the routes send', () => {
    const config = parseConfig(withExporters(`  out: { type: rollbar, access_token: ${TOKEN}, http_server_errors: true }\n  logs: { type: rollbar, access_token: ${TOKEN}, min_severity: warn }`, '  - { signals: [logs], to: [out] }\n  - { signals: [traces], to: [logs] }'), { env: {} });
    assert.deepEqual(config.warnings, [
      'exporters.out.http_server_errors: has no effect: no route sends traces to this exporter',
      'exporters.logs.min_severity: has no effect: no route sends logs to this exporter',
    ]);
  });
});
