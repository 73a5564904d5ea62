import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execForm, interpolate, isIgnored, parseCopy, parseDockerfile, parseDockerignore, parseHealthcheck, workdir } from './files.ts';

describe('the Dockerfile reader the shipping tests rely on', () => {
  const text = `# syntax=docker/dockerfile:1
ARG BASE=node:24-slim
FROM \${BASE} AS Build
WORKDIR /src
RUN npm ci \\
  # a comment inside a continuation is dropped
  --no-audit
FROM $BASE
WORKDIR /app
WORKDIR sub
COPY --from=build --chown=1000:1000 /src/dist ./dist
COPY ["a b.txt", "c.txt", "./"]
HEALTHCHECK --interval=5s \\
  CMD ["node", "-e", "process.exit(0)"]
USER 1000
`;
  const df = parseDockerfile(text);

  it('reads stages, their names, ARG-substituted bases and joined continuation lines', () => {
    assert.deepEqual(df.args, { BASE: 'node:24-slim' });
    assert.deepEqual(df.stages.map((s) => [s.name, s.base]), [['build', 'node:24-slim'], [undefined, 'node:24-slim']]);
    assert.deepEqual(df.stages[0]!.instructions.map((i) => [i.keyword, i.args, i.line]), [['WORKDIR', '/src', 4], ['RUN', 'npm ci --no-audit', 5]]);
    assert.equal(workdir(df.stages[1]!), '/app/sub');
  });

  it('reads COPY flags and both source forms, and HEALTHCHECK flags and its exec form', () => {
    const [copyDist, copyJson, health] = df.stages[1]!.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'HEALTHCHECK');
    assert.deepEqual(parseCopy(copyDist!), { from: 'build', sources: ['/src/dist'], dest: './dist', flags: { from: 'build', chown: '1000:1000' }, line: 11 });
    assert.deepEqual(parseCopy(copyJson!).sources, ['a b.txt', 'c.txt']);
    assert.deepEqual(parseHealthcheck(health!), { flags: { interval: '5s' }, argv: ['node', '-e', 'process.exit(0)'], none: false });
    assert.equal(execForm('node main.js'), undefined);
    assert.equal(execForm('["node", 1]'), undefined);
  });
});

describe('the .dockerignore matcher (moby/patternmatcher rules)', () => {
  it('an allowlist: * then ! lines re-include directories with everything below them', () => {
    const rules = parseDockerignore('*\n!src/\n!package.json\n');
    assert.equal(isIgnored(rules, 'src/otlp/wire.ts'), false);
    assert.equal(isIgnored(rules, 'package.json'), false);
    assert.equal(isIgnored(rules, '.env'), true);
    assert.equal(isIgnored(rules, 'node_modules/yaml/package.json'), true);
  });

  it('the last matching line wins; ** matches any depth; ? one character; a match excludes what is below it', () => {
    const rules = parseDockerignore('# comment\n**/*.log\n!keep/*.log\nsecret?\n/dist\n');
    assert.equal(isIgnored(rules, 'a/b/c.log'), true);
    assert.equal(isIgnored(rules, 'c.log'), true);
    assert.equal(isIgnored(rules, 'keep/x.log'), false);
    assert.equal(isIgnored(rules, 'secret1'), true);
    assert.equal(isIgnored(rules, 'secret12'), false);
    assert.equal(isIgnored(rules, 'dist/main.js'), true);
    assert.equal(isIgnored(rules, 'src/dist.ts'), false);
  });
});

describe('compose interpolation', () => {
  it('defaults, nested defaults, set values and $$', () => {
    assert.equal(interpolate('${A:-/etc/x.yaml}', {}), '/etc/x.yaml');
    assert.equal(interpolate('${A:-/etc/x.yaml}', { A: '/y' }), '/y');
    assert.equal(interpolate('${A:-${B:-us-east-1}}', { B: 'eu-west-2' }), 'eu-west-2');
    assert.equal(interpolate('${A:-d}', { A: '' }), 'd');
    assert.equal(interpolate('${A-d}', { A: '' }), '');
    assert.equal(interpolate('$${A}', { A: 'x' }), '${A}');
  });
});
