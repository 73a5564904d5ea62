/**
 * Parses the `exception.stacktrace` text OpenTelemetry SDKs record into language-neutral frames
 * and cause chains, for every exporter that shows stacks (X-Ray `cause`, Rollbar `trace_chain`).
 * Pure and total: any text gives a result or undefined, never an exception.
 */
import { parseDotnet } from './dotnet.ts';
import { parseGo } from './go.ts';
import { parseJava } from './java.ts';
import { parsePython } from './python.ts';
import type { ParsedException, ParseOptions, StackFormat } from './types.ts';
import { parseV8 } from './v8.ts';

export type { ParsedException, ParseOptions, StackFormat, StackFrame } from './types.ts';

/** Stack traces longer than this are cut before parsing: bounded work for any input. */
export const MAX_STACKTRACE_CHARS = 256 * 1024;
/** Cause chains deeper than this are cut: a cycle-shaped or hostile chain stays bounded. */
export const MAX_CAUSE_DEPTH = 32;

/** `telemetry.sdk.language` values (https://opentelemetry.io/docs/specs/semconv/resource/#telemetry-sdk) → the format their SDK records. */
const LANGUAGE_FORMAT: Readonly<Record<string, StackFormat>> = {
  java: 'java',
  php: 'java', // the PHP SDK formats traces like Java's printStackTrace
  python: 'python',
  nodejs: 'v8',
  javascript: 'v8',
  webjs: 'v8',
  dotnet: 'dotnet',
  go: 'go',
};

const PARSERS: Readonly<Record<StackFormat, (text: string, options: ParseOptions) => ParsedException | undefined>> = {
  java: parseJava,
  python: parsePython,
  v8: parseV8,
  dotnet: parseDotnet,
  go: parseGo,
};

/** The format an SDK language records, if known. */
export function formatOfLanguage(language: string | undefined): StackFormat | undefined {
  return language === undefined ? undefined : LANGUAGE_FORMAT[language.toLowerCase()];
}

/** Detection reads at most this many lines, each cut to DETECT_LINE_CHARS: bounded work for any input. */
const DETECT_LINES = 200;
const DETECT_LINE_CHARS = 1000;

/** Guesses the format from the text itself, strongest markers first (Java, .NET and V8 frames all start with "at"). */
export function detectFormat(text: string): StackFormat | undefined {
  const sample = text
    .split(/\r\n|\r|\n/, DETECT_LINES)
    .map((l) => l.slice(0, DETECT_LINE_CHARS))
    .join('\n');
  if (/^Traceback \(most recent call last\):|^[ \t]+File ".*?", line \d+/m.test(sample)) return 'python';
  if (/^goroutine \d+ \[/m.test(sample) || /^\S.*\)\n[ \t]+\S+\.go:\d+/m.test(sample)) return 'go';
  if (/:line \d+[ \t]*$|^[ \t]*--- End of (?:inner exception )?stack trace|(?:^|[ \t])---> [\p{L}_][\p{L}\p{N}_.+`]*(?:Exception|Error)\b/mu.test(sample)) return 'dotnet';
  if (/^[ \t]*at [^\s(]+\((?:[^()]*\.(?:java|kt|kts|scala|groovy|clj|php)(?::\d+)?|Native Method|Unknown Source)\)/m.test(sample) || /^Caused by: /m.test(sample)) return 'java';
  if (/^[ \t]*at .*:\d+:\d+\)?(?: \{)?[ \t]*$|^[ \t]*at .*\((?:<anonymous>|native)\)$|^[^@\s]*@.+:\d+:\d+$/m.test(sample)) return 'v8';
  if (/^ {3}at [^\s(]+\(.*\)[ \t]*$/m.test(sample)) return 'dotnet';
  return undefined;
}

function hasFrames(e: ParsedException | undefined): boolean {
  for (let x = e; x; x = x.cause) if (x.frames.length > 0) return true;
  return false;
}

function capDepth(e: ParsedException): ParsedException {
  let x: ParsedException | undefined = e;
  for (let depth = 1; x; depth++, x = x.cause) {
    if (depth >= MAX_CAUSE_DEPTH && x.cause) {
      delete x.cause;
      break;
    }
  }
  return e;
}

/** Texts whose parse is remembered (at most 2 MB of text): an error repeats its stack trace, and a lookup costs far less than a parse. */
const CACHED_TEXTS = 128;
/** Longer texts are parsed every time. */
const CACHED_TEXT_CHARS = 16 * 1024;
/** Stands for "no exception in this text" in the cache. */
const NOTHING: ParsedException = Object.freeze({ frames: [] });
/** Text → its parse per variant: format hint (or none), and whether source lines are kept. */
const cache = new Map<string, Array<ParsedException | undefined>>();
const VARIANT: Readonly<Record<StackFormat, number>> = { java: 1, python: 2, v8: 3, dotnet: 4, go: 5 };

function freeze(e: ParsedException): ParsedException {
  for (let x: ParsedException | undefined = e; x; x = x.cause) {
    for (const f of x.frames) Object.freeze(f);
    Object.freeze(x.frames);
    if (x.unparsed) Object.freeze(x.unparsed);
    Object.freeze(x);
  }
  return e;
}

/**
 * Parses a stack trace. `language` (telemetry.sdk.language) picks the format; when it is unknown,
 * or its parser finds no frame, the format is detected from the text. Lines no rule understood are
 * kept in `unparsed`; `options.source` keeps the source lines some runtimes print (Python).
 * The result is frozen: the same text gives the same (shared) object while it is remembered.
 */
export function parseStackTrace(text: string, language?: string, options: ParseOptions = {}): ParsedException | undefined {
  const hinted = formatOfLanguage(language);
  if (text.length > CACHED_TEXT_CHARS) return parse(text, hinted, options);
  const variant = (hinted ? VARIANT[hinted] : 0) * 2 + (options.source === true ? 1 : 0);
  let parses = cache.get(text);
  const hit = parses?.[variant];
  if (hit !== undefined) return hit === NOTHING ? undefined : hit;
  const parsed = parse(text, hinted, options);
  if (!parses) {
    if (cache.size >= CACHED_TEXTS) cache.delete(cache.keys().next().value!); // the oldest goes first
    cache.set(text, (parses = []));
  }
  parses[variant] = parsed ? freeze(parsed) : NOTHING;
  return parsed;
}

function parse(text: string, hinted: StackFormat | undefined, options: ParseOptions): ParsedException | undefined {
  const cut = text.length > MAX_STACKTRACE_CHARS;
  const input = cut ? text.slice(0, MAX_STACKTRACE_CHARS) : text;
  if (input.trim() === '') return undefined;
  let parsed = hinted ? PARSERS[hinted](input, options) : undefined;
  if (!hasFrames(parsed)) {
    const detected = detectFormat(input);
    if (detected && detected !== hinted) {
      const other = PARSERS[detected](input, options);
      if (hasFrames(other)) parsed = other;
    }
  }
  if (!parsed) return undefined;
  if (cut) parsed.truncated = true;
  return capDepth(parsed);
}
