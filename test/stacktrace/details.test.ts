/** What the parser keeps beyond frames and chains: lines no rule understood, Python's source lines, util.inspect's shared-frame marker. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseStackTrace, type ParsedException } from '../../src/stacktrace/index.ts';
import { MAX_UNPARSED_LINE_CHARS, MAX_UNPARSED_LINES } from '../../src/stacktrace/lines.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function chain(e: ParsedException | undefined): ParsedException[] {
  const out: ParsedException[] = [];
  for (let x = e; x; x = x.cause) out.push(x);
  return out;
}

describe('lines no rule understood are kept, on the exception they were printed with', () => {
  test('.NET "Exception data:" entries belong to the inner exception', () => {
    const [outer, inner] = chain(parseStackTrace(fixture('dotnet-efcore.txt'), 'dotnet'));
    assert.equal(outer?.unparsed, undefined);
    assert.equal(inner?.unparsed?.[0], '  Exception data:');
    assert.equal(inner?.unparsed?.length, 11);
    assert.ok(inner?.unparsed?.includes('    SqlState: 23503'));
  });

  test('Go: the signal line of a panic', () => {
    assert.deepEqual(parseStackTrace(fixture('go-panic.txt'), 'go')?.unparsed, ['[signal SIGSEGV: segmentation violation code=0x1 addr=0x40 pc=0x7260d4]']);
  });

  test('Java: text after the frames that is neither a frame nor a cause', () => {
    const parsed = parseStackTrace('java.lang.IllegalStateException: boom\n\tat A.a(A.java:1)\n[app] retry 3 of 3 failed\n\tat A.b(A.java:2)\n', 'java');
    assert.deepEqual(parsed?.unparsed, ['[app] retry 3 of 3 failed']);
    assert.equal(parsed?.frames.length, 2);
  });

  test('Java: a Suppressed block is not in the chain, but its headers are kept on the exception it was suppressed by', () => {
    const [outer, middle, inner] = chain(parseStackTrace(fixture('java-chained.txt'), 'java'));
    assert.equal(outer?.unparsed, undefined);
    assert.deepEqual(middle?.unparsed, ['\tSuppressed: java.io.UncheckedIOException: close failed', '\tCaused by: java.io.IOException: socket closed']);
    assert.equal(inner?.unparsed, undefined);
  });

  test("V8: util.inspect's own properties; the closing brace is not worth keeping", () => {
    const text = "Error: ENOENT: no such file\n    at open (node:internal/fs/promises:1:1) {\n  errno: -2,\n  code: 'ENOENT'\n}";
    assert.deepEqual(parseStackTrace(text, 'nodejs')?.unparsed, ['  errno: -2,', "  code: 'ENOENT'"]);
  });

  test('Python: indented text before any frame (not a source line)', () => {
    const text = 'Traceback (most recent call last):\n    <frozen importlib>\n  File "/app/x.py", line 3, in <module>\n    main()\nValueError: bad\n';
    const parsed = parseStackTrace(text, 'python');
    assert.deepEqual(parsed?.unparsed, ['    <frozen importlib>']);
    assert.equal(parsed?.frames.length, 1);
  });

  test('the fixtures that print nothing unusual keep nothing', () => {
    for (const name of ['java-npe.txt', 'python-simple.txt', 'python-chained.txt', 'nodejs-async.txt', 'go-debug-stack.txt', 'dotnet-grpc-nested.txt']) {
      assert.ok(chain(parseStackTrace(fixture(name))).every((e) => e.unparsed === undefined), name);
    }
  });

  test('bounded: at most MAX_UNPARSED_LINES lines of MAX_UNPARSED_LINE_CHARS each', () => {
    const noise = Array.from({ length: 500 }, (_, i) => `noise ${i} ${'x'.repeat(2000)}`).join('\n');
    const parsed = parseStackTrace(`java.lang.Exception: x\n\tat A.a(A.java:1)\n${noise}`, 'java');
    assert.equal(parsed?.unparsed?.length, MAX_UNPARSED_LINES);
    assert.ok(parsed?.unparsed?.every((l) => l.length <= MAX_UNPARSED_LINE_CHARS + 1));
  });
});

describe('Python source lines, when asked for', () => {
  test('each frame gets the line printed under it; ^^^ markers are not code', () => {
    const parsed = parseStackTrace(fixture('python-simple.txt'), 'python', { source: true });
    assert.deepEqual(parsed?.frames, [
      { path: '/tmp/st/chained.py', line: 23, label: 'render', code: 'return 10 / n' },
      { path: '/tmp/st/chained.py', line: 31, label: '<module>', code: 'render(0)' },
    ]);
  });

  test('not asked for: frames as before', () => {
    assert.ok(parseStackTrace(fixture('python-simple.txt'), 'python')?.frames.every((f) => f.code === undefined));
  });

  test('also through format detection', () => {
    const [outer] = chain(parseStackTrace(fixture('python-chained.txt'), 'java', { source: true }));
    assert.equal(outer?.frames[0]?.code, 'return {"ok": False}["missing"]');
  });
});

describe('util.inspect of an error with a cause, from an ES module', () => {
  test('"... N lines matching cause stack trace ..." counts as frames left out, and the cause keeps its own frames', () => {
    const [outer, cause, ...rest] = chain(parseStackTrace(fixture('nodejs-cause-matching.txt'), 'nodejs'));
    assert.equal(rest.length, 0);
    assert.equal(outer?.message, 'could not parse settings');
    assert.equal(outer?.omittedFrames, 2);
    assert.deepEqual(
      outer?.frames.map((f) => f.label),
      ['loadSettings', undefined, 'asyncRunEntryPointWithESMLoader'],
    );
    assert.equal(outer?.unparsed, undefined, 'the marker is understood, not kept as text');
    assert.equal(cause?.type, 'SyntaxError');
    assert.equal(cause?.frames.length, 6);
  });
});
