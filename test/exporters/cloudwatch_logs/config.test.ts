import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/load.ts';
import type { ExporterConfig } from '../../../src/config/types.ts';
import { problemsOf, withExporters } from '../../config/helpers.ts';

const ROUTE = '  - { signals: [logs], to: [cw] }';

function resolve(block: string, env: NodeJS.ProcessEnv = {}): ExporterConfig {
  const config = parseConfig(withExporters(`  cw:\n    type: cloudwatch_logs\n${block}`, ROUTE), { env });
  assert.deepEqual(config.warnings, []);
  return config.exporters['cw']!;
}

describe('cloudwatch_logs config', () => {
  it('resolves defaults: a group per service, a stream per relay, JSON events, 1 MiB events, no retention or tags', () => {
    const cw = resolve('');
    assert.equal(cw.type, 'cloudwatch_logs');
    if (cw.type !== 'cloudwatch_logs') return;
    assert.equal(cw.logGroup, '/otlp-relay/{service.name}');
    assert.equal(cw.logStream, 'otlp-relay/{relay.instance}');
    assert.equal(cw.raw, false);
    assert.equal(cw.maxEventBytes, 1_048_576);
    assert.deepEqual(cw.tags, {});
    assert.equal('retentionDays' in cw, false);
    assert.equal('region' in cw, false, 'absent: the AWS chain decides');
  });

  it('resolves every key', () => {
    const cw = resolve(
      [
        '    region: ${env:AWS_REGION:-us-east-1}',
        '    endpoint: http://127.0.0.1:4566',
        '    log_group: /cruddur/{service.name}',
        '    log_stream: "{host.name:-web}"',
        '    raw: true',
        '    max_event_bytes: 256KiB',
        '    retention_days: 30',
        '    tags: { team: cruddur, "cost center": "42" }',
      ].join('\n'),
      { AWS_REGION: 'eu-west-2' },
    );
    assert.deepEqual(cw, {
      name: 'cw',
      type: 'cloudwatch_logs',
      endpoint: 'http://127.0.0.1:4566',
      timeoutMs: 10_000,
      queue: cw.queue,
      batch: cw.batch,
      retry: cw.retry,
      region: 'eu-west-2',
      logGroup: '/cruddur/{service.name}',
      logStream: '{host.name:-web}',
      raw: true,
      maxEventBytes: 256 * 1024,
      retentionDays: 30,
      tags: { team: 'cruddur', 'cost center': '42' },
    });
  });

  it('checks names against the API rules at start-up, every problem with its path', () => {
    const problems = problemsOf(
      withExporters(
        [
          '  cw:',
          '    type: cloudwatch_logs',
          '    log_group: "aws/my logs/{service.name"',
          '    log_stream: "{host.name}:{container.id}"',
        ].join('\n'),
        ROUTE,
      ),
    );
    assert.deepEqual(problems, [
      'exporters.cw.log_group: has a "{" at character 13 with no closing "}"',
      'exporters.cw.log_group: the literal text has " " (a space), which log group names cannot contain (allowed: letters, digits and . - _ / #)',
      'exporters.cw.log_group: starts with "aws/", which CloudWatch Logs reserves for AWS services',
      'exporters.cw.log_stream: the literal text has ":", which log stream names cannot contain (allowed: any character but : and *)',
    ]);
  });

  it('takes retention days from the allowed list only', () => {
    const [problem] = problemsOf(withExporters('  cw:\n    type: cloudwatch_logs\n    retention_days: 10', ROUTE));
    assert.match(problem ?? '', /^exporters\.cw\.retention_days: must be one of 1, 3, 5, 7, 14, 30, .*, 3653/);
  });

  it('keeps max_event_bytes within the API limit', () => {
    assert.deepEqual(problemsOf(withExporters('  cw:\n    type: cloudwatch_logs\n    max_event_bytes: 2MiB', ROUTE)), ['exporters.cw.max_event_bytes: must be at most 1MiB']);
    assert.deepEqual(problemsOf(withExporters('  cw:\n    type: cloudwatch_logs\n    max_event_bytes: 100B', ROUTE)), ['exporters.cw.max_event_bytes: must be at least 1KiB']);
  });

  it('checks tags: reserved aws: keys and refused characters', () => {
    const problems = problemsOf(withExporters('  cw:\n    type: cloudwatch_logs\n    tags: { "aws:owner": x, team: "a;b" }', ROUTE));
    assert.deepEqual(problems, [
      'exporters.cw.tags["aws:owner"]: tag keys starting with "aws:" are reserved for AWS',
      'exporters.cw.tags.team: tag values hold letters, digits, spaces and _ . : / = + - @ only',
    ]);
  });

  it('rejects unknown keys with a suggestion', () => {
    const [problem] = problemsOf(withExporters('  cw:\n    type: cloudwatch_logs\n    log_groop: /a', ROUTE));
    assert.match(problem ?? '', /exporters\.cw\.log_groop: unknown key.*log_group/);
  });
});
