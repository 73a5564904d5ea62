/** One problem in a config: where (a key path such as `routes[1].to[0]`) and what. */
export interface Problem {
  path: PathSegment[];
  message: string;
}

export type PathSegment = string | number;

/** Thrown by the loader with every problem found, so a user fixes them all in one pass. */
export class ConfigError extends Error {
  /** Each `"<key path>: <message>"`; never contains a secret's value. */
  readonly problems: string[];
  /** The file path, or what the caller named the text. */
  readonly source: string;

  constructor(problems: string[], source: string) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
    this.source = source;
  }
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['routes', 1, 'to', 0]` → `routes[1].to[0]`; keys that are not plain words are quoted (`resource["service.name"]`). */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(top level)' : out;
}

export function formatProblem(problem: Problem): string {
  return `${formatPath(problem.path)}: ${problem.message}`;
}
