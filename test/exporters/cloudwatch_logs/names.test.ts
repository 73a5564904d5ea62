import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttrMap } from '../../../src/otlp/attributes.ts';
import { DEFAULT_STREAM_TEMPLATE, MISSING_VALUE, NameTemplate, relayInstanceId, type NameKind } from '../../../src/exporters/cloudwatch_logs/names.ts';

function template(text: string, kind: NameKind): NameTemplate {
  const parsed = NameTemplate.parse(text, kind);
  assert.ok('template' in parsed, `"${text}" should be valid: ${'problems' in parsed ? parsed.problems.join('; ') : ''}`);
  return parsed.template;
}

function problems(text: string, kind: NameKind): string[] {
  const parsed = NameTemplate.parse(text, kind);
  return 'problems' in parsed ? parsed.problems : [];
}

const attrs = (o: Record<string, AttrMap[string]>): AttrMap => Object.assign(Object.create(null) as AttrMap, o);

describe('name templates: parsing and the API rules, at config time', () => {
  it('accepts the contract examples', () => {
    assert.deepEqual(template('/cruddur/{service.name}', 'group').keys, ['service.name']);
    assert.deepEqual(template('{host.name}', 'stream').keys, ['host.name']);
    assert.deepEqual(template(DEFAULT_STREAM_TEMPLATE, 'stream').keys, []);
  });

  it('refuses group characters outside [.-_/#A-Za-z0-9], naming them', () => {
    assert.deepEqual(problems('/cruddur logs/{service.name}', 'group'), [
      'the literal text has " " (a space), which log group names cannot contain (allowed: letters, digits and . - _ / #)',
    ]);
    assert.equal(problems('app:{service.name}', 'group').length, 1);
    assert.deepEqual(problems('app:{service.name}', 'stream'), ['the literal text has ":", which log stream names cannot contain (allowed: any character but : and *)']);
    assert.equal(problems('a*b', 'stream').length, 1);
    assert.deepEqual(problems('a b é', 'stream'), [], 'streams take spaces and any other character');
  });

  it('refuses the reserved aws/ prefix, empty names and over-long literal text', () => {
    assert.deepEqual(problems('aws/lambda/{service.name}', 'group'), ['starts with "aws/", which CloudWatch Logs reserves for AWS services']);
    assert.deepEqual(problems('', 'group'), ['is empty; log group names have 1 to 512 characters']);
    assert.deepEqual(problems('x'.repeat(513), 'stream'), ['has 513 characters of literal text; log stream names have at most 512']);
    assert.deepEqual(problems('x'.repeat(512), 'stream'), []);
  });

  it('refuses broken placeholders and bad fallbacks', () => {
    assert.deepEqual(problems('/a/{service.name', 'group'), ['has a "{" at character 4 with no closing "}"']);
    assert.deepEqual(problems('/a/service.name}', 'group'), ['has a "}" at character 16 that closes no "{"']);
    assert.deepEqual(problems('/a/{}', 'group'), ['has "{}": expected {attribute.key} or {attribute.key:-fallback}']);
    assert.deepEqual(problems('/a/{service.name:-my app}', 'group'), [
      'the fallback in "{service.name:-my app}" has " " (a space), which log group names cannot contain (allowed: letters, digits and . - _ / #)',
    ]);
  });
});

describe('name templates: rendering from resource attributes', () => {
  it('fills placeholders from the resource', () => {
    const t = template('/cruddur/{service.name}/{deployment.environment}', 'group');
    assert.equal(t.render(attrs({ 'service.name': 'backend-flask', 'deployment.environment': 'prod' }), 'i'), '/cruddur/backend-flask/prod');
  });

  it('uses the placeholder fallback, else "unknown", for a missing, empty or non-scalar attribute', () => {
    const t = template('{host.name:-web}/{container.id}', 'stream');
    assert.equal(t.render(attrs({}), 'i'), `web/${MISSING_VALUE}`);
    assert.equal(t.render(attrs({ 'host.name': '', 'container.id': ['a'] }), 'i'), `web/${MISSING_VALUE}`);
    assert.equal(t.render(attrs({ 'host.name': 'h1', 'container.id': 42n }), 'i'), 'h1/42');
  });

  it('makes filled-in values valid: refused characters become _, the aws/ prefix is escaped, length is capped', () => {
    const group = template('{service.name}', 'group');
    assert.equal(group.render(attrs({ 'service.name': 'unknown_service:node' }), 'i'), 'unknown_service_node');
    assert.equal(group.render(attrs({ 'service.name': 'Backend Flask (v2)' }), 'i'), 'Backend_Flask__v2_');
    assert.equal(group.render(attrs({ 'service.name': 'aws/lambda' }), 'i'), '_aws/lambda');
    assert.equal(group.render(attrs({ 'service.name': 'x'.repeat(600) }), 'i').length, 512);
    const stream = template('{k8s.pod.name}', 'stream');
    assert.equal(stream.render(attrs({ 'k8s.pod.name': 'a:b*c d' }), 'i'), 'a_b_c d');
    const emoji = stream.render(attrs({ 'k8s.pod.name': `${'x'.repeat(511)}😀` }), 'i');
    assert.equal(emoji.length, 511, 'a surrogate pair is not split at the cap');
  });

  it('gives every relay process its own default stream', () => {
    const stream = template(DEFAULT_STREAM_TEMPLATE, 'stream');
    const a = stream.render(attrs({}), relayInstanceId('web-1'));
    const b = stream.render(attrs({}), relayInstanceId('web-1'));
    assert.match(a, /^otlp-relay\/web-1-[0-9a-f]{8}$/);
    assert.notEqual(a, b, 'two relays on one host (or two containers with one host name) differ');
    assert.ok(stream.constant, 'the same for every resource');
    assert.match(relayInstanceId('host:with*odd chars'), /^host_with_odd_chars-[0-9a-f]{8}$/);
  });
});
