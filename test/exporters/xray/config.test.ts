import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/config/load.ts';
import { problemsOf, withExporters } from '../../config/helpers.ts';

const MiB = 2 ** 20;

describe('the xray exporter config', () => {
  test('defaults: region and credentials from the AWS chain, nothing indexed, random trace ids accepted, dots kept', () => {
    const config = parseConfig(withExporters('  out: { type: xray }'), { env: {} });
    assert.deepEqual(config.exporters['out'], {
      name: 'out',
      type: 'xray',
      timeoutMs: 10_000,
      queue: { maxBytes: 64 * MiB, consumers: 2 },
      batch: { maxItems: 8192, timeoutMs: 200, maxBytes: 8 * MiB },
      retry: { enabled: true, initialIntervalMs: 1_000, maxIntervalMs: 30_000, maxElapsedMs: 300_000 },
      indexedAttributes: [],
      indexAllAttributes: false,
      strictTraceIds: false,
      annotationKeyDots: 'keep',
    });
    assert.deepEqual(config.warnings, []);
  });

  test('every key, with an endpoint for local APIs and proxies', () => {
    const config = parseConfig(
      withExporters(`  out:
    type: xray
    region: \${env:AWS_REGION:-us-east-1}
    endpoint: http://127.0.0.1:2000
    indexed_attributes: [app.tier, otel.resource.deployment.environment.name]
    strict_trace_ids: true
    annotation_key_dots: underscore`),
      { env: { AWS_REGION: 'eu-west-2' } },
    );
    const out = config.exporters['out'];
    assert.ok(out?.type === 'xray');
    assert.equal(out.region, 'eu-west-2');
    assert.equal(out.endpoint, 'http://127.0.0.1:2000');
    assert.deepEqual(out.indexedAttributes, ['app.tier', 'otel.resource.deployment.environment.name']);
    assert.equal(out.strictTraceIds, true);
    assert.equal(out.annotationKeyDots, 'underscore');
  });

  test('mistakes are named with their path', () => {
    const problems = problemsOf(
      withExporters(`  out:
    type: xray
    regoin: us-east-1
    indexed_attributes: app.tier
    annotation_key_dots: drop
    strict_trace_ids: "yes"`),
    );
    assert.deepEqual(problems.sort(), [
      'exporters.out.annotation_key_dots: expected one of "keep", "underscore", got "drop"',
      'exporters.out.indexed_attributes: expected a list, got "app.tier"',
      'exporters.out.regoin: unknown key (did you mean "region"?)',
      'exporters.out.strict_trace_ids: expected true or false, got "yes"',
    ]);
  });

  test('xray takes traces only', () => {
    assert.deepEqual(problemsOf(withExporters('  out: { type: xray }', '  - { signals: [logs], to: [out] }')), [
      'routes[0].to[0]: exporter "out" (type xray) cannot take logs; it takes traces only: route those signals elsewhere',
    ]);
  });

  test('advice: a list ignored by index_all_attributes, and more keys than X-Ray indexes per trace', () => {
    const both = parseConfig(withExporters('  out: { type: xray, index_all_attributes: true, indexed_attributes: [a] }'), { env: {} });
    assert.deepEqual(both.warnings, ['exporters.out.indexed_attributes: is ignored: index_all_attributes is true']);
    const keys = Array.from({ length: 51 }, (_, i) => `k${i}`).join(', ');
    const many = parseConfig(withExporters(`  out: { type: xray, indexed_attributes: [${keys}] }`), { env: {} });
    assert.deepEqual(many.warnings, ['exporters.out.indexed_attributes: lists 51 keys; X-Ray indexes at most 50 annotations per trace, the rest go to metadata']);
  });
});
