/**
 * .NET's `Exception.ToString()` (what OpenTelemetry .NET records). Inner exceptions print first,
 * innermost last, after ` ---> ` (on new lines in .NET Core, on the same line in .NET Framework);
 * then the innermost exception's frames, "--- End of inner exception stack trace ---", its outer
 * exception's frames, and so on:
 *   System.Outer: message
 *    ---> System.Inner: message
 *      at Ns.Type.Method(String arg) in /src/File.cs:line 42
 *      --- End of inner exception stack trace ---
 *      at Ns.Type.Caller()
 * https://learn.microsoft.com/dotnet/api/system.exception.tostring
 */
import { keepUnparsed, lineNumber, splitHeader, splitLines } from './lines.ts';
import type { ParsedException, StackFrame } from './types.ts';

const FRAME = /^[ \t]*at (.+)$/;
const LINE_SUFFIX = /:line (\d+)$/;
const END_OF_INNER = /^[ \t]*--- End of inner exception stack trace ---[ \t]*$/;
// Async boundaries and Xamarin's managed/Java markers: no frame, no change of exception.
const MARKER = /^[ \t]*--- End of .*---[ \t]*$/;
// "System.InvalidOperationException", "Interop+AndroidCrypto+SslException", "Npgsql.PostgresException (0x80004005)".
const TYPE = /^[\p{L}_][\p{L}\p{N}_.+`]*(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?$/u;

/** "Label(args) in path:line N" → parts; split by hand (the last " in "), since a regex with two open-ended parts is quadratic on hostile lines. */
export function dotnetFrame(text: string): StackFrame {
  const body = text.trimEnd();
  const m = LINE_SUFFIX.exec(body);
  const head = m ? body.slice(0, m.index) : '';
  const at = head.lastIndexOf(' in ');
  if (!m || at < 0) return { label: body };
  const frame: StackFrame = { path: head.slice(at + ' in '.length), label: head.slice(0, at) };
  const line = lineNumber(m[1]);
  if (line !== undefined) frame.line = line;
  return frame;
}

function header(text: string): ParsedException {
  const parts = splitHeader(text.replace(/^\(Inner Exception #\d+\) /, ''), TYPE);
  // The HRESULT / error code is not part of the type's name.
  if (parts.type !== undefined) parts.type = parts.type.replace(/ \([^)]*\)$/, '');
  return { ...parts, frames: [] };
}

export function parseDotnet(text: string): ParsedException | undefined {
  const lines = splitLines(text);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i >= lines.length) return undefined;
  // The header runs until the first frame or marker line; the console host prefixes "Unhandled exception. ".
  const headerLines: string[] = [];
  for (; i < lines.length && !FRAME.test(lines[i]!) && !MARKER.test(lines[i]!); i++) headerLines.push(lines[i]!);
  const headerText = headerLines.join('\n').replace(/^Unhandled exception\. /, '').trimEnd();
  const chain = headerText.split(/(?:^|\s)---> /m).filter((part) => part.trim() !== '').map(header);
  if (chain.length === 0) chain.push({ frames: [] });
  for (let k = 0; k + 1 < chain.length; k++) chain[k]!.cause = chain[k + 1]!;
  // Frames print innermost first; each end-of-inner line moves out one level.
  let level = chain.length - 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (END_OF_INNER.test(line)) {
      level = Math.max(0, level - 1);
      continue;
    }
    if (MARKER.test(line)) continue;
    const frame = FRAME.exec(line);
    if (frame) chain[level]!.frames.push(dotnetFrame(frame[1]!));
    else keepUnparsed(chain[level]!, line); // e.g. "Exception data:" and its entries
  }
  return chain[0];
}
