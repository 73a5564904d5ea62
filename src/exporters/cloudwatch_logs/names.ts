/**
 * Log group and log stream names from templates: literal text with `{attribute.key}` placeholders
 * filled from the log record's resource attributes.
 *
 * - `{service.name}` is the resource attribute's value (strings as they are, numbers and booleans as
 *   text); `{service.name:-web}` gives a fallback for when the attribute is missing or empty.
 * - Without a fallback, a missing attribute becomes `unknown` (MISSING_VALUE).
 * - `{relay.instance}` is this relay process's own id (host name + random suffix), fixed at start.
 * - Filled-in values are made valid (characters the API refuses become `_`, the name is cut to 512
 *   characters, a group name starting with `aws/` gets a `_` in front); the literal text of a template
 *   is checked at config time instead, so a mistake in the config is said at start-up, not per record.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AttrMap } from '../../otlp/attributes.ts';
import {
  MAX_GROUP_NAME_CHARS,
  MAX_STREAM_NAME_CHARS,
  NOT_GROUP_NAME_CHARACTER,
  NOT_STREAM_NAME_CHARACTER,
  RESERVED_GROUP_PREFIX,
} from './limits.ts';

export type NameKind = 'group' | 'stream';

/** What a placeholder becomes when its attribute is missing and it names no fallback. */
export const MISSING_VALUE = 'unknown';

/** The placeholder for this relay process's id. */
export const INSTANCE_KEY = 'relay.instance';

/** The default group: one per service. */
export const DEFAULT_GROUP_TEMPLATE = '/otlp-relay/{service.name}';

/** The default stream: unique per relay process, so two relays never write to one stream. */
export const DEFAULT_STREAM_TEMPLATE = `otlp-relay/{${INSTANCE_KEY}}`;

type Part = { literal: string } | { key: string; fallback: string | undefined };

const PLACEHOLDER = /^([^{}:\s]+)(?::-([^{}]*))?$/;

const RULES: Record<NameKind, { max: number; bad: RegExp; allowed: string }> = {
  group: { max: MAX_GROUP_NAME_CHARS, bad: NOT_GROUP_NAME_CHARACTER, allowed: 'letters, digits and . - _ / #' },
  stream: { max: MAX_STREAM_NAME_CHARS, bad: NOT_STREAM_NAME_CHARACTER, allowed: 'any character but : and *' },
};

/** A random id for this relay process: host name plus 8 hex digits (containers may share a host name and pid 1). */
export function relayInstanceId(host: string = hostname()): string {
  const h = host.replace(NOT_GROUP_NAME_CHARACTER, '_').slice(0, 200) || 'relay';
  return `${h}-${randomBytes(4).toString('hex')}`;
}

function shown(c: string): string {
  return c === ' ' ? '" " (a space)' : JSON.stringify(c);
}

/** Problems with a literal piece of a name (template text or a fallback). */
function literalProblems(text: string, kind: NameKind, where: string): string[] {
  const bad = [...new Set(text.match(RULES[kind].bad) ?? [])];
  if (bad.length === 0) return [];
  return [`${where} has ${bad.map(shown).join(', ')}, which log ${kind} names cannot contain (allowed: ${RULES[kind].allowed})`];
}

/** Cuts to `max` UTF-16 units without splitting a surrogate pair. */
function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

export class NameTemplate {
  readonly text: string;
  readonly kind: NameKind;
  readonly #parts: Part[];
  /** True when the name is the same for every resource (no placeholder but relay.instance). */
  readonly constant: boolean;

  private constructor(text: string, kind: NameKind, parts: Part[]) {
    this.text = text;
    this.kind = kind;
    this.#parts = parts;
    this.constant = parts.every((p) => 'literal' in p || p.key === INSTANCE_KEY);
  }

  /** Parses and checks a template against the API's name rules; problems are whole sentences. */
  static parse(text: string, kind: NameKind): { template: NameTemplate } | { problems: string[] } {
    const problems: string[] = [];
    const parts: Part[] = [];
    let i = 0;
    while (i < text.length) {
      const open = text.indexOf('{', i);
      const close = text.indexOf('}', i);
      if (close !== -1 && (open === -1 || close < open)) {
        problems.push(`has a "}" at character ${close + 1} that closes no "{"`);
        break;
      }
      if (open === -1) {
        parts.push({ literal: text.slice(i) });
        break;
      }
      if (open > i) parts.push({ literal: text.slice(i, open) });
      const end = text.indexOf('}', open);
      if (end === -1) {
        problems.push(`has a "{" at character ${open + 1} with no closing "}"`);
        break;
      }
      const inner = text.slice(open + 1, end);
      const m = PLACEHOLDER.exec(inner);
      if (!m || m[1] === undefined) {
        problems.push(`has "{${inner}}": expected {attribute.key} or {attribute.key:-fallback}`);
      } else {
        const fallback = m[2];
        if (fallback !== undefined) problems.push(...literalProblems(fallback, kind, `the fallback in "{${inner}}"`));
        parts.push({ key: m[1], fallback: fallback === '' ? undefined : fallback });
      }
      i = end + 1;
    }
    const literal = parts.map((p) => ('literal' in p ? p.literal : '')).join('');
    problems.push(...literalProblems(literal, kind, 'the literal text'));
    if (literal.length > RULES[kind].max) problems.push(`has ${literal.length} characters of literal text; log ${kind} names have at most ${RULES[kind].max}`);
    if (kind === 'group' && text.startsWith(RESERVED_GROUP_PREFIX)) problems.push(`starts with "${RESERVED_GROUP_PREFIX}", which CloudWatch Logs reserves for AWS services`);
    if (text === '') problems.push(`is empty; log ${kind} names have 1 to ${RULES[kind].max} characters`);
    return problems.length > 0 ? { problems } : { template: new NameTemplate(text, kind, parts) };
  }

  /** The attribute keys the template reads. */
  get keys(): string[] {
    return this.#parts.flatMap((p) => ('key' in p && p.key !== INSTANCE_KEY ? [p.key] : []));
  }

  /** The name for one resource: always valid by the API's rules. */
  render(resource: AttrMap, instance: string): string {
    const rule = RULES[this.kind];
    let out = '';
    for (const p of this.#parts) {
      if ('literal' in p) {
        out += p.literal;
        continue;
      }
      const value = p.key === INSTANCE_KEY ? instance : (attributeText(resource[p.key]) ?? p.fallback ?? MISSING_VALUE);
      out += value.replace(rule.bad, '_');
    }
    if (this.kind === 'group' && out.startsWith(RESERVED_GROUP_PREFIX)) out = `_${out}`;
    out = cutChars(out, rule.max);
    return out === '' ? MISSING_VALUE : out;
  }
}

/** A resource attribute as name text: strings, numbers and booleans; anything else counts as missing. */
function attributeText(v: AttrMap[string]): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}
