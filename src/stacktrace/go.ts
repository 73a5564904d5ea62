/**
 * Go's goroutine traces (`runtime.Stack`, `debug.Stack`, panics): what OTel Go records with
 * `RecordError(err, trace.WithStackTrace(true))`, read into a fixed-size buffer, so often cut short.
 *   panic: message                                   (panics only)
 *   goroutine 1 [running]:
 *   main.(*App).Start(0x0)                           (function, then its argument words)
 *   \t/app/main.go:42 +0x30                          (file:line and pc offset)
 *   created by main.main in goroutine 1
 * Only the first goroutine (the one that failed) is read. Go has no exception chaining in traces.
 * https://pkg.go.dev/runtime#Stack
 */
import { keepUnparsed, lineNumber, openingParen, splitLines } from './lines.ts';
import type { ParsedException, StackFrame } from './types.ts';

const GOROUTINE = /^goroutine \d+ \[/;
const PANIC = /^panic: (.*?)(?: \[recovered\])?$/;
const LOCATION = /^[ \t]+(.+?):(\d+)(?: \+0x[0-9a-fA-F]+)?(?: fp=.*)?$/;
const CREATED_BY = /^created by (.+?)(?: in goroutine \d+)?$/;

/** "pkg.(*T).Method(0xc0, {0x1, 0x2})" → "pkg.(*T).Method"; "pkg.f(...)" → "pkg.f". */
function functionName(line: string): string {
  const text = line.trim();
  const created = CREATED_BY.exec(text);
  if (created) return created[1]!;
  if (!text.endsWith(')')) return text;
  const open = openingParen(text);
  return open > 0 ? text.slice(0, open) : text;
}

export function parseGo(text: string): ParsedException | undefined {
  const lines = splitLines(text);
  const root: ParsedException = { frames: [] };
  // Without a goroutine header (a trace pasted from its second line), every line is read.
  const hasHeader = lines.some((l) => GOROUTINE.test(l));
  let inGoroutine = !hasHeader;
  let pending: string | undefined; // a function line waiting for its location line
  const flush = (): void => {
    if (pending !== undefined) root.frames.push({ label: pending });
    pending = undefined;
  };
  for (const line of lines) {
    if (GOROUTINE.test(line)) {
      if (inGoroutine && hasHeader) break; // other goroutines: not the one that failed
      inGoroutine = true;
      continue;
    }
    const panic = PANIC.exec(line);
    if (panic && root.message === undefined && root.frames.length === 0 && pending === undefined) {
      root.type = 'panic';
      root.message = panic[1]!;
      continue;
    }
    if (!inGoroutine) {
      keepUnparsed(root, line); // "[signal SIGSEGV …]", a second panic line, log output before the trace
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const loc = /^\s/.test(line) ? LOCATION.exec(line.trimEnd()) : null;
    if (loc) {
      const frame: StackFrame = { path: loc[1]! };
      const n = lineNumber(loc[2]);
      if (n !== undefined) frame.line = n;
      if (pending !== undefined) frame.label = pending;
      pending = undefined;
      root.frames.push(frame);
      continue;
    }
    if (line.startsWith('...')) continue; // "...additional frames elided..."
    if (/^\s/.test(line) || line.startsWith('[')) {
      keepUnparsed(root, line); // a location line that does not read as file:line
      continue;
    }
    flush();
    pending = functionName(line);
  }
  // Complete traces end with a newline (whitespace after it aside); checked without a regex over whitespace runs.
  const cut = text !== '' && !text.slice(text.trimEnd().length).includes('\n');
  // A last function line without its location may itself be cut mid-name: drop it rather than show a wrong name.
  if (cut) pending = undefined;
  flush();
  if (cut) root.truncated = true;
  if (root.frames.length === 0 && root.message === undefined) return undefined;
  return root;
}
