/**
 * CPython's `traceback.format_exception` format. Chained exceptions print root cause first, each
 * block followed by a separator line; frames print most recent call last:
 *   Traceback (most recent call last):
 *     File "/app/x.py", line 12, in load
 *       return fetch(user_id)
 *              ^^^^^^^^^^^^^^
 *   KeyError: '2'
 *
 *   The above exception was the direct cause of the following exception:
 * https://docs.python.org/3/library/traceback.html
 */
import { keepUnparsed, lineNumber, splitHeader, splitLines } from './lines.ts';
import type { ParsedException, ParseOptions, StackFrame } from './types.ts';

const SEPARATORS = new Set([
  'The above exception was the direct cause of the following exception:',
  'During handling of the above exception, another exception occurred:',
]);
// Lazy path: a greedy one backtracks over every '", line' in a hostile line (quadratic).
const FRAME = /^[ \t]+File "(.*?)", line (\d+)(?:, in (.*))?$/;
const REPEATED = /^[ \t]+\[Previous line repeated (\d+) more times?\]$/;
// Exception class names, qualified or not ("KeyError", "__main__.DatabaseError", "requests.exceptions.ConnectionError").
const TYPE = /^[\p{L}_][\p{L}\p{N}_.]*$/u;

// 3.11+ position markers under a source line ("^^^^", "~~~~^^^^").
const MARKERS = /^[ \t]*[~^]+[ \t]*$/;

function parseBlock(lines: string[], options: ParseOptions): ParsedException {
  const frames: StackFrame[] = [];
  const unparsed: { unparsed?: string[] } = {};
  let omitted = 0;
  let header: string[] = [];
  let last: StackFrame | undefined; // the frame whose source lines may follow
  for (const line of lines) {
    const frame = FRAME.exec(line);
    if (frame) {
      const f: StackFrame = { path: frame[1]! };
      const n = lineNumber(frame[2]);
      if (n !== undefined) f.line = n;
      if (frame[3] !== undefined && frame[3] !== '') f.label = frame[3];
      frames.push(f);
      last = f;
      header = []; // what came before a frame was not the exception line
      continue;
    }
    const repeated = REPEATED.exec(line);
    if (repeated) {
      omitted += Number(repeated[1]);
      continue;
    }
    if (line.startsWith('Traceback (most recent call last)')) continue;
    // Source lines and ^^^ markers are indented; the exception line and its continuation are not.
    if (header.length === 0 && (line === '' || /^\s/.test(line))) {
      if (line.trim() === '' || MARKERS.test(line)) continue;
      if (last === undefined) keepUnparsed(unparsed, line); // indented text before any frame: not a source line
      else if (options.source && last.code === undefined) last.code = line.trim();
      continue;
    }
    last = undefined;
    header.push(line);
  }
  while (header.length > 0 && header.at(-1)!.trim() === '') header.pop();
  const parsed: ParsedException = { ...splitHeader(header.join('\n'), TYPE), frames: frames.reverse() };
  if (omitted > 0) parsed.omittedFrames = omitted;
  if (unparsed.unparsed) parsed.unparsed = unparsed.unparsed;
  return parsed;
}

export function parsePython(text: string, options: ParseOptions = {}): ParsedException | undefined {
  const blocks: string[][] = [[]];
  for (const line of splitLines(text)) {
    if (SEPARATORS.has(line.trim())) blocks.push([]);
    else blocks.at(-1)!.push(line);
  }
  const parsed = blocks.map((b) => parseBlock(b, options)).filter((b) => b.frames.length > 0 || b.type !== undefined || b.message !== undefined);
  // The last block is the exception raised; each earlier one caused the next.
  let head: ParsedException | undefined;
  for (const block of parsed) {
    if (head) block.cause = head;
    head = block;
  }
  return head;
}
