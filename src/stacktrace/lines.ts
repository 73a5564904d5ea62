/** Helpers shared by the per-format parsers. */

/** Any line ending (CRLF from Windows runtimes, LF elsewhere). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** A positive integer from digits, or undefined (never NaN, never 0 for "no line"). */
export function lineNumber(digits: string | undefined): number | undefined {
  if (digits === undefined || !/^\d{1,9}$/.test(digits)) return undefined;
  const n = Number(digits);
  return n > 0 ? n : undefined;
}

/** `Type: message` → parts; a header with no `: ` is a type alone when it looks like one, else a message. */
export function splitHeader(header: string, typePattern: RegExp): { type?: string; message?: string } {
  const text = header.trim();
  if (text === '') return {};
  const colon = text.indexOf(': ');
  if (colon > 0 && typePattern.test(text.slice(0, colon))) {
    const message = text.slice(colon + 2);
    return message === '' ? { type: text.slice(0, colon) } : { type: text.slice(0, colon), message };
  }
  if (text.endsWith(':') && typePattern.test(text.slice(0, -1))) return { type: text.slice(0, -1) };
  return typePattern.test(text) ? { type: text } : { message: text };
}

/** The index of the `(` that opens the parenthesized group ending `text` (which ends with `)`), or -1. */
export function openingParen(text: string): number {
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Unparsed lines kept per exception, and characters kept per line: bounded memory for any input. */
export const MAX_UNPARSED_LINES = 50;
export const MAX_UNPARSED_LINE_CHARS = 500;

/** Records a line no rule understood on `e` (blank lines are not worth keeping). */
export function keepUnparsed(e: { unparsed?: string[] }, line: string): void {
  const text = line.trimEnd();
  if (text.trim() === '') return;
  const list = (e.unparsed ??= []);
  if (list.length < MAX_UNPARSED_LINES) list.push(text.length > MAX_UNPARSED_LINE_CHARS ? `${text.slice(0, MAX_UNPARSED_LINE_CHARS)}…` : text);
}
