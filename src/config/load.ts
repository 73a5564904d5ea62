/**
 * The config loader: YAML text → env substitution → schema validation → cross-checks → ResolvedConfig.
 * Every problem found is collected and thrown together in one ConfigError.
 */
import { readFileSync } from 'node:fs';
import { isNode, parseDocument, type Document, type YAMLError } from 'yaml';
import type { z } from 'zod';
import type { Signal } from '../otlp/signal.ts';
import { ConfigError, formatPath, formatProblem, type PathSegment, type Problem } from './errors.ts';
import { substituteEnv, type Substitution } from './env.ts';
import { checkPipeline, EXPORTER_TYPES, exporterKind, exporterSchema, isExporterType, resolvePipeline, type PipelineInput, type PipelineSettings } from './exporters.ts';
import { describe, issuesToProblems, unknownKeyMessage } from './issues.ts';
import { checkReceivers, receiversSchema, resolveXrayReceiver } from './receivers.ts';
import { routesSchema } from './routes.ts';
import { collectSecrets, isPlainObject, scrub } from './secrets.ts';
import { checkAdminPort, serviceSchema } from './service.ts';
import { didYouMean } from './suggest.ts';
import type { ExporterType, ResolvedConfig, ExporterConfig, ResolvedRoute } from './types.ts';

export interface ParseOptions {
  /** Where `${env:…}` values come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Names the text in YAML syntax errors and in ResolvedConfig.source; default "config". */
  source?: string;
}

const TOP_LEVEL_KEYS = ['service', 'receivers', 'exporters', 'routes'];
const EXPORTER_NAME = /^[A-Za-z][A-Za-z0-9_./-]*$/;

/** Reads and resolves a config file; throws ConfigError listing every problem. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError([`${path}: cannot read config file: ${reason}`], path);
  }
  return parseConfig(text, { env, source: path });
}

/** Resolves config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, opts: ParseOptions = {}): ResolvedConfig {
  const source = opts.source ?? 'config';
  // merge: `<<: *defaults` lets exporters share settings through an anchor.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) throw new ConfigError(yamlErrors(doc.errors, text, source), source);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // e.g. an alias to an anchor that does not exist.
    throw new ConfigError([`${source}: YAML: ${(error as Error).message}`], source);
  }
  const loader = new Loader(substituteEnv(raw, opts.env ?? process.env), (path) => offsetOf(doc, path));
  const warnings = doc.warnings.map((warning) => yamlMessage(warning, source));
  return loader.resolve(source, warnings);
}

/**
 * After one syntax error the parser reports a cascade of follow-on errors that only confuse: keep the
 * first, plus duplicate keys (which never cascade).
 */
function yamlErrors(errors: YAMLError[], text: string, source: string): string[] {
  const first = errors.find((error) => error.code !== 'DUPLICATE_KEY');
  const kept = errors.filter((error) => error === first || error.code === 'DUPLICATE_KEY');
  const lines = text.split(/\r?\n/);
  return kept.map((error) => {
    const line = lines[(error.linePos?.[0].line ?? 0) - 1] ?? '';
    // An unquoted ${env:…} inside { } or [ ] reads as YAML flow syntax: the commonest cause of these errors.
    const hint = error !== first || !/[{[][^#]*\$\{/.test(line) ? '' : ' (inside { } or [ ], quote ${env:…} references: "${env:NAME}")';
    return `${yamlMessage(error, source)}${hint}`;
  });
}

/** `file:3:5: message`, without the yaml library's excerpt of the line (which could show a secret). */
function yamlMessage(error: YAMLError, source: string): string {
  const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
  const at = error.linePos?.[0];
  return at === undefined ? `${source}: ${message}` : `${source}:${at.line}:${at.col}: ${message}`;
}

/** Where a path (or its nearest existing ancestor, for a missing key) starts in the text. */
function offsetOf(doc: Document, path: readonly PathSegment[]): number {
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

class Loader {
  readonly problems: Problem[];
  readonly warnings: Problem[] = [];
  readonly substitution: Substitution;
  readonly offsetOf: (path: readonly PathSegment[]) => number;

  constructor(substitution: Substitution, offsetOf: (path: readonly PathSegment[]) => number) {
    this.substitution = substitution;
    this.problems = [...substitution.problems];
    this.offsetOf = offsetOf;
  }

  resolve(source: string, yamlWarnings: string[]): ResolvedConfig {
    const tree = this.substitution.value;
    if (!isPlainObject(tree)) {
      const message = tree === null || tree === undefined ? 'the config is empty: it needs at least exporters and routes' : `expected a mapping with exporters and routes, got ${describe(tree, true)}`;
      throw new ConfigError([formatProblem({ path: [], message })], source);
    }
    for (const key of Object.keys(tree)) {
      if (!TOP_LEVEL_KEYS.includes(key)) this.problems.push({ path: [key], message: unknownKeyMessage(key, TOP_LEVEL_KEYS) });
    }
    const service = this.parse(serviceSchema, tree.service, ['service']);
    const receivers = this.parse(receiversSchema, tree.receivers, ['receivers']);
    if (receivers !== undefined) this.problems.push(...checkReceivers(receivers, tree.receivers));
    if (service !== undefined && receivers !== undefined) this.problems.push(...checkAdminPort(service, receivers));
    const { exporters, types } = this.exporters(tree.exporters);
    if (receivers?.xray !== undefined) this.problems.push(...resolveXrayReceiver(receivers.xray, types));
    const routes = tree.routes === undefined ? this.missingRoutes() : this.parse(routesSchema, tree.routes, ['routes']);
    this.checkRoutes(tree.routes, types);
    this.adviseExporters(exporters, routes ?? [], new Set(receivers?.xray?.forwardTo));

    const secrets = collectSecrets(tree.exporters);
    const problems = this.format(this.problems, secrets);
    if (problems.length > 0 || service === undefined || receivers === undefined || routes === undefined) {
      throw new ConfigError(problems.length > 0 ? problems : ['config: invalid'], source);
    }
    const warnings = [...yamlWarnings, ...this.format(this.warnings, secrets)];
    return { source, service, receivers, exporters, routes, secrets, warnings };
  }

  /** Runs a schema on one section; records its problems and returns undefined when it fails. */
  parse<T extends z.ZodType>(schema: T, value: unknown, base: PathSegment[]): z.output<T> | undefined {
    let input = value;
    // Values that came from the environment are strings; where the schema wants a number or boolean, convert and retry.
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = schema.safeParse(input, { reportInput: true });
      if (result.success) return result.data;
      const coerced = this.coerce(input, result.error.issues, base);
      if (coerced === undefined) {
        for (const problem of issuesToProblems(result.error.issues, base)) {
          if (!this.substitution.failed.has(formatPath(problem.path))) this.problems.push(problem);
        }
        return undefined;
      }
      input = coerced;
    }
    return undefined;
  }

  private coerce(input: unknown, issues: z.core.$ZodIssue[], base: PathSegment[]): unknown {
    let root = input;
    let changed = false;
    for (const issue of issues) {
      if (issue.code !== 'invalid_type' || !['number', 'int', 'boolean'].includes(issue.expected)) continue;
      const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
      if (!this.substitution.substituted.has(formatPath([...base, ...path]))) continue;
      const text = (issue as { input?: unknown }).input;
      if (typeof text !== 'string') continue;
      const value = issue.expected === 'boolean' ? toBoolean(text) : toNumber(text);
      if (value === undefined) continue;
      root = setAt(root, path, value);
      changed = true;
    }
    return changed ? root : undefined;
  }

  private exporters(raw: unknown): { exporters: Record<string, ExporterConfig>; types: Map<string, ExporterType | undefined> } {
    const exporters: Record<string, ExporterConfig> = {};
    const types = new Map<string, ExporterType | undefined>();
    if (raw === undefined || raw === null) {
      this.problems.push({ path: ['exporters'], message: raw === null ? 'is empty: define at least one exporter' : 'is required: define at least one exporter' });
      return { exporters, types };
    }
    if (!isPlainObject(raw)) {
      this.problems.push({ path: ['exporters'], message: `expected a mapping of exporter names to settings, got ${describe(raw, true)}` });
      return { exporters, types };
    }
    if (Object.keys(raw).length === 0) this.problems.push({ path: ['exporters'], message: 'is empty: define at least one exporter' });
    for (const [name, settings] of Object.entries(raw)) {
      const path = ['exporters', name];
      if (!EXPORTER_NAME.test(name)) {
        this.problems.push({ path, message: 'is not a valid exporter name: use letters, digits, "_", "-", "." and "/", starting with a letter' });
        continue;
      }
      const type = this.exporterType(name, settings);
      types.set(name, type);
      if (type === undefined) continue;
      const parsed = this.parse(exporterSchema(type), settings, path) as (Record<string, unknown> & PipelineSettingsInput) | undefined;
      if (parsed === undefined) continue;
      const pipeline: PipelineSettings = resolvePipeline(parsed);
      const problems = checkPipeline(pipeline);
      this.problems.push(...problems.map((problem) => ({ path: [...path, ...problem.path], message: problem.message })));
      // The registry pairs each type with its settings type; TypeScript cannot follow that through the index, hence the cast.
      exporters[name] = {
        name,
        type,
        ...(parsed.endpoint === undefined ? {} : { endpoint: parsed.endpoint }),
        ...pipeline,
        ...(exporterKind(type).resolve(parsed) as object),
      } as ExporterConfig;
    }
    return { exporters, types };
  }

  /** The exporter's type, or undefined after recording why it has none. */
  private exporterType(name: string, settings: unknown): ExporterType | undefined {
    const path = ['exporters', name];
    if (!isPlainObject(settings)) {
      this.problems.push({ path, message: `expected a mapping with at least a type (one of ${EXPORTER_TYPES.join(', ')}), got ${describe(settings, true)}` });
      return undefined;
    }
    const type = settings.type;
    if (type === undefined) {
      const hint = isExporterType(name) ? ` (did you mean "type: ${name}"?)` : '';
      this.problems.push({ path: [...path, 'type'], message: `is required: one of ${EXPORTER_TYPES.join(', ')}${hint}` });
      return undefined;
    }
    if (isExporterType(type)) return type;
    const shown = typeof type === 'string' ? JSON.stringify(type) : describe(type, true);
    const hint = typeof type === 'string' ? didYouMean(type, EXPORTER_TYPES) : '';
    this.problems.push({ path: [...path, 'type'], message: `unknown exporter type ${shown}${hint}; known types: ${EXPORTER_TYPES.join(', ')}` });
    return undefined;
  }

  private missingRoutes(): undefined {
    this.problems.push({ path: ['routes'], message: 'is required: at least one route, e.g. { signals: [traces], to: [<exporter name>] }' });
    return undefined;
  }

  /** Checks what each route sends where, on the raw routes, so these problems show even when a route has others. */
  private checkRoutes(raw: unknown, types: Map<string, ExporterType | undefined>): void {
    if (!Array.isArray(raw)) return;
    const names = [...types.keys()];
    raw.forEach((route: unknown, index) => {
      if (!isPlainObject(route) || !Array.isArray(route.to)) return;
      const signals = Array.isArray(route.signals) ? route.signals.filter((s): s is Signal => s === 'traces' || s === 'logs' || s === 'metrics') : [];
      const seen = new Set<string>();
      route.to.forEach((target: unknown, position) => {
        if (typeof target !== 'string' || target === '') return;
        const path = ['routes', index, 'to', position];
        if (seen.has(target)) this.problems.push({ path, message: `"${target}" is listed twice` });
        seen.add(target);
        if (!types.has(target)) {
          this.problems.push({ path, message: `no exporter named ${JSON.stringify(target)}${didYouMean(target, names)}` });
          return;
        }
        const type = types.get(target);
        if (type === undefined) return;
        const accepted = exporterKind(type).signals;
        const refused = [...new Set(signals)].filter((signal) => !accepted.includes(signal));
        if (refused.length > 0) {
          this.problems.push({
            path,
            message: `exporter "${target}" (type ${type}) cannot take ${refused.join(' or ')}; it takes ${accepted.join(', ')} only: route those signals elsewhere`,
          });
        }
      });
    });
  }

  /** Warnings that need the routes: unused exporters, and each type's own advice. */
  private adviseExporters(exporters: Record<string, ExporterConfig>, routes: ResolvedRoute[], fedByReceivers: ReadonlySet<string>): void {
    for (const [name, exporter] of Object.entries(exporters)) {
      const using = routes.filter((route) => route.to.includes(name));
      if (using.length === 0 && !fedByReceivers.has(name)) {
        this.warnings.push({ path: ['exporters', name], message: 'is not used by any route' });
        continue;
      }
      const kind = exporterKind(exporter.type);
      const routed = new Set(using.flatMap((route) => route.signals));
      for (const warning of kind.warnings?.(exporter, routed) ?? []) {
        this.warnings.push({ path: ['exporters', name, ...warning.path], message: warning.message });
      }
    }
  }

  /** In document order (a stable sort, so problems at one place keep the order they were found in), secrets scrubbed, once each. */
  private format(problems: Problem[], secrets: string[]): string[] {
    const placed = problems.map((problem) => ({ problem, offset: this.offsetOf(problem.path) }));
    placed.sort((a, b) => a.offset - b.offset);
    return [...new Set(placed.map(({ problem }) => scrub(formatProblem(problem), secrets)))];
  }
}

interface PipelineSettingsInput extends PipelineInput {
  endpoint?: string;
}

function toNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
}

function toBoolean(text: string): boolean | undefined {
  const lower = text.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/** A copy of `root` with `value` at `path` (copying along the path only). */
function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[Number(head)] = setAt(root[Number(head)], rest, value);
    return copy;
  }
  const object = isPlainObject(root) ? root : {};
  return Object.fromEntries(Object.entries(object).map(([key, child]) => [key, key === String(head) ? setAt(child, rest, value) : child]));
}
