import type { PathSegment } from './errors.ts';

/** Keys whose values are credentials wherever they appear under `exporters`. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'api_key',
  'access_token',
  'token',
  'password',
  'secret_access_key',
  'aws_secret_access_key',
  'session_token',
]);

/** True when a value at this path must never be echoed: a secret key, or a header (headers carry auth). */
export function isSensitivePath(path: readonly PathSegment[]): boolean {
  const last = path.at(-1);
  if (typeof last === 'string' && SECRET_KEYS.has(last)) return true;
  return path.includes('headers');
}

/** The non-empty string values of every secret key anywhere below `exporters`, in document order, once each. */
export function collectSecrets(exporters: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
    } else if (isPlainObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (SECRET_KEYS.has(key) && typeof value === 'string' && value !== '') found.add(value);
        else walk(value);
      }
    }
  };
  walk(exporters);
  return [...found];
}

/** Replaces every secret in `text` with `***`: a last guard in case a secret reached a message some other way. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret containing another is replaced whole; very short ones would garble every message.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
