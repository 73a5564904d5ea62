/**
 * Java's `Throwable.printStackTrace` format (also Kotlin, Scala, and PHP's OTel SDK):
 *   pkg.Type: message            (the message may span lines)
 *   \tat pkg.Class.method(File.java:12)
 *   \t... 8 more
 *   \tSuppressed: …              (indented one level deeper: not part of the cause chain; its header lines kept as text)
 *   Caused by: pkg.Other: message
 * https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/lang/Throwable.html#printStackTrace()
 */
import { keepUnparsed, lineNumber, splitHeader, splitLines } from './lines.ts';
import type { ParsedException, StackFrame } from './types.ts';

const FRAME = /^([ \t]*)at (.+)$/;
const OMITTED = /^([ \t]*)\.\.\. (\d+) (?:more|common frames omitted)[ \t]*$/;
const CAUSED_BY = /^([ \t]*)Caused by: (.*)$/;
const SUPPRESSED = /^([ \t]*)Suppressed: /;
// Class names: dotted identifiers, `$` for nested classes; PHP namespaces use `\`.
const TYPE = /^[\p{L}_$][\p{L}\p{N}_$.\\]*$/u;
// `label(location)`, optionally followed by logback's packaging data ` ~[app.jar:1.0]`.
const CALL = /^(.*?)\(([^()]*)\)(?: ~?\[[^\]]*\])?$/;

export function javaFrame(text: string): StackFrame {
  const m = CALL.exec(text.trimEnd());
  if (!m) return { label: text.trim() };
  // Drop a class loader or module prefix ("java.base/", "app//"): Java names never contain "/".
  const label = m[1]!.slice(m[1]!.lastIndexOf('/') + 1);
  const location = m[2]!;
  const frame: StackFrame = {};
  const colon = location.lastIndexOf(':');
  const line = colon === -1 ? undefined : lineNumber(location.slice(colon + 1));
  const path = line === undefined ? location : location.slice(0, colon);
  if (path !== '') frame.path = path;
  if (line !== undefined) frame.line = line;
  if (label !== '') frame.label = label;
  return frame;
}

export function parseJava(text: string): ParsedException | undefined {
  const lines = splitLines(text);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i >= lines.length) return undefined;
  const root: ParsedException = { frames: [] };
  let current = root;
  let header: string[] = [lines[i]!];
  let collectingHeader = true;
  let baseIndent: number | undefined;
  let inSuppressed = false;
  const closeHeader = (): void => {
    if (!collectingHeader) return;
    collectingHeader = false;
    Object.assign(current, splitHeader(header.join('\n'), TYPE));
  };
  for (i++; i < lines.length; i++) {
    const line = lines[i]!;
    const frame = FRAME.exec(line);
    if (frame) {
      const indent = frame[1]!.length;
      baseIndent ??= indent;
      if (indent > baseIndent) continue; // a suppressed exception's frame
      inSuppressed = false;
      closeHeader();
      current.frames.push(javaFrame(frame[2]!));
      continue;
    }
    const omitted = OMITTED.exec(line);
    if (omitted) {
      if (baseIndent !== undefined && omitted[1]!.length > baseIndent) continue;
      if (inSuppressed) continue;
      closeHeader();
      current.omittedFrames = Number(omitted[2]);
      continue;
    }
    const caused = CAUSED_BY.exec(line);
    if (caused) {
      if (caused[1]!.length > 0) {
        keepUnparsed(current, line); // a suppressed exception's cause: said, not chained
        continue;
      }
      inSuppressed = false;
      closeHeader();
      const next: ParsedException = { frames: [] };
      current.cause = next;
      current = next;
      header = [caused[2]!];
      collectingHeader = true;
      continue;
    }
    if (SUPPRESSED.test(line)) {
      closeHeader();
      inSuppressed = true;
      keepUnparsed(current, line); // suppressed exceptions are not part of the cause chain: kept as text
      continue;
    }
    if (collectingHeader) header.push(line);
    else if (!inSuppressed) keepUnparsed(current, line);
  }
  closeHeader();
  return root;
}
