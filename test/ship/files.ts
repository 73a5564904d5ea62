/**
 * Readers for the shipping files, for tests on machines without a Docker engine: a Dockerfile parser
 * (stages, instructions, exec and shell forms, flags), Docker's .dockerignore matching, and compose's
 * `${VAR:-default}` interpolation.
 */
import { posix } from 'node:path';

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  /** `FROM … AS name`, lower-cased as Docker does; undefined when unnamed. */
  name: string | undefined;
  /** The base image with global ARG defaults substituted. */
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Global ARGs (before the first FROM) and their defaults. */
  args: Record<string, string>;
  stages: Stage[];
}

/** Splits a Dockerfile into instructions: `\` continues a line, comment lines are dropped (also inside continuations). */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: { parts: string[]; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line)) return;
    if (current === undefined && line.trim() === '') return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    if (current === undefined) current = { parts: [], line: i + 1 };
    current.parts.push(body.trim());
    if (!continued) {
      const joined = current.parts.filter((p) => p !== '').join(' ');
      const m = /^(\S+)\s*(.*)$/.exec(joined);
      if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: current.line });
      current = undefined;
    }
  });
  return out;
}

/** `${NAME}`, `$NAME` and `${NAME:-default}` from the given values (unknown names become ""). */
export function substituteArgs(s: string, values: Record<string, string>): string {
  return s
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, dflt: string | undefined) => values[name] || (dflt ?? ''))
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => values[name] ?? '');
}

export function parseDockerfile(text: string): Dockerfile {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const { rest } = parseFlags(ins.args);
      const m = /^(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(rest);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ name: m[2]?.toLowerCase(), base: substituteArgs(m[1]!, args), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) {
      if (ins.keyword === 'ARG') {
        const [name, value] = ins.args.split('=', 2);
        args[name!.trim()] = value?.trim() ?? '';
      }
      continue;
    }
    stage.instructions.push(ins);
  }
  return { args, stages };
}

/** Leading `--name=value` / `--name` flags, and the rest. */
export function parseFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args.trim();
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!m) break;
    flags[m[1]!] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** The exec form's argv (a JSON array of strings), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  const s = args.trim();
  if (!s.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return undefined; // Docker runs an unparsable array as a shell command
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) return undefined;
  return parsed as string[];
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  flags: Record<string, string>;
  line: number;
}

export function parseCopy(ins: Instruction): Copy {
  const { flags, rest } = parseFlags(ins.args);
  const words = execForm(rest) ?? rest.split(/\s+/).filter((w) => w !== '');
  if (words.length < 2) throw new Error(`line ${ins.line}: COPY needs a source and a destination`);
  return { from: flags['from'], sources: words.slice(0, -1), dest: words.at(-1)!, flags, line: ins.line };
}

export interface Healthcheck {
  flags: Record<string, string>;
  /** The exec form's argv after CMD, or undefined (shell form or NONE). */
  argv: string[] | undefined;
  none: boolean;
}

export function parseHealthcheck(ins: Instruction): Healthcheck {
  const { flags, rest } = parseFlags(ins.args);
  if (/^NONE$/i.test(rest.trim())) return { flags, argv: undefined, none: true };
  const m = /^CMD\s+(.*)$/is.exec(rest);
  return { flags, argv: m ? execForm(m[1]!) : undefined, none: false };
}

/** The stage's instructions of one kind. */
export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The last value of WORKDIR in a stage (absolute; relative ones resolve against the previous). */
export function workdir(stage: Stage): string {
  let dir = '/';
  for (const i of instructions(stage, 'WORKDIR')) dir = posix.resolve(dir, i.args.trim());
  return dir;
}

// ---- .dockerignore (github.com/moby/patternmatcher: filepath.Match per segment, `**` for any depth,
// `!` re-includes, the last matching line wins, a pattern also matches everything below a match)

export interface IgnoreRule {
  negated: boolean;
  pattern: string;
  regex: RegExp;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1).trim();
    let pattern = posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    if (pattern === '.') pattern = '';
    rules.push({ negated, pattern, regex: patternRegex(pattern) });
  }
  return rules;
}

function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]!}`;
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a context-relative path (posix) is left out of the build context. */
export function isIgnored(rules: IgnoreRule[], relPath: string): boolean {
  const path = posix.normalize(relPath).replace(/^\/+/, '');
  const segments = path.split('/');
  const candidates = segments.map((_s, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.regex.test(c))) ignored = !rule.negated;
  }
  return ignored;
}

// ---- compose interpolation

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}`, nested defaults included; `$$` is a literal `$`. */
export function interpolate(s: string, env: Record<string, string | undefined>): string {
  const DOLLAR = '\u0000';
  let out = s.replace(/\$\$/g, DOLLAR);
  const inner = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^${}]*))?\}/;
  for (let m = inner.exec(out); m; m = inner.exec(out)) {
    const value = env[m[1]!];
    const useDefault = m[3] !== undefined && (value === undefined || (m[2] === ':' && value === ''));
    out = out.slice(0, m.index) + (useDefault ? m[3]! : (value ?? '')) + out.slice(m.index + m[0].length);
  }
  return out.replaceAll(DOLLAR, '$');
}
