import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { describeMatch, routeWarnings, summaryLine } from '../../src/startup/summary.ts';
import { startRelay } from '../support/relay.ts';

const KEY = 'abcdefghijklmnopqrstuv';

describe('routeWarnings: routes that can never match, or change nothing', () => {
  const cases: Array<[string, string, string, string[]]> = [
    ['a clean config', '', '  - { signals: [traces], to: [a] }\n  - { signals: [traces], match: { error: true }, to: [b] }', []],
    [
      'error: true on metrics',
      '',
      '  - { signals: [traces, metrics], match: { error: true }, to: [a] }',
      ['routes[0]: match.error: true never matches metrics (data points carry no error status); route metrics separately'],
    ],
    [
      'service and resource service.name disagree',
      '',
      '  - { signals: [traces], match: { service: web, resource: { service.name: api } }, to: [a] }',
      ['routes[0]: never matches: match.service (web) and match.resource service.name (api) cannot both hold'],
    ],
    [
      'a filtered route after a catch-all to the same exporter',
      '',
      '  - { signals: [traces], to: [a] }\n  - { signals: [traces], match: { service: web }, to: [a] }',
      ['routes[1]: changes nothing for traces: an earlier route already sends every span to a'],
    ],
    [
      'logs with only the X-Ray receiver',
      'receivers:\n  xray: { endpoint: "127.0.0.1:2000", route_as_spans: true }\n',
      '  - { signals: [traces, logs], to: [a] }',
      ['routes[0]: never matches logs: no configured receiver takes logs (add receivers.otlp)'],
    ],
  ];
  for (const [what, receivers, routes, expected] of cases) {
    test(what, () => {
      const cfg = parseConfig(`${receivers}exporters:\n  a: { type: debug }\n  b: { type: debug }\nroutes:\n${routes}\n`);
      assert.deepEqual(routeWarnings(cfg), expected);
    });
  }

  test('exporters with no route are warned about by the config loader already', () => {
    const cfg = parseConfig('exporters:\n  a: { type: debug }\n  b: { type: debug }\nroutes:\n  - { signals: [traces], to: [a] }\n');
    assert.deepEqual(cfg.warnings, ['exporters.b: is not used by any route']);
  });
});

test('summaryLine: receivers, exporters with destinations (no key), routes, the admin URL', () => {
  const cfg = parseConfig(`exporters:\n  hc: { type: honeycomb, api_key: ${KEY} }\n  console: { type: debug }\nroutes:\n  - { signals: [traces, logs], to: [hc] }\n  - { signals: [traces], match: { error: true, service: [a, b] }, to: [console] }\n`);
  const line = summaryLine(cfg, [{ name: 'otlp/http', endpoint: '0.0.0.0:4318' }], '0.0.0.0:13133');
  assert.equal(
    line,
    'receivers: otlp/http on 0.0.0.0:4318; exporters: hc (honeycomb → https://api.honeycomb.io), console (debug → the console (stdout)); routes: traces+logs [everything] → hc; traces [service a or b, errors only] → console; status page and /metrics on http://0.0.0.0:13133/',
  );
  assert.ok(!line.includes(KEY));
  assert.equal(describeMatch({ signals: ['logs'], to: ['x'], match: { attributes: { 'http.route': '/x' }, resource: { env: 'prod' } } }), 'resource env=prod, http.route=/x');
});

test('a started relay logs one summary line and a warning per unused exporter and never-matching route', async () => {
  const r = await startRelay(
    `service: { admin: { endpoint: "127.0.0.1:0" } }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  console: { type: debug }
  spare: { type: debug }
routes:
  - { signals: [traces, metrics], match: { error: true }, to: [console] }
`,
    {},
    { admin: true },
  );
  try {
    const lines = r.logs.lines();
    const warnings = lines.filter((l) => l['level'] === 40).map((l) => l['msg']);
    assert.deepEqual(warnings, ['exporters.spare: is not used by any route', 'routes[0]: match.error: true never matches metrics (data points carry no error status); route metrics separately']);
    const started = lines.filter((l) => String(l['msg']).startsWith('otlp-relay '));
    assert.equal(started.length, 1);
    const port = r.relay.admin?.address?.port;
    assert.match(
      String(started[0]!['msg']),
      new RegExp(`started: receivers: otlp/http on 127\\.0\\.0\\.1:\\d+; exporters: console \\(debug → the console \\(stdout\\)\\), spare \\(debug → the console \\(stdout\\)\\); routes: traces\\+metrics \\[errors only\\] → console; status page and /metrics on http://127\\.0\\.0\\.1:${port}/$`),
    );
  } finally {
    await r.stop();
  }
});
