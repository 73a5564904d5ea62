import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { describePlan, planReload } from '../../src/reload/plan.ts';

const KEY = 'abcdefghijklmnopqrstuv';
const BASE = `receivers:
  otlp:
    http: { endpoint: "127.0.0.1:4318" }
exporters:
  hc: { type: honeycomb, api_key: ${KEY} }
  console: { type: debug }
  old: { type: debug }
routes:
  - { signals: [traces], to: [hc, console, old] }
`;

test('planReload: unchanged exporters are kept, changed replaced, new added, missing removed', () => {
  const next = `receivers:
  otlp:
    http: { endpoint: "127.0.0.1:4319" }
exporters:
  hc: { type: honeycomb, api_key: ${KEY}, dataset: d }
  console: { type: debug }
  file: { type: file, path: /tmp/x.jsonl }
routes:
  - { signals: [traces], to: [hc, console, file] }
`;
  const plan = planReload(parseConfig(BASE), parseConfig(next));
  assert.deepEqual(plan, { kept: ['console'], replaced: ['hc'], added: ['file'], removed: ['old'], receivers: { http: true, grpc: false }, admin: false, memory: false, routes: true });
  assert.equal(
    describePlan(plan),
    'replaced hc (queued data moved to the new settings); added file; removed old (draining what they hold); kept console running; routes changed; restarted otlp/http',
  );
});

test('planReload: the same text changes nothing', () => {
  const plan = planReload(parseConfig(BASE), parseConfig(BASE));
  assert.deepEqual(plan.kept, ['hc', 'console', 'old']);
  assert.equal(describePlan(plan), 'kept hc, console, old running');
});

test('planReload: a changed default (queue size) is a change, admin changes are seen', () => {
  const next = BASE.replace('console: { type: debug }', 'console: { type: debug, queue: { max_bytes: 16MiB } }') + 'service: { admin: { enabled: false } }\n';
  const plan = planReload(parseConfig(BASE), parseConfig(next));
  assert.deepEqual(plan.replaced, ['console']);
  assert.equal(plan.admin, true);
});
