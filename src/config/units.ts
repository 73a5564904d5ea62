import { z } from 'zod';
import { describe } from './issues.ts';

/** Milliseconds per duration unit. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Bytes per size unit: binary (KiB = 1024) and decimal (KB = 1000); `B` alone is bytes. */
const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

// One or more amount+unit parts ("1m30s", "1m 30s"); `ms` is tried before `m`.
const DURATION = /^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h)\s*)+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g;
const BYTES = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i;

const DURATION_HINT = 'expected a duration such as "200ms", "5s", "1m", "1h" or "1m30s", or a number of milliseconds';
const BYTES_HINT = 'expected a size such as "64KiB", "20MiB", "1MB" or "512B", or a number of bytes';

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Rounds away float noise ("1.1s" is 1100.0000000000002 ms) but rejects real fractions ("1.5ms"). */
function whole(n: number, value: string, unit: string): number {
  const rounded = Math.round(n);
  if (!Number.isSafeInteger(rounded) || Math.abs(n - rounded) > 1e-6) throw new RangeError(`${shown(value)} is not a whole number of ${unit}`);
  return rounded;
}

/**
 * `"200ms" | "5s" | "1m" | "1h" | "1m30s" | "1.5s"` or a number (milliseconds) → whole milliseconds.
 * Throws a RangeError that says what was expected.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${DURATION_HINT}; got ${value} (must be a whole, non-negative number)`);
    return value;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) throw new RangeError(`${DURATION_HINT}; got ${shown(value)}, which has no unit`);
  if (!DURATION.test(text)) throw new RangeError(`${DURATION_HINT}; got ${shown(value)}`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) total += Number(amount) * (DURATION_UNITS[unit ?? ''] ?? Number.NaN);
  return whole(total, value, 'milliseconds');
}

/** `"20MiB" | "64KiB" | "1MB" | "512B"` (units case-insensitive) or a number (bytes) → whole bytes. Throws a RangeError. */
export function parseBytes(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${BYTES_HINT}; got ${value} (must be a whole, non-negative number)`);
    return value;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) throw new RangeError(`${BYTES_HINT}; got ${shown(value)}, which has no unit`);
  const match = BYTES.exec(text);
  const unit = match?.[2]?.toLowerCase();
  const factor = unit === undefined ? undefined : BYTE_UNITS[unit];
  if (match === null || match[1] === undefined || factor === undefined) {
    // "20M" or "1K" are ambiguous between binary and decimal: name both rather than guess.
    const letter = unit !== undefined && /^[kmg]$/.test(unit) ? unit.toUpperCase() : undefined;
    const hint = letter === undefined ? '' : ` ("${letter}" is ambiguous: write ${letter}iB for binary or ${letter}B for decimal)`;
    throw new RangeError(`${BYTES_HINT}; got ${shown(value)}${hint}`);
  }
  return whole(Number(match[1]) * factor, value, 'bytes');
}

export interface UnitBounds {
  /** Smallest allowed value in ms or bytes (default 1: zero is rarely meant). */
  min?: number;
  /** Largest allowed value in ms or bytes. */
  max?: number;
}

function unitSchema(parse: (value: string | number) => number, expected: string, format: (n: number) => string, bounds: UnitBounds) {
  const min = bounds.min ?? 1;
  return z.unknown().transform((value, ctx): number => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      ctx.issues.push({ code: 'custom', input: value, message: `expected ${expected}, got ${describe(value, false)}` });
      return z.NEVER;
    }
    try {
      const n = parse(value);
      if (n < min) throw new RangeError(`must be at least ${format(min)}`);
      if (bounds.max !== undefined && n > bounds.max) throw new RangeError(`must be at most ${format(bounds.max)}`);
      return n;
    } catch (error) {
      ctx.issues.push({ code: 'custom', input: value, message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** Zod schema: a duration (see parseDuration) → milliseconds. */
export function duration(bounds: UnitBounds = {}) {
  return unitSchema(parseDuration, 'a duration such as "5s"', formatDuration, bounds);
}

/** Zod schema: a size (see parseBytes) → bytes. */
export function bytes(bounds: UnitBounds = {}) {
  return unitSchema(parseBytes, 'a size such as "20MiB"', formatBytes, bounds);
}

/** 1500 → "1.5s", 200 → "200ms": for messages. */
export function formatDuration(ms: number): string {
  for (const [unit, factor] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= factor && ms % (factor / 10) === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}

/** 123456789 → "117.7MiB" (exact sizes as formatBytes): for messages about measured sizes. */
export function formatSize(n: number): string {
  for (const [unit, factor] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= factor) return n % factor === 0 ? `${n / factor}${unit}` : `${(n / factor).toFixed(1)}${unit}`;
  }
  return `${n}B`;
}

/** 20971520 → "20MiB": for messages. */
export function formatBytes(n: number): string {
  for (const [unit, factor] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= factor && n % factor === 0) return `${n / factor}${unit}`;
  }
  return `${n}B`;
}
