import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandString, substituteEnv } from '../../src/config/env.ts';
import { parseConfig } from '../../src/config/load.ts';
import { problemsOf, VALID_KEY, withExporters } from './helpers.ts';

describe('expandString', () => {
  const env = { HOST: 'relay.local', PORT: '4318', EMPTY: '' };
  const cases: Array<[string, string]> = [
    ['plain text', 'plain text'],
    ['${env:HOST}', 'relay.local'],
    ['http://${env:HOST}:${env:PORT}/x', 'http://relay.local:4318/x'],
    ['${env:MISSING:-fallback}', 'fallback'],
    ['${env:EMPTY:-fallback}', 'fallback'],
    ['${env:HOST:-fallback}', 'relay.local'],
    ['${env:MISSING:-}', ''],
    ['${env:MISSING:-a:b c}', 'a:b c'],
    ['${env:MISSING:-${env:HOST}', '${env:HOST'],
    ['$${env:HOST}', '${env:HOST}'],
    ['cost: $5 and $$ and $', 'cost: $5 and $$ and $'],
    ['$${literal} then ${env:PORT}', '${literal} then 4318'],
    ['${env:EMPTY}', ''],
  ];
  for (const [text, value] of cases) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(value)}`, () => {
      const expansion = expandString(text, env);
      assert.deepEqual(expansion.errors, []);
      assert.equal(expansion.value, value);
    });
  }

  it('marks whether the value came from the environment', () => {
    assert.equal(expandString('${env:PORT}', env).substituted, true);
    assert.equal(expandString('$${env:PORT}', env).substituted, false);
    assert.equal(expandString('4318', env).substituted, false);
  });

  const errors: Array<[string, string]> = [
    ['${env:MISSING}', 'environment variable MISSING is not set'],
    ['${env:HOTS}', 'environment variable HOTS is not set (did you mean "HOST"?)'],
    ['${HOST}', '"${HOST}" is not supported: write ${env:HOST}'],
    ['${env:bad-name}', 'invalid reference: expected ${env:NAME} or ${env:NAME:-default} (write $${ for a literal ${)'],
    ['abc ${env:HOST', 'unterminated "${": expected ${env:NAME} or ${env:NAME:-default} (write $${ for a literal ${)'],
  ];
  for (const [text, message] of errors) {
    it(`reports ${JSON.stringify(text)}`, () => assert.deepEqual(expandString(text, env).errors, [message]));
  }

  it('reports every unset variable in one string', () => {
    assert.deepEqual(expandString('${env:A}-${env:B}', {}).errors, ['environment variable A is not set', 'environment variable B is not set']);
  });

  it('never echoes the text of a bad reference (its default may be a secret)', () => {
    const [message] = expandString('${env:not valid:-hunter2-secret}', {}).errors;
    assert.ok(message !== undefined && !message.includes('hunter2'), message);
  });
});

describe('substituteEnv', () => {
  it('substitutes string scalars at every depth, never keys, and records paths', () => {
    const tree = { a: { '${env:K}': '${env:V}', list: ['x', '${env:V}', 5, true, null] } };
    const result = substituteEnv(tree, { K: 'key', V: 'value' });
    assert.deepEqual(result.value, { a: { '${env:K}': 'value', list: ['x', 'value', 5, true, null] } });
    assert.deepEqual([...result.substituted], ['a["${env:K}"]', 'a.list[1]']);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(tree.a.list[1], '${env:V}', 'the input tree is not modified');
  });
});

describe('env references in a config', () => {
  const honeycomb = (apiKey: string, extra = '') => withExporters(`  hc:\n    type: honeycomb\n    api_key: ${apiKey}\n${extra}`, '  - { signals: [traces], to: [hc] }');

  it('an unset variable is a problem at the key that uses it, with no follow-on problem there', () => {
    assert.deepEqual(problemsOf(honeycomb('${env:HONEYCOMB_API_KEY}')), ['exporters.hc.api_key: environment variable HONEYCOMB_API_KEY is not set']);
  });

  it('a mistyped variable name gets a did-you-mean over the environment', () => {
    assert.deepEqual(problemsOf(honeycomb('${env:HONEYCOMB_APIKEY}'), { HONEYCOMB_API_KEY: VALID_KEY }), [
      'exporters.hc.api_key: environment variable HONEYCOMB_APIKEY is not set (did you mean "HONEYCOMB_API_KEY"?)',
    ]);
  });

  it('defaults, mixed text and escapes resolve', () => {
    const text = honeycomb(
      '${env:KEY}',
      '    endpoint: "http://${env:HC_HOST:-127.0.0.1}:${env:HC_PORT}"\n    dataset: "$${not-a-reference} ${env:DATASET:-cruddur}"',
    );
    const hc = parseConfig(text, { env: { KEY: VALID_KEY, HC_PORT: '9443' } }).exporters.hc;
    assert.ok(hc?.type === 'honeycomb');
    assert.equal(hc.endpoint, 'http://127.0.0.1:9443');
    assert.equal(hc.dataset, '${not-a-reference} cruddur');
    assert.equal(hc.apiKey, VALID_KEY);
  });

  it('numbers and booleans from the environment are converted where the schema wants them', () => {
    const text = `receivers:
  otlp:
    http:
      endpoint: \${env:LISTEN}
      cors:
        allowed_origins: ["http://localhost:3000"]
        max_age: \${env:MAX_AGE}
exporters:
  out:
    type: debug
    queue:
      consumers: \${env:CONSUMERS}
    retry:
      enabled: \${env:RETRY}
routes:
  - signals: [traces]
    match:
      error: \${env:ONLY_ERRORS}
      resource:
        replicas: \${env:CONSUMERS}
    to:
      - \${env:DEST}
`;
    const config = parseConfig(text, { env: { LISTEN: '127.0.0.1:4318', MAX_AGE: '60', CONSUMERS: '4', RETRY: 'false', ONLY_ERRORS: 'true', DEST: 'out' } });
    assert.equal(config.receivers.otlp?.http?.endpoint, '127.0.0.1:4318');
    assert.equal(config.receivers.otlp?.http?.cors?.maxAgeSeconds, 60);
    assert.equal(config.exporters.out?.queue.consumers, 4);
    assert.equal(config.exporters.out?.retry.enabled, false);
    // Where a string is acceptable (attribute values), the string is kept.
    assert.deepEqual(config.routes, [{ signals: ['traces'], match: { resource: { replicas: '4' }, error: true }, to: ['out'] }]);
  });

  it('an environment value that is not a number where one is needed is a problem with its path', () => {
    const text = withExporters('  out:\n    type: debug\n    queue:\n      consumers: ${env:CONSUMERS}\n    retry:\n      enabled: ${env:RETRY}');
    assert.deepEqual(problemsOf(text, { CONSUMERS: 'four', RETRY: 'maybe' }), [
      'exporters.out.queue.consumers: expected a number, got "four"',
      'exporters.out.retry.enabled: expected true or false, got "maybe"',
    ]);
  });

  it('a quoted number written in the file is not converted: only environment values are', () => {
    assert.deepEqual(problemsOf(withExporters('  out: { type: debug, queue: { consumers: "4" } }')), ['exporters.out.queue.consumers: expected a number, got "4"']);
  });

  it('an escaped reference stays literal even where it would fail', () => {
    assert.deepEqual(problemsOf(withExporters('  out: { type: file, path: "/tmp/$${env:X}", rotate_bytes: "$${env:SIZE}" }')), [
      'exporters.out.rotate_bytes: expected a size such as "64KiB", "20MiB", "1MB" or "512B", or a number of bytes; got "${env:SIZE}"',
    ]);
  });
});
