/** Turns zod issues into problems with plain-language messages that never echo a secret. */
import type { z } from 'zod';
import { formatPath, type PathSegment, type Problem } from './errors.ts';
import type { UnknownKeyParams } from './schema.ts';
import { isSensitivePath } from './secrets.ts';
import { closest, didYouMean } from './suggest.ts';

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

/** How a received value reads in a message; for sensitive paths only its kind, never its text. */
export function describe(value: unknown, sensitive: boolean): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (sensitive) return `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return String(value);
}

/** `unknown key (did you mean "x"?)` when one is close, else the list of known keys. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const hint = didYouMean(key, known);
  return hint === '' ? `unknown key (known keys: ${known.join(', ')})` : `unknown key${hint}`;
}

function isUnknownKey(issue: z.core.$ZodIssue): issue is z.core.$ZodIssueCustom & { params: UnknownKeyParams } {
  return issue.code === 'custom' && Array.isArray((issue.params as Partial<UnknownKeyParams> | undefined)?.unknownKeyOf);
}

/** Zod issues → problems; a missing key is not reported when an unknown sibling key is a likely typo of it. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], base: readonly PathSegment[]): Problem[] {
  const withPaths = issues.map((issue) => ({ issue, path: [...base, ...issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s))] }));
  const typoed = new Set<string>();
  for (const { issue, path } of withPaths) {
    const meant = isUnknownKey(issue) ? closest(String(path.at(-1)), issue.params.unknownKeyOf) : undefined;
    if (meant !== undefined) typoed.add(formatPath([...path.slice(0, -1), meant]));
  }
  return withPaths
    .filter(({ issue, path }) => !(issue.code === 'invalid_type' && issue.input === undefined && typoed.has(formatPath(path))))
    .map(({ issue, path }) => ({ path, message: issueMessage(issue, path) }));
}

function issueMessage(issue: z.core.$ZodIssue, path: PathSegment[]): string {
  const sensitive = isSensitivePath(path);
  // reportInput is on, so `input` is what the user wrote (after env substitution).
  const input = (issue as { input?: unknown }).input;
  if (isUnknownKey(issue)) {
    return unknownKeyMessage(String(path.at(-1)), issue.params.unknownKeyOf);
  }
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return 'is required';
      // YAML reads unquoted 123 or true as a number or boolean.
      const quote = issue.expected === 'string' && (typeof input === 'number' || typeof input === 'boolean') ? ' (put it in quotes)' : '';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(input, sensitive)}${quote}`;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      const hint = typeof input === 'string' && !sensitive ? didYouMean(input, issue.values.map(String)) : '';
      return `expected one of ${options}, got ${describe(input, sensitive)}${hint}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'is empty' : `must have at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must list at least ${issue.minimum} items`;
      return `must be at least ${issue.minimum}, got ${describe(input, sensitive)}`;
    case 'too_big':
      if (issue.origin === 'string') return `must have at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must list at most ${issue.maximum} items`;
      return `must be at most ${issue.maximum}, got ${describe(input, sensitive)}`;
    case 'invalid_union':
      return issue.message;
    case 'invalid_key':
      return issue.issues[0]?.message ?? issue.message;
    case 'invalid_format':
      return sensitive ? `is not a valid ${issue.format}` : `is not a valid ${issue.format}: ${describe(input, false)}`;
    default:
      return issue.message;
  }
}
