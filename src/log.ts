import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Every secret the config holds; anything logged passes through `scrub` so none can leak. */
const secrets = new Set<string>();

export function registerSecrets(values: Iterable<string>): void {
  for (const v of values) if (v.length >= 4) secrets.add(v);
}

/** Replaces every registered secret in a string with a marker that keeps only its length. */
export function scrub(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(`[redacted ${s.length} chars]`);
  return out;
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrub(value.message) };
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Pretty, human lines on a TTY; JSON otherwise (docker logs, files). */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && !opts.destination);
  const options = {
    level,
    base: { name: 'otlp-relay' },
    hooks: {
      // Secrets can hide in any argument (error texts echo request headers): scrub them all.
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => scrubValue(a)));
      },
    },
  };
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' } } });
  }
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that says each distinct thing once: for mistakes that would otherwise repeat per request. */
export class OnceLogger {
  readonly #seen = new Set<string>();
  readonly #log: Logger;
  readonly #max: number;
  constructor(log: Logger, max = 1000) {
    this.#log = log;
    this.#max = max;
  }
  warn(key: string, obj: Record<string, unknown>, msg: string): boolean {
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= this.#max) this.#seen.clear(); // bounded memory: forget, rather than grow
    this.#seen.add(key);
    this.#log.warn(obj, msg);
    return true;
  }
  reset(key: string): void {
    this.#seen.delete(key);
  }
}
