/**
 * The image and the compose example, checked by reading the files (no Docker engine runs here): ports,
 * environment, health checks, what the build context holds, the non-root user, the production-only
 * install, and that the image, its default config and the compose file agree with each other.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../../src/config/load.ts';
import type { ResolvedConfig } from '../../src/config/types.ts';
import { execForm, instructions, interpolate, isIgnored } from './files.ts';
import {
  buildContext,
  containerArgv,
  dockerfile,
  dockerignore,
  durationMs,
  envOf,
  environmentOf,
  exists,
  healthcheckArgv,
  loadCompose,
  npmInstalls,
  placed,
  portsOf,
  read,
  ROOT,
  runtime,
  stageNamed,
  workdir,
} from './shipping.ts';

const IMAGE_CONFIG = '/etc/otlp-relay/relay.yaml';
const KEYS = { HONEYCOMB_API_KEY: 'abcdefghijklmnopqrstuv', ROLLBAR_ACCESS_TOKEN: 'rollbar-token-0123456789abcdef' };
const RELAY = 'otlp-relay';

/** Every file below a repo-relative path (the path itself when it is a file). */
function filesUnder(rel: string): string[] {
  const abs = join(ROOT, rel);
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => posix.join(posix.relative(ROOT, d.parentPath.split('\\').join('/')), d.name));
}

const port = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
const host = (endpoint: string) => endpoint.slice(0, endpoint.lastIndexOf(':'));

/** What a config listens on, as Docker names ports: "4317/tcp", "2000/udp". */
function listeners(config: ResolvedConfig): { ports: Set<string>; hosts: Set<string> } {
  const tcp = [config.receivers.otlp?.grpc?.endpoint, config.receivers.otlp?.http?.endpoint, config.receivers.xray?.endpoint, config.service.admin.enabled ? config.service.admin.endpoint : undefined].filter((e): e is string => e !== undefined);
  const ports = new Set(tcp.map((e) => `${port(e)}/tcp`));
  if (config.receivers.xray) ports.add(`${port(config.receivers.xray.endpoint)}/udp`);
  return { ports, hosts: new Set(tcp.map(host)) };
}

/** The repo file the runtime stage copies to an image path. */
function contextSourceOf(imagePath: string): string | undefined {
  return placed(runtime).find((p) => p.dest === imagePath && p.from === undefined)?.source;
}

const imageConfigSource = contextSourceOf(IMAGE_CONFIG);
const imageConfig = imageConfigSource ? loadConfigFile(join(ROOT, imageConfigSource), KEYS) : undefined;

describe('Dockerfile', () => {
  const build = dockerfile.stages.find((s) => s !== runtime && npmInstalls(s).length > 0);

  it('is multi-stage: a build stage installs every dependency and runs npm run build', () => {
    assert.ok(dockerfile.stages.length >= 2, 'at least a build stage and a runtime stage');
    assert.ok(build, 'a build stage with npm ci');
    assert.ok(npmInstalls(build).some((c) => /^npm ci\b/.test(c) && !/--omit[= ]dev|--production/.test(c)), `the build stage installs dev dependencies: ${npmInstalls(build).join(' | ')}`);
    const runs = instructions(build, 'RUN').map((i) => i.args);
    assert.ok(runs.some((r) => /\bnpm run build\b/.test(r)), 'npm run build');
    const sources = placed(build).map((p) => p.source);
    for (const need of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) assert.ok(sources.includes(need), `the build stage copies ${need}`);
  });

  it('runs on Node 24 (slim or alpine) with production dependencies and the built output only', () => {
    assert.match(runtime.base, /^node:24(\.\d+)*-(slim|alpine)(\d+(\.\d+)*)?(@sha256:[0-9a-f]{64})?$/);
    const installs = npmInstalls(runtime);
    assert.ok(installs.length > 0, 'the runtime stage installs its dependencies');
    for (const c of installs) {
      assert.match(c, /^npm ci\b/, 'npm ci: exactly the lockfile');
      assert.match(c, /--omit[= ]dev\b/, `production dependencies only: ${c}`);
    }
    const fromBuild = placed(runtime).filter((p) => p.from !== undefined);
    assert.ok(fromBuild.length > 0, 'the built output comes from the build stage');
    const outDir = (JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
    for (const p of fromBuild) {
      const stage = stageNamed(p.from!);
      assert.ok(stage, `COPY --from=${p.from} names a stage`);
      assert.equal(p.source, posix.join(workdir(stage), outDir), `line ${p.line}: only the built output (${outDir}/) comes from ${p.from}, not ${p.source}`);
    }
    assert.ok(!placed(runtime).some((p) => /(^|\/)node_modules(\/|$)/.test(p.source)), 'node_modules is installed, never copied');
  });

  it('lays out dist/, proto/, config/ and package.json as the code finds them from dist/', () => {
    const { entrypoint, cmd } = containerArgv(runtime);
    assert.equal(entrypoint[0], 'node');
    const flags = entrypoint.slice(1).filter((a) => a.startsWith('--'));
    assert.ok(flags.every((f) => /^--max-semi-space-size=\d+$/.test(f)), `only memory flags before the script: ${flags.join(' ')}`);
    const script = posix.resolve(workdir(runtime), entrypoint[1 + flags.length] ?? '');
    const dist = placed(runtime).find((p) => p.from !== undefined && script.startsWith(`${p.dest}/`));
    assert.ok(dist, `${script} lies in the built output`);
    assert.equal(posix.relative(dist.dest, script), 'main.js');
    assert.ok(exists('src/main.ts'), 'tsc makes dist/main.js of src/main.ts');
    const app = posix.dirname(dist.dest);
    const at = (p: string) => placed(runtime).find((x) => x.dest === posix.join(app, p))?.source;
    assert.equal(at('proto'), 'proto', 'src/otlp/schema.ts loads ../../proto');
    assert.equal(at('package.json'), 'package.json', 'src/version.ts reads ../package.json');
    assert.equal(at('config'), 'config', "the CLI's default config is ../config/local.yaml");
    assert.equal(at('package-lock.json'), 'package-lock.json', 'npm ci needs the lockfile');
    assert.deepEqual(cmd, ['run', '--config', IMAGE_CONFIG]);
  });

  it(`ships a default config at ${IMAGE_CONFIG} that validates, listening on 0.0.0.0`, () => {
    assert.ok(imageConfigSource, `a COPY puts a file from the build context at ${IMAGE_CONFIG}`);
    assert.ok(imageConfig);
    assert.deepEqual([...listeners(imageConfig).hosts], ['0.0.0.0']);
    assert.deepEqual(imageConfig.warnings, []);
  });

  it('exposes 4317, 4318, 2000/udp, 2000/tcp and 13133: exactly what the default config listens on', () => {
    const exposed = new Set(instructions(runtime, 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`)));
    assert.deepEqual([...exposed].sort(), ['13133/tcp', '2000/tcp', '2000/udp', '4317/tcp', '4318/tcp']);
    assert.ok(imageConfig);
    assert.deepEqual([...listeners(imageConfig).ports].sort(), [...exposed].sort());
  });

  it('runs as a non-root user', () => {
    const user = instructions(runtime, 'USER').at(-1)?.args.trim();
    assert.ok(user, 'a USER instruction in the runtime stage');
    const name = user.split(':')[0]!;
    assert.ok(name !== 'root' && name !== '0' && name !== '', `USER ${user} is not root`);
  });

  it("has a HEALTHCHECK on /healthz that node itself runs, on the default config's admin port", () => {
    const argv = healthcheckArgv(runtime);
    assert.ok(argv, 'HEALTHCHECK CMD in exec form');
    assert.equal(argv[0], 'node', 'no curl or wget in the slim image: node asks');
    const urls = [...argv.join(' ').matchAll(/http:\/\/127\.0\.0\.1:(\d+)\/healthz/g), ...(envOf(runtime)['OTLP_RELAY_HEALTHCHECK_URL'] ?? '').matchAll(/http:\/\/127\.0\.0\.1:(\d+)\/healthz/g)];
    assert.ok(urls.length > 0, 'the health check asks /healthz on the loopback');
    assert.ok(imageConfig?.service.admin.enabled);
    for (const m of urls) assert.equal(Number(m[1]), port(imageConfig.service.admin.endpoint));
  });

  it('stops on SIGTERM, which the relay handles as PID 1 (drain, exit 0)', () => {
    const stop = instructions(runtime, 'STOPSIGNAL').at(-1)?.args.trim() ?? 'SIGTERM';
    assert.equal(stop, 'SIGTERM');
    assert.match(read('src/cli.ts'), /process\.(on|once)\(\s*['"]SIGTERM['"]/, 'the relay installs its own SIGTERM handler (PID 1 has no default one)');
  });
});

describe('.dockerignore and the build context', () => {
  it('sends every file the Dockerfile copies, and each exists', () => {
    for (const stage of dockerfile.stages) {
      for (const p of placed(stage).filter((x) => x.from === undefined)) {
        assert.ok(exists(p.source), `line ${p.line}: ${p.source} exists`);
        const files = filesUnder(p.source);
        assert.ok(files.length > 0, `${p.source} is not empty`);
        for (const f of files) assert.equal(isIgnored(dockerignore, f), false, `line ${p.line}: ${f} is excluded by .dockerignore`);
      }
    }
    assert.ok(imageConfigSource && !isIgnored(dockerignore, imageConfigSource), `${imageConfigSource} is in the build context`);
  });

  it('keeps secrets, dependencies and build output out of the context', () => {
    for (const f of ['.env', 'node_modules/yaml/package.json', 'dist/main.js', '.git/HEAD', 'test/ship/wiring.test.ts', 'examples/node-service/server.js', 'telemetry.jsonl']) {
      assert.equal(isIgnored(dockerignore, f), true, `${f} is not sent to the builder`);
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = loadCompose();
  const relay = compose.services[RELAY];

  it('builds the relay from this Dockerfile and runs the image default config unless told otherwise', () => {
    assert.ok(relay, `a service named ${RELAY} (the apps' endpoints name it)`);
    assert.equal(buildContext(relay), '.');
    const command = Array.isArray(relay.command) ? relay.command : (relay.command ?? '').split(/\s+/);
    assert.deepEqual(command.map((a) => interpolate(a, {})), ['run', '--config', IMAGE_CONFIG]);
    const alternative = /\$\{OTLP_RELAY_CONFIG:-/.test(command.join(' '));
    if (alternative) assert.ok(read('docker-compose.yml').match(/OTLP_RELAY_CONFIG=(\S+)/g)?.every((m) => contextSourceOf(m.split('=')[1]!) !== undefined), 'the configs the comments offer are in the image');
  });

  it("passes keys and AWS credentials from the environment, never as values, and every variable the image's config reads", () => {
    assert.ok(relay);
    const env = environmentOf(relay);
    for (const name of ['HONEYCOMB_API_KEY', 'ROLLBAR_ACCESS_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      assert.ok(name in env, `${name} is passed to the relay`);
      const v = env[name] ?? null; // present (asserted above): a string, or null for "from the host"
      assert.ok(v === null || /^\$\{[A-Z_]+[^}]*\}$/.test(v), `${name} comes from the environment, not the file: ${v}`);
    }
    const wanted = [...read(imageConfigSource ?? 'config/docker.yaml').matchAll(/\$\{env:([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
    for (const name of wanted) assert.ok(name in env, `${name} (read by ${imageConfigSource}) is passed to the relay`);
  });

  it('publishes the status page and OTLP/HTTP, has the health check of the image, and outlasts the drain on stop', () => {
    assert.ok(relay && imageConfig);
    const ports = portsOf(relay);
    const admin = port(imageConfig.service.admin.endpoint);
    assert.ok(ports.some((p) => p.target === admin && p.published === String(admin)), `the status page (${admin}) is published`);
    assert.ok(ports.some((p) => p.target === port(imageConfig.receivers.otlp!.http!.endpoint)), 'OTLP/HTTP is published (browsers, host apps)');
    const test = relay.healthcheck?.test;
    assert.ok(Array.isArray(test) && test[0] === 'CMD', 'healthcheck.test in exec form');
    assert.deepEqual(test.slice(1), healthcheckArgv(runtime), "the compose health check is the image's");
    assert.ok(relay.stop_grace_period && durationMs(relay.stop_grace_period) > imageConfig.service.shutdownTimeout, 'docker stop waits longer than shutdown_timeout');
  });

  const apps = Object.entries(compose.services).filter(([name]) => name !== RELAY);

  it('has example services next to the relay, each built from examples/', () => {
    assert.deepEqual(apps.map(([, s]) => buildContext(s)).sort(), ['examples/backend-flask', 'examples/node-service']);
    for (const [name, s] of apps) assert.ok(exists(`${buildContext(s)}/Dockerfile`), `${name} has a Dockerfile`);
  });

  for (const [name, service] of apps) {
    it(`${name}: only standard variables, pointing at the relay; starts when the relay is healthy`, () => {
      assert.ok(imageConfig);
      const env = environmentOf(service);
      const endpoint = new URL(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '');
      assert.equal(endpoint.hostname, RELAY);
      assert.equal(Number(endpoint.port), port(imageConfig.receivers.otlp!.http!.endpoint), 'the OTLP/HTTP port');
      assert.equal(endpoint.pathname, '/', 'a base URL: the SDK appends /v1/traces itself');
      assert.match(env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? '', /^http\/(protobuf|json)$/, 'HTTP on the HTTP port (Python defaults to grpc)');
      assert.equal(env['OTEL_SERVICE_NAME'], name, 'one service.name per service');
      for (const k of Object.keys(env)) assert.doesNotMatch(k, /HONEYCOMB|ROLLBAR|AWS_SECRET|AWS_ACCESS_KEY|OTLP_HEADERS/, `${k}: keys belong to the relay alone`);
      if (/aws-xray-sdk/.test(exists(`${buildContext(service)}/requirements.txt`) ? read(`${buildContext(service)}/requirements.txt`) : '')) {
        assert.equal(env['AWS_XRAY_DAEMON_ADDRESS'], `${RELAY}:${port(imageConfig.receivers.xray!.endpoint)}`, 'the X-Ray SDK sends to the relay');
      }
      const deps = service.depends_on;
      assert.ok(deps && !Array.isArray(deps), 'depends_on in the long form');
      assert.equal(deps[RELAY]?.condition, 'service_healthy');
    });
  }
});

describe('the image configs', () => {
  it('config/docker.yaml is config/cruddur.yaml for containers (the same destinations, routes and receivers)', () => {
    assert.equal(imageConfigSource, 'config/docker.yaml');
    const strip = (c: ResolvedConfig) => ({ ...c, source: '' });
    assert.deepEqual(strip(loadConfigFile(join(ROOT, 'config/docker.yaml'), KEYS)), strip(loadConfigFile(join(ROOT, 'config/cruddur.yaml'), KEYS)));
  });

  it('/etc/otlp-relay/console.yaml needs no environment and listens where relay.yaml does', () => {
    const source = contextSourceOf('/etc/otlp-relay/console.yaml');
    assert.ok(source);
    const config = loadConfigFile(join(ROOT, source), {});
    assert.ok(imageConfig);
    assert.deepEqual(config.secrets, []);
    assert.deepEqual([...listeners(config).ports].sort(), [...listeners(imageConfig).ports].sort());
    assert.equal(config.receivers.xray?.routeAsSpans, true, 'X-Ray SDK segments show up as spans');
  });
});

describe('examples/', () => {
  it('backend-flask is laid out like the seed, with the OpenTelemetry distro and the X-Ray SDK and no vendor code', () => {
    for (const f of ['app.py', 'requirements.txt', 'Dockerfile', 'services/home_activities.py']) assert.ok(exists(`examples/backend-flask/${f}`), f);
    const reqs = read('examples/backend-flask/requirements.txt').split('\n').map((l) => l.replace(/#.*/, '').trim().toLowerCase()).filter(Boolean);
    for (const p of ['opentelemetry-distro', 'opentelemetry-exporter-otlp', 'aws-xray-sdk', 'flask']) assert.ok(reqs.some((r) => r.split(/[<>=!~\s[]/)[0] === p), `requirements.txt has ${p}`);
    for (const p of ['rollbar', 'watchtower']) assert.ok(!reqs.some((r) => r.startsWith(p)), `no ${p}`);
    // The code without its comments (which say what went away).
    const code = (read('examples/backend-flask/app.py') + read('examples/backend-flask/services/home_activities.py')).replace(/#.*$/gm, '');
    assert.doesNotMatch(code, /honeycomb|watchtower|rollbar|OTLPSpanExporter\(|AWS_SECRET|api_key|access_token/i, 'configured by the environment only');
    assert.doesNotMatch(code, /app\.run\(/, 'started by flask run in the Dockerfile');
  });

  it("backend-flask's Dockerfile runs the app under opentelemetry-instrument with Flask's reloader off", () => {
    const df = read('examples/backend-flask/Dockerfile');
    const cmd = execForm(/^CMD\s+(.*)$/m.exec(df)?.[1] ?? '');
    assert.ok(cmd, 'CMD in exec form');
    assert.equal(cmd[0], 'opentelemetry-instrument');
    if (cmd.includes('flask')) assert.ok(cmd.includes('--no-reload'), 'the debug reloader would run the app uninstrumented');
    assert.ok(cmd.includes('--host=0.0.0.0'), 'reachable from the other containers');
  });

  it('backend-flask parses as Python (when python3 is on this machine)', (t) => {
    const probe = spawnSync('python3', ['--version']);
    if (probe.error || probe.status !== 0) {
      t.skip('python3 is not installed here');
      return;
    }
    const files = ['examples/backend-flask/app.py', 'examples/backend-flask/services/home_activities.py'].map((f) => join(ROOT, f));
    const res = spawnSync('python3', ['-c', 'import ast, sys\nfor f in sys.argv[1:]: ast.parse(open(f).read(), f)', ...files], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
  });

  it("node-service pins the SDK versions this repo's tests run it with", () => {
    const pkg = JSON.parse(read('examples/node-service/package.json')) as { dependencies: Record<string, string>; type?: string };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };
    assert.equal(pkg.type, 'module');
    assert.ok(Object.keys(pkg.dependencies).length > 0);
    for (const [name, version] of Object.entries(pkg.dependencies)) assert.equal(version, lock.packages[`node_modules/${name}`]?.version, `${name}: the example ships what test/ship/node-service.test.ts runs`);
  });
});
