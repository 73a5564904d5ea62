import { formatPath, type PathSegment, type Problem } from './errors.ts';
import { isPlainObject } from './secrets.ts';
import { didYouMean } from './suggest.ts';

const REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;
const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SYNTAX = 'expected ${env:NAME} or ${env:NAME:-default} (write $${ for a literal ${)';

export interface Expansion {
  value: string;
  /** What went wrong, without the text of the reference (its default may be a secret). */
  errors: string[];
  /** True when the text held at least one reference (the value came from the environment). */
  substituted: boolean;
}

/**
 * Expands `${env:VAR}` and `${env:VAR:-default}` in one string; `$${` is a literal `${`.
 * As in the shell, the default applies when VAR is unset or empty; an unset VAR without a default is an error.
 */
export function expandString(text: string, env: NodeJS.ProcessEnv): Expansion {
  let value = '';
  const errors: string[] = [];
  let substituted = false;
  let i = 0;
  while (i < text.length) {
    const next = text.indexOf('$', i);
    if (next === -1) {
      value += text.slice(i);
      break;
    }
    value += text.slice(i, next);
    if (text.startsWith('$${', next)) {
      value += '${';
      i = next + 3;
      continue;
    }
    if (!text.startsWith('${', next)) {
      value += '$';
      i = next + 1;
      continue;
    }
    const close = text.indexOf('}', next + 2);
    if (close === -1) {
      errors.push(`unterminated "\${": ${SYNTAX}`);
      break;
    }
    const inner = text.slice(next + 2, close);
    i = close + 1;
    const match = REFERENCE.exec(inner);
    if (match === null || match[1] === undefined) {
      errors.push(BARE_NAME.test(inner) ? `"\${${inner}}" is not supported: write \${env:${inner}}` : `invalid reference: ${SYNTAX}`);
      continue;
    }
    substituted = true;
    const [, name, fallback] = match;
    const set = env[name];
    if (set !== undefined && (set !== '' || fallback === undefined)) value += set;
    else if (fallback !== undefined) value += fallback;
    else errors.push(`environment variable ${name} is not set${didYouMean(name, Object.keys(env))}`);
  }
  return { value, errors, substituted };
}

export interface Substitution {
  value: unknown;
  problems: Problem[];
  /** Formatted paths whose strings came from the environment: only these are coerced to numbers or booleans. */
  substituted: Set<string>;
  /** Formatted paths whose substitution failed: later checks on their (meaningless) value are not reported. */
  failed: Set<string>;
}

/** Substitutes references in every string scalar of a parsed YAML tree (not in keys); returns a new tree. */
export function substituteEnv(tree: unknown, env: NodeJS.ProcessEnv): Substitution {
  const problems: Problem[] = [];
  const substituted = new Set<string>();
  const failed = new Set<string>();
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('$')) return node;
      const expansion = expandString(node, env);
      const key = formatPath(path);
      if (expansion.substituted) substituted.add(key);
      if (expansion.errors.length > 0) failed.add(key);
      for (const message of expansion.errors) problems.push({ path, message });
      return expansion.value;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (isPlainObject(node)) {
      // fromEntries defines own properties, so a `__proto__` key stays a key.
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, [...path, key])]));
    }
    return node;
  };
  return { value: walk(tree, []), problems, substituted, failed };
}
