/**
 * V8's `error.stack` (Node.js, Chrome, Deno, Bun), plus the `label@path:line:col` lines of
 * SpiderMonkey and JavaScriptCore for browser (`webjs`) spans:
 *   TypeError: message
 *       at label (path:line:col)
 *       at async path:line:col
 * and the `[cause]:` blocks that `util.inspect` prints for `new Error(msg, { cause })` (with its
 * "... N lines matching cause stack trace ..." for frames shared with the cause).
 * https://v8.dev/docs/stack-trace-api
 */
import { keepUnparsed, lineNumber, openingParen, splitHeader, splitLines } from './lines.ts';
import type { ParsedException, StackFrame } from './types.ts';

const FRAME = /^[ \t]*at (.+)$/;
const CAUSE = /^[ \t]*\[cause\]: (.*)$/;
// util.inspect leaves out frames an error shares with its cause: "    ... 2 lines matching cause stack trace ...".
const MATCHING_CAUSE = /^[ \t]*\.\.\. (\d{1,9}) lines? matching cause stack trace \.\.\.[ \t]*$/;
const GECKO_FRAME = /^[ \t]*([^@\s]*)@(.+:\d+(?::\d+)?)$/;
// "TypeError", "AxiosError", "Error [ERR_INVALID_ARG_TYPE]", "DOMException".
const TYPE = /^[\p{L}_$][\p{L}\p{N}_$.]*(?: \[[A-Z0-9_]+\])?$/u;
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;

function location(text: string): Omit<StackFrame, 'label'> {
  let loc = text.trim();
  // eval frames: "eval at fn (file.js:1:2), <anonymous>:3:4": the position inside the evaluated code.
  if (loc.startsWith('eval at ')) loc = loc.slice(loc.lastIndexOf(', ') + 2);
  const m = LOCATION.exec(loc);
  if (!m) return loc === '' ? {} : { path: loc };
  const out: Omit<StackFrame, 'label'> = { path: m[1]! };
  const line = lineNumber(m[2]);
  const column = lineNumber(m[3]);
  if (line !== undefined) out.line = line;
  if (column !== undefined) out.column = column;
  return out;
}

export function v8Frame(body: string): StackFrame {
  // util.inspect opens the error's own properties on the last frame line: "at f (x.js:1:2) {".
  let text = body.trim();
  if (text.endsWith(' {')) text = text.slice(0, -2).trimEnd();
  if (text.startsWith('async ')) text = text.slice('async '.length);
  if (text.endsWith(')')) {
    const open = openingParen(text);
    if (open > 0 && text[open - 1] === ' ') {
      const label = text.slice(0, open - 1).trim();
      const frame: StackFrame = location(text.slice(open + 1, -1));
      if (label !== '') frame.label = label;
      return frame;
    }
  }
  return location(text);
}

export function parseV8(text: string): ParsedException | undefined {
  const lines = splitLines(text);
  const root: ParsedException = { frames: [] };
  let current = root;
  let header: string[] = [];
  let collectingHeader = true;
  const closeHeader = (): void => {
    if (!collectingHeader) return;
    collectingHeader = false;
    while (header.length > 0 && header.at(-1)!.trim() === '') header.pop();
    Object.assign(current, splitHeader(header.join('\n'), TYPE));
  };
  const anyV8Frame = lines.some((l) => FRAME.test(l));
  for (const line of lines) {
    const frame = FRAME.exec(line);
    if (frame) {
      closeHeader();
      current.frames.push(v8Frame(frame[1]!));
      continue;
    }
    const matching = MATCHING_CAUSE.exec(line);
    if (matching) {
      closeHeader();
      current.omittedFrames = (current.omittedFrames ?? 0) + Number(matching[1]);
      continue;
    }
    const cause = CAUSE.exec(line);
    if (cause) {
      closeHeader();
      const next: ParsedException = { frames: [] };
      current.cause = next;
      current = next;
      header = [cause[1]!];
      collectingHeader = true;
      continue;
    }
    const gecko = anyV8Frame ? null : GECKO_FRAME.exec(line);
    if (gecko) {
      closeHeader();
      const f = location(gecko[2]!);
      current.frames.push(gecko[1] ? { ...f, label: gecko[1] } : f);
      continue;
    }
    if (collectingHeader) {
      if (header.length > 0 || line.trim() !== '') header.push(line);
    } else if (line.trim() !== '}') {
      keepUnparsed(current, line); // util.inspect's own properties ("code: 'ENOENT'"), anything else printed after the frames
    }
  }
  closeHeader();
  return root.frames.length > 0 || root.type !== undefined || root.message !== undefined ? root : undefined;
}
