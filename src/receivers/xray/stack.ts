/**
 * X-Ray exception stack frames ({path, line, label}, most recent call first) → the text an
 * OpenTelemetry SDK of the same language records in `exception.stacktrace`, so every exporter that
 * reads stacks (src/stacktrace: Rollbar's frames, X-Ray's own `cause`) parses them back.
 */

/** `aws.xray.sdk` ("X-Ray for Python", "X-Ray for Node.js", …) → `telemetry.sdk.language` (https://opentelemetry.io/docs/specs/semconv/resource/#telemetry-sdk). */
const LANGUAGES: ReadonlyArray<[RegExp, string]> = [
  [/\bpython\b/i, 'python'],
  [/\bnode(\.?js)?\b/i, 'nodejs'],
  [/\bjava\b/i, 'java'],
  [/\bgo\b/i, 'go'],
  [/\.net\b/i, 'dotnet'],
  [/\bruby\b/i, 'ruby'],
];

export function sdkLanguage(sdk: string | undefined): string | undefined {
  if (sdk === undefined) return undefined;
  return LANGUAGES.find(([re]) => re.test(sdk))?.[1];
}

type Frame = Record<string, unknown>;

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function lineOf(f: Frame): string {
  return Number.isInteger(f['line']) ? String(f['line']) : '';
}

/** The stack as the language prints it (Java's format when the language is unknown: the X-Ray SDK for Java is the commonest). */
export function renderStack(type: string | undefined, message: string | undefined, frames: readonly Frame[], language: string | undefined): string {
  const head = type && message ? `${type}: ${message}` : (type ?? message ?? 'Error');
  switch (language) {
    case 'python': {
      // Python prints the most recent call last.
      const lines = [...frames].reverse().map((f) => `  File "${text(f['path'])}", line ${lineOf(f) || '0'}, in ${text(f['label']) || '<module>'}`);
      return ['Traceback (most recent call last):', ...lines, head].join('\n');
    }
    case 'nodejs':
      return [head, ...frames.map((f) => `    at ${text(f['label']) || '<anonymous>'} (${text(f['path'])}${lineOf(f) ? `:${lineOf(f)}` : ''})`)].join('\n');
    case 'dotnet':
      return [head, ...frames.map((f) => `   at ${text(f['label']) || '<unknown>'}${text(f['path']) ? ` in ${text(f['path'])}${lineOf(f) ? `:line ${lineOf(f)}` : ''}` : ''}`)].join('\n');
    default:
      return [head, ...frames.map((f) => `\tat ${text(f['label']) || 'unknown'}(${text(f['path']) || 'Unknown Source'}${lineOf(f) ? `:${lineOf(f)}` : ''})`)].join('\n');
  }
}
