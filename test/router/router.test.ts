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
