/**
 * The shipping files as the tests read them: the Dockerfile's stages, what its runtime stage puts where,
 * the .dockerignore rules and docker-compose.yml.
 */
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { execForm, instructions, parseCopy, parseDockerfile, parseDockerignore, parseHealthcheck, workdir, type Dockerfile, type IgnoreRule, type Stage } from './files.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const read = (rel: string): string => readFileSync(ROOT + rel, 'utf8');
export const exists = (rel: string): boolean => existsSync(ROOT + rel);

export const dockerfile: Dockerfile = parseDockerfile(read('Dockerfile'));
export const dockerignore: IgnoreRule[] = exists('.dockerignore') ? parseDockerignore(read('.dockerignore')) : [];

/** The stage the image is made of: the last one. */
export const runtime: Stage = dockerfile.stages.at(-1)!;

export function stageNamed(name: string): Stage | undefined {
  const byIndex = /^\d+$/.test(name) ? dockerfile.stages[Number(name)] : undefined;
  return byIndex ?? dockerfile.stages.find((s) => s.name === name.toLowerCase());
}

/** One path the runtime stage's COPY instructions create in the image. */
export interface Placed {
  /** Absolute path in the image. */
  dest: string;
  /** The source: build-context relative, or absolute in the stage named by `from`. */
  source: string;
  from: string | undefined;
  line: number;
}

/** Where each COPY source of a stage lands (Docker's rules: several sources or a trailing / → into the directory). */
export function placed(stage: Stage): Placed[] {
  const out: Placed[] = [];
  let dir = '/';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') dir = posix.resolve(dir, ins.args.trim());
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const copy = parseCopy(ins);
    const dest = posix.resolve(dir, copy.dest);
    const intoDir = copy.sources.length > 1 || copy.dest.endsWith('/') || copy.dest === '.';
    for (const source of copy.sources) {
      const clean = source.replace(/\/+$/, '');
      out.push({ dest: intoDir ? posix.join(dest, posix.basename(clean)) : dest, source: copy.from === undefined ? posix.normalize(clean).replace(/^\.?\//, '') : clean, from: copy.from, line: copy.line });
    }
  }
  return out;
}

/** `ENV a=b c=d` pairs of a stage (the `ENV a b` form too). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of instructions(stage, 'ENV')) {
    const pairs = ins.args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g);
    if (pairs) for (const p of pairs) env[p.slice(0, p.indexOf('='))] = p.slice(p.indexOf('=') + 1).replace(/^"|"$/g, '');
    else {
      const [k, ...v] = ins.args.trim().split(/\s+/);
      env[k!] = v.join(' ');
    }
  }
  return env;
}

/** The image's HEALTHCHECK argv (exec form), if any. */
export function healthcheckArgv(stage: Stage): string[] | undefined {
  const hc = instructions(stage, 'HEALTHCHECK').at(-1);
  return hc ? parseHealthcheck(hc).argv : undefined;
}

/** ENTRYPOINT + CMD as the container's argv (exec forms only). */
export function containerArgv(stage: Stage): { entrypoint: string[]; cmd: string[] } {
  const ep = instructions(stage, 'ENTRYPOINT').at(-1);
  const cmd = instructions(stage, 'CMD').at(-1);
  return { entrypoint: (ep && execForm(ep.args)) ?? [], cmd: (cmd && execForm(cmd.args)) ?? [] };
}

/** The `npm ci …` commands of a stage's RUN lines (each `&&` part on its own). */
export function npmInstalls(stage: Stage): string[] {
  return instructions(stage, 'RUN')
    .flatMap((i) => i.args.split(/&&|;/))
    .map((s) => s.trim())
    .filter((s) => /^npm\s+(ci|install|i)\b/.test(s));
}

export { workdir };

// ---- docker-compose.yml

export interface ComposeService {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target: number; published?: string | number; protocol?: string }>;
  healthcheck?: { test: string | string[]; interval?: string; timeout?: string; start_period?: string; retries?: number };
  depends_on?: string[] | Record<string, { condition?: string }>;
  stop_grace_period?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

export function loadCompose(): ComposeFile {
  const parsed = YAML.parse(read('docker-compose.yml')) as ComposeFile | null;
  if (!parsed || typeof parsed.services !== 'object') throw new Error('docker-compose.yml has no services');
  return parsed;
}

/** A service's environment as a map; a name without a value is passed through from the host (null). */
export function environmentOf(service: ComposeService): Record<string, string | null> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null])));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? null : String(v)]));
}

/** Published ports as { published, target, protocol }. */
export function portsOf(service: ComposeService): Array<{ published: string; target: number; protocol: string }> {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') return { published: String(p.published ?? ''), target: p.target, protocol: p.protocol ?? 'tcp' };
    const [spec, protocol = 'tcp'] = p.split('/');
    const parts = spec!.split(':');
    return { published: parts.length > 1 ? parts.at(-2)! : '', target: Number(parts.at(-1)), protocol };
  });
}

export function buildContext(service: ComposeService): string | undefined {
  if (service.build === undefined) return undefined;
  return posix.normalize(typeof service.build === 'string' ? service.build : service.build.context);
}

/** Compose durations ("1m30s", "15s", "500ms") in milliseconds. */
export function durationMs(s: string): number {
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) total += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 }[m[2] as 'h' | 'm' | 's' | 'ms' | 'us'];
  return total;
}
