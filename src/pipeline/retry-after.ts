/**
 * Parses an HTTP `Retry-After` value, given as delay-seconds or as an HTTP-date
 * (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after), into milliseconds from `now`.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const text = v.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (/^\d+\.\d+$/.test(text)) return Math.round(Number(text) * 1000); // lenient: some servers send fractions
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
