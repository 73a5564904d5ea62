/**
 * SLOW, NEEDS THE NPM REGISTRY (~1 min; one `npm ci` per run, bounded at 3 min).
 *
 * What the image runs, without Docker: the build stage replayed in a temporary directory (its COPY lines,
 * then package.json's `build` script), the runtime stage's COPY lines replayed into a temporary "image
 * root", its `npm ci` command run there as written (plus --prefer-offline, so the lockfile's packages come from
 * the npm cache when they are in it), then its ENTRYPOINT: the built relay, on 127.0.0.1 ports, sent one
 * span over OTLP/HTTP that must arrive in a file; the image's HEALTHCHECK command is run against it,
 * and SIGTERM must stop it with exit code 0. Node 24 here stands in for the base image's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { post, traceRequest } from '../support/otlp.ts';
import { isIgnored } from './files.ts';
import { containerArgv, dockerignore, envOf, healthcheckArgv, npmInstalls, placed, read, ROOT, runtime, stageNamed, workdir } from './shipping.ts';

const NPM_CI_TIMEOUT_MS = 180_000;
const KEYS = { HONEYCOMB_API_KEY: 'abcdefghijklmnopqrstuv', ROLLBAR_ACCESS_TOKEN: 'rollbar-token-0123456789abcdef' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** npm's own script, to run it on this Node (24, as in the image) rather than whatever `npm` on PATH uses. */
function npmCli(): string {
  const fromNpm = process.env['npm_execpath'];
  if (fromNpm && /npm-cli\.js$/.test(fromNpm)) return fromNpm;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'npm');
    if (existsSync(candidate)) {
      const real = realpathSync(candidate);
      if (real.endsWith('.js')) return real;
      const cli = join(dirname(real), 'npm-cli.js');
      if (existsSync(cli)) return cli;
    }
  }
  throw new Error('npm is not installed (npm-cli.js not found on PATH)');
}

/** COPY from the build context: what .dockerignore leaves of a repository path, at an absolute destination. */
function copyFromContext(source: string, dest: string): void {
  assert.ok(existsSync(join(ROOT, source)), `${source} exists in the build context`);
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(join(ROOT, source), dest, { recursive: true, filter: (s) => !isIgnored(dockerignore, relative(ROOT, s).split('\\').join('/') || '.') });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('[slow: npm registry, ~1 min] the image, assembled from the Dockerfile without Docker', { timeout: 300_000 }, () => {
  let tmp = '';
  let image = '';
  const inImage = (p: string) => join(image, p);
  const baseEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), ...envOf(runtime) });
  /** The container's argv on this machine: `node` is this Node, absolute paths are under the image root. */
  const entrypoint = (): string[] => containerArgv(runtime).entrypoint.map((a, i) => (i === 0 && a === 'node' ? process.execPath : a.startsWith('/') ? inImage(a) : a));
  const appDir = () => inImage(workdir(runtime));

  before(
    async () => {
      tmp = mkdtempSync(join(tmpdir(), 'otlp-relay-image-'));
      image = join(tmp, 'image');
      // The build stage, replayed: its COPY lines from the build context (as .dockerignore leaves it) into a
      // directory of its own, this repository's node_modules standing in for its `npm ci` (the same lockfile,
      // dev dependencies included), then package.json's build script (tsc -p tsconfig.build.json) there.
      const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['build'] ?? '';
      const [tool, ...args] = script.split(/\s+/);
      assert.equal(tool, 'tsc', `the build script runs tsc: ${script}`);
      const stageRoots = new Map<string, string>();
      for (const from of new Set(placed(runtime).flatMap((p) => (p.from === undefined ? [] : [p.from])))) {
        const stage = stageNamed(from);
        assert.ok(stage, `COPY --from=${from} names a stage`);
        assert.ok(stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)), `stage ${from} runs npm run build`);
        const root = join(tmp, `stage-${from}`);
        stageRoots.set(from, root);
        for (const p of placed(stage)) {
          assert.equal(p.from, undefined, `line ${p.line}: only build-context sources are replayed`);
          copyFromContext(p.source, join(root, p.dest));
        }
        const wd = join(root, workdir(stage));
        symlinkSync(join(ROOT, 'node_modules'), join(wd, 'node_modules'), 'dir');
        const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), ...args], { cwd: wd, env: { PATH: process.env['PATH'] ?? '' }, timeoutMs: 120_000 });
        assert.equal(tsc.code, 0, `npm run build failed in stage ${from}:\n${tsc.stdout}${tsc.stderr}`);
      }
      // The runtime stage's COPY lines, from the build context or the build stage's files.
      for (const p of placed(runtime)) {
        if (p.from === undefined) {
          copyFromContext(p.source, inImage(p.dest));
          continue;
        }
        const src = join(stageRoots.get(p.from)!, p.source);
        assert.ok(existsSync(src), `line ${p.line}: COPY --from=${p.from} ${p.source}: it exists after the build`);
        mkdirSync(dirname(inImage(p.dest)), { recursive: true });
        cpSync(src, inImage(p.dest), { recursive: true });
      }
      // Its npm ci, as written (npm cache clean is left out: it is not this test's cache to clean).
      const [ci] = npmInstalls(runtime);
      assert.ok(ci, 'the runtime stage runs npm ci');
      const ciArgs = ci.split(/\s+/).slice(1);
      // This machine's way to the registry (proxy, CA certificates) is kept; the npm_* variables of an outer
      // `npm test` are not (an inherited prefix would point npm ci at the repository), and --prefix pins it.
      const env = Object.fromEntries(Object.entries({ ...process.env, ...envOf(runtime) }).filter((e): e is [string, string] => e[1] !== undefined && !/^(npm_|INIT_CWD$)/i.test(e[0])));
      const install = await run(process.execPath, [npmCli(), ...ciArgs, '--prefer-offline', '--prefix', appDir()], { cwd: appDir(), env, timeoutMs: NPM_CI_TIMEOUT_MS });
      assert.equal(install.code, 0, `${ci} failed (or took over ${NPM_CI_TIMEOUT_MS / 1000} s):\n${install.stdout}${install.stderr}`);
    },
    { timeout: 280_000 },
  );

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('npm ci --omit=dev installs the production dependencies and no dev-only package (not the `node` one)', () => {
    const pkg = JSON.parse(readFileSync(join(appDir(), 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(appDir(), 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(appDir(), 'node_modules', dep, 'package.json')), `${dep} is installed`);
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);
    assert.ok(devOnly.includes('node') && devOnly.includes('typescript'));
    for (const dep of devOnly) assert.equal(existsSync(join(appDir(), 'node_modules', dep)), false, `${dep} (dev only) is not in the image`);
    assert.equal(existsSync(join(appDir(), 'node_modules/.bin/node')), false, "the base image's Node runs the relay");
  });

  test('the entry point reads package.json through the built code (--version)', async () => {
    const res = await run(entrypoint()[0]!, [...entrypoint().slice(1), '--version'], { cwd: appDir(), env: baseEnv(), timeoutMs: 30_000 });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), (JSON.parse(read('package.json')) as { version: string }).version);
  });

  test("the image's configs validate with the built CLI (relay.yaml with the keys set, console.yaml with nothing)", async () => {
    const { cmd } = containerArgv(runtime);
    const config = inImage(cmd[cmd.indexOf('--config') + 1] ?? '');
    const withKeys = await run(entrypoint()[0]!, [...entrypoint().slice(1), 'validate', '--config', config], { cwd: appDir(), env: { ...baseEnv(), ...KEYS }, timeoutMs: 30_000 });
    assert.equal(withKeys.code, 0, withKeys.stderr);
    const without = await run(entrypoint()[0]!, [...entrypoint().slice(1), 'validate', '--config', config], { cwd: appDir(), env: baseEnv(), timeoutMs: 30_000 });
    assert.equal(without.code, 1, 'keys missing from the environment are named at start');
    assert.match(without.stderr, /HONEYCOMB_API_KEY is not set/);
    const console = await run(entrypoint()[0]!, [...entrypoint().slice(1), 'validate', '--config', inImage('/etc/otlp-relay/console.yaml')], { cwd: appDir(), env: baseEnv(), timeoutMs: 30_000 });
    assert.equal(console.code, 0, console.stderr);
  });

  test('runs: a span sent over OTLP/HTTP arrives, the HEALTHCHECK passes, SIGTERM drains and exits 0', { timeout: 60_000 }, async () => {
    const sink = join(tmp, 'sink.jsonl');
    const cfg = join(tmp, 'relay.yaml');
    writeFileSync(
      cfg,
      `service: { shutdown_timeout: 5s, admin: { endpoint: "127.0.0.1:0" } }
receivers:
  otlp:
    grpc: { endpoint: "127.0.0.1:0" }
    http: { endpoint: "127.0.0.1:0" }
exporters:
  sink: { type: file, path: ${JSON.stringify(sink)}, batch: { timeout: 1h } }
routes:
  - { signals: [traces], to: [sink] }
`,
    );
    const { cmd } = containerArgv(runtime);
    const args = cmd.map((a, i) => (cmd[i - 1] === '--config' ? cfg : a));
    const relay = spawn(entrypoint()[0]!, [...entrypoint().slice(1), ...args], { cwd: appDir(), env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    relay.stdout.on('data', (d: Buffer) => (out += d.toString()));
    relay.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => relay.on('exit', resolve));
    const req = traceRequest('image-test', 3);
    try {
      const started = Date.now();
      while (!/started: receivers/.test(out) && relay.exitCode === null && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
      const http = /"receiver":"otlp\/http","endpoint":"127\.0\.0\.1:(\d+)"/.exec(out)?.[1];
      const admin = /status page and \/metrics on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      assert.ok(http && admin, `the relay did not start:\n${out}`);

      assert.equal((await post(`http://127.0.0.1:${http}`, '/v1/traces', req.bytes)).status, 200);

      const hc = healthcheckArgv(runtime)!;
      const healthcheck = (url: string) => run(process.execPath, hc.slice(1), { cwd: appDir(), env: { ...baseEnv(), OTLP_RELAY_HEALTHCHECK_URL: url }, timeoutMs: 15_000 });
      assert.equal((await healthcheck(`${admin}/healthz`)).code, 0, 'healthy while it runs');
      assert.equal((await healthcheck(`http://127.0.0.1:${await closedPort()}/healthz`)).code, 1, 'unhealthy when nothing answers');

      relay.kill('SIGTERM');
      assert.equal(await exited, 0, out);
    } finally {
      if (relay.exitCode === null) relay.kill('SIGKILL');
    }
    assert.match(out, /"msg":"stopped"/);
    const lines = readFileSync(sink, 'utf8').trim().split('\n');
    const spanIds = lines.flatMap((l) => (JSON.parse(l) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }> }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.spanId))));
    assert.deepEqual(spanIds.sort(), [...req.spanIds].sort(), 'the batch held by its 1 h timeout was delivered on SIGTERM');
  });
});
