import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest, encodeRequest } from '../../src/otlp/codec.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { Router, type RouteSpec } from '../../src/router/router.ts';
import { logsRequest, traceRequest } from '../support/otlp.ts';

function names(bytes: Uint8Array): string[] {
  const req = decodeRequest('traces', bytes);
  return req.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
}

function merged(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

const router = (routes: RouteSpec[]) => new Router<string>(routes, (n) => n);

test('with no match the original bytes pass through untouched', () => {
  const { bytes } = traceRequest('api', 3);
  const plan = router([{ signals: ['traces'], to: ['hc', 'xray'] }]).plan('traces', bytes, scanRequest('traces', bytes));
  assert.deepEqual(plan.map((p) => p.dest), ['hc', 'xray']);
  for (const p of plan) {
    assert.equal(p.payload.bytes, bytes, 'the same buffer: no decode, no copy');
    assert.equal(p.payload.items, 3);
  }
});

test('a service match selects whole resources by byte slices', () => {
  const bytes = merged(traceRequest('frontend', [{ name: 'f1' }, { name: 'f2' }]).bytes, traceRequest('backend', [{ name: 'b1' }]).bytes);
  const plan = router([{ signals: ['traces'], match: { service: ['backend'] }, to: ['be'] }]).plan('traces', bytes, scanRequest('traces', bytes));
  assert.equal(plan.length, 1);
  assert.deepEqual(names(plan[0]!.payload.bytes), ['b1']);
  assert.equal(plan[0]!.payload.items, 1);
});

test('resource attribute equality, including numbers', () => {
  const bytes = merged(traceRequest('a', [{ name: 'prod' }], { 'deployment.environment': 'prod', 'shard': 3 }).bytes, traceRequest('a', [{ name: 'dev' }], { 'deployment.environment': 'dev' }).bytes);
  const plan = router([{ signals: ['traces'], match: { resource: { 'deployment.environment': 'prod', shard: 3 } }, to: ['x'] }]).plan('traces', bytes, scanRequest('traces', bytes));
  assert.deepEqual(names(plan[0]!.payload.bytes), ['prod']);
});

test('error: true takes spans with status ERROR or an exception event, and nothing else', () => {
  const { bytes } = traceRequest('api', [{ name: 'ok' }, { name: 'status', error: true }, { name: 'exc', exception: true }]);
  const plan = router([{ signals: ['traces'], match: { error: true }, to: ['rollbar'] }]).plan('traces', bytes, scanRequest('traces', bytes));
  assert.deepEqual(names(plan[0]!.payload.bytes), ['status', 'exc']);
  assert.equal(plan[0]!.payload.items, 2);
});

test('span attribute equality', () => {
  const { bytes } = traceRequest('api', [
    { name: 'home', attributes: { 'http.route': '/api/activities/home', 'http.response.status_code': 200 } },
    { name: 'msg', attributes: { 'http.route': '/api/messages', 'http.response.status_code': 500 } },
  ]);
  const plan = router([{ signals: ['traces'], match: { attributes: { 'http.response.status_code': 500 } }, to: ['x'] }]).plan('traces', bytes, scanRequest('traces', bytes));
  assert.deepEqual(names(plan[0]!.payload.bytes), ['msg']);
});

test('an exporter named by several matching routes gets each item once', () => {
  const { bytes } = traceRequest('backend', [{ name: 'ok' }, { name: 'bad', error: true }]);
  const plan = router([
    { signals: ['traces'], match: { error: true }, to: ['hc'] },
    { signals: ['traces'], match: { service: ['backend'] }, to: ['hc'] },
  ]).plan('traces', bytes, scanRequest('traces', bytes));
  assert.equal(plan.length, 1);
  assert.deepEqual(names(plan[0]!.payload.bytes), ['ok', 'bad']);
});

test('error logs are those at severity ERROR or above', () => {
  const bytes = logsRequest('api', [9, 13, 17, 21]);
  const plan = router([{ signals: ['logs'], match: { error: true }, to: ['rollbar'] }]).plan('logs', bytes, scanRequest('logs', bytes));
  const req = decodeRequest('logs', plan[0]!.payload.bytes);
  assert.deepEqual(req.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((l) => l.severityNumber), [17, 21]);
});

test('a signal no route takes, and a match nothing satisfies, plan nothing', () => {
  const { bytes } = traceRequest('api', [{ name: 'ok' }]);
  const r = router([{ signals: ['logs'], to: ['cw'] }, { signals: ['traces'], match: { error: true }, to: ['rollbar'] }]);
  assert.equal(r.hasRoutes('metrics'), false);
  assert.deepEqual(r.plan('traces', bytes, scanRequest('traces', bytes)), []);
  const metrics = encodeRequest('metrics', { resourceMetrics: [] });
  assert.deepEqual(r.plan('metrics', metrics, scanRequest('metrics', metrics)), []);
});

// ---- a repeated resource key (OTLP forbids it, senders do it): every path reads the first ----

const twice = (k: string, first: string, second: string) => [
  { key: k, value: { stringValue: first } },
  { key: k, value: { stringValue: second } },
];

/** A request of `signal` whose resource holds service.name "first", then "second": one ok and one error item, both on /x. */
function duplicateService(signal: 'traces' | 'logs' | 'metrics'): Uint8Array {
  const resource = { attributes: twice('service.name', 'first', 'second') };
  const route = [{ key: 'http.route', value: { stringValue: '/x' } }];
  if (signal === 'traces') {
    const span = (name: string, code: number) => ({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, name.length), name, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: route, status: { code } });
    return encodeRequest('traces', { resourceSpans: [{ resource, scopeSpans: [{ spans: [span('ok', 0), span('failed', 2)] }] }] });
  }
  if (signal === 'logs') {
    const record = (severityNumber: number) => ({ timeUnixNano: 1n, severityNumber, attributes: route, body: { stringValue: `severity ${severityNumber}` } });
    return encodeRequest('logs', { resourceLogs: [{ resource, scopeLogs: [{ logRecords: [record(9), record(17)] }] }] });
  }
  const point = (asInt: number) => ({ timeUnixNano: 1n, asInt, attributes: route });
  return encodeRequest('metrics', { resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [{ name: 'requests', gauge: { dataPoints: [point(1), point(2)] } }] }] }] });
}

/** Items per destination; each destination named by one route, so each takes one routing path. */
function itemsBy(signal: 'traces' | 'logs' | 'metrics', bytes: Uint8Array, routes: RouteSpec[]): Record<string, number> {
  const plan = router(routes).plan(signal, bytes, scanRequest(signal, bytes));
  return Object.fromEntries(plan.map((p) => [p.dest, p.payload.items]));
}

for (const signal of ['traces', 'logs'] as const) {
  test(`${signal}: a repeated service.name routes by its first value on the slice, wire and decode paths alike`, () => {
    const bytes = duplicateService(signal);
    const routes = (service: string): RouteSpec[] => [
      { signals: [signal], match: { service: [service] }, to: [`slices:${service}`] }, // resource-level: byte slices
      { signals: [signal], match: { resource: { 'service.name': service } }, to: [`slices-resource:${service}`] },
      { signals: [signal], match: { service: [service], error: true }, to: [`wire:${service}`] }, // error: the wire filter
      { signals: [signal], match: { service: [service], attributes: { 'http.route': '/x' } }, to: [`decoded:${service}`] }, // attributes: one decode
    ];
    assert.deepEqual(itemsBy(signal, bytes, [...routes('first'), ...routes('second')]), {
      'slices:first': 2,
      'slices-resource:first': 2,
      'wire:first': 1,
      'decoded:first': 2,
    });
  });
}

test('metrics: a repeated service.name routes by its first value on the slice and decode paths alike', () => {
  const bytes = duplicateService('metrics');
  const routes = (service: string): RouteSpec[] => [
    { signals: ['metrics'], match: { service: [service] }, to: [`slices:${service}`] },
    { signals: ['metrics'], match: { service: [service], attributes: { 'http.route': '/x' } }, to: [`decoded:${service}`] },
  ];
  assert.deepEqual(itemsBy('metrics', bytes, [...routes('first'), ...routes('second')]), { 'slices:first': 2, 'decoded:first': 2 });
});
