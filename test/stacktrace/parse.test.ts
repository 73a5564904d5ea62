import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { detectFormat, formatOfLanguage, MAX_CAUSE_DEPTH, MAX_STACKTRACE_CHARS, parseStackTrace, type ParsedException } from '../../src/stacktrace/index.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** The chain as a list, outermost first. */
function chain(e: ParsedException | undefined): ParsedException[] {
  const out: ParsedException[] = [];
  for (let x = e; x; x = x.cause) out.push(x);
  return out;
}

describe('Java (printStackTrace, as the OTel Java agent records it)', () => {
  test('a Caused by chain with a Suppressed block, "... N more", module prefixes and a two-line message', () => {
    const parsed = parseStackTrace(fixture('java-chained.txt'), 'java');
    const [outer, middle, inner, ...rest] = chain(parsed);
    assert.equal(rest.length, 0, 'the Suppressed block and its own cause are not part of the chain');
    assert.equal(outer?.type, 'Chained$RepositoryException');
    assert.equal(outer?.message, 'GET /api/activities/42 failed');
    assert.equal(outer?.frames.length, 9);
    assert.deepEqual(outer?.frames[0], { path: 'Chained.java', line: 26, label: 'Chained.handle' });
    assert.deepEqual(outer?.frames[2], { path: 'Native Method', label: 'jdk.internal.reflect.NativeMethodAccessorImpl.invoke0' }, 'module prefix java.base/ dropped');
    assert.deepEqual(outer?.frames[6], { path: 'Main.java', line: 419, label: 'com.sun.tools.javac.launcher.Main.execute' }, 'module prefix jdk.compiler/ dropped');
    assert.equal(middle?.type, 'java.lang.IllegalStateException');
    assert.equal(middle?.message, 'could not load activity 42');
    assert.deepEqual(
      middle?.frames.map((f) => f.label),
      ['Chained.load', 'Chained.lambda$handle$0', 'java.lang.Iterable.forEach', 'Chained.handle'],
      'no frame of the suppressed exception leaks in',
    );
    assert.equal(middle?.omittedFrames, 8);
    assert.equal(inner?.type, 'java.io.IOException');
    assert.equal(inner?.message, 'connection reset by peer\n(while reading row 3)');
    assert.deepEqual(inner?.frames, [
      { path: 'Chained.java', line: 10, label: 'Chained.query' },
      { path: 'Chained.java', line: 14, label: 'Chained.load' },
    ]);
    assert.equal(inner?.omittedFrames, 11);
  });

  test('a message with quotes and no cause', () => {
    const parsed = parseStackTrace(fixture('java-npe.txt'), 'java');
    assert.equal(parsed?.type, 'java.lang.NullPointerException');
    assert.equal(parsed?.message, 'Cannot invoke "Object.toString()" because "<local3>" is null');
    assert.equal(parsed?.frames.length, 8);
    assert.equal(parsed?.cause, undefined);
  });

  test('PHP uses the Java format; logback packaging data and kotlin files parse', () => {
    const text = 'RuntimeException: boom\n\tat App\\Http\\Controller.handle(/app/src/Controller.php:42)\n\tat com.example.Api.get(Api.kt:7) ~[app.jar:1.0]\n';
    const parsed = parseStackTrace(text, 'php');
    assert.deepEqual(parsed?.frames, [
      { path: '/app/src/Controller.php', line: 42, label: 'App\\Http\\Controller.handle' },
      { path: 'Api.kt', line: 7, label: 'com.example.Api.get' },
    ]);
  });
});

describe('Python (traceback.format_exception, as the OTel Python SDK records it)', () => {
  test('"from" and "During handling" chains: the exception raised last is the head, frames most recent first', () => {
    const [outer, middle, inner, ...rest] = chain(parseStackTrace(fixture('python-chained.txt'), 'python'));
    assert.equal(rest.length, 0);
    assert.equal(outer?.type, 'KeyError');
    assert.equal(outer?.message, "'missing'");
    assert.deepEqual(outer?.frames, [
      { path: '/tmp/st/chained.py', line: 20, label: 'handler' },
      { path: '/tmp/st/chained.py', line: 27, label: '<module>' },
    ]);
    assert.equal(middle?.type, 'DatabaseError');
    assert.equal(middle?.message, 'user 2 not found\nquery: SELECT handle FROM users', 'a multi-line message is kept whole');
    assert.deepEqual(
      middle?.frames.map((f) => f.line),
      [14, 18],
    );
    assert.equal(inner?.type, 'KeyError');
    assert.equal(inner?.message, "'2'");
    assert.deepEqual(
      inner?.frames.map((f) => f.label),
      ['fetch', 'load'],
      'source lines and ^^^ / ~~~ markers are not frames',
    );
  });

  test('"[Previous line repeated N more times]" is counted as omitted frames', () => {
    const parsed = parseStackTrace(fixture('python-recursion.txt'), 'python');
    assert.equal(parsed?.type, 'RecursionError');
    assert.equal(parsed?.frames.length, 4);
    assert.equal(parsed?.omittedFrames, 996);
  });

  test('a single exception', () => {
    const parsed = parseStackTrace(fixture('python-simple.txt'), 'python');
    assert.deepEqual(parsed, {
      type: 'ZeroDivisionError',
      message: 'division by zero',
      frames: [
        { path: '/tmp/st/chained.py', line: 23, label: 'render' },
        { path: '/tmp/st/chained.py', line: 31, label: '<module>' },
      ],
    });
  });
});

describe('Node.js (error.stack, as the OTel JS SDK records it)', () => {
  test('new, async frames and file URLs', () => {
    const parsed = parseStackTrace(fixture('nodejs-async.txt'), 'nodejs');
    assert.equal(parsed?.type, 'TypeError');
    assert.equal(parsed?.message, "Cannot read properties of undefined (reading 'query')");
    assert.deepEqual(parsed?.frames, [
      { path: 'file:///tmp/st/app.mjs', line: 5, column: 36, label: 'new ActivityRepo' },
      { path: 'file:///tmp/st/app.mjs', line: 7, column: 80, label: 'loadHome' },
      { path: 'file:///tmp/st/app.mjs', line: 8, column: 35, label: 'handler' },
      { path: 'file:///tmp/st/app.mjs', line: 10, column: 7 },
    ]);
  });

  test('node:internal paths and <anonymous> locations', () => {
    const fs = parseStackTrace(fixture('nodejs-fs.txt'), 'nodejs');
    assert.equal(fs?.message, "ENOENT: no such file or directory, open '/nonexistent/cruddur.json'");
    assert.deepEqual(fs?.frames[0], { path: 'node:internal/fs/promises', line: 1345, column: 25, label: 'open' });
    const anon = parseStackTrace(fixture('nodejs-anon.txt'), 'nodejs');
    assert.deepEqual(anon?.frames[1], { path: '<anonymous>', label: 'Array.map' });
  });

  test('util.inspect output: the [cause] block is a chained cause with its own frames', () => {
    const [outer, inner, ...rest] = chain(parseStackTrace(fixture('nodejs-cause.txt'), 'nodejs'));
    assert.equal(rest.length, 0);
    assert.equal(outer?.message, 'could not parse settings');
    assert.deepEqual(outer?.frames, [{ path: 'file:///tmp/st/app.mjs', line: 13, column: 53 }], 'the " {" opening the properties is not part of the location');
    assert.equal(inner?.type, 'SyntaxError');
    assert.deepEqual(inner?.frames, [
      { path: '<anonymous>', label: 'JSON.parse' },
      { path: 'file:///tmp/st/app.mjs', line: 13, column: 14 },
    ]);
  });

  test('browser (webjs) traces in the Firefox / Safari format', () => {
    const parsed = parseStackTrace('handleClick@http://localhost:3000/static/js/main.js:120:17\n@http://localhost:3000/static/js/main.js:5:3\n', 'webjs');
    assert.deepEqual(parsed?.frames, [
      { path: 'http://localhost:3000/static/js/main.js', line: 120, column: 17, label: 'handleClick' },
      { path: 'http://localhost:3000/static/js/main.js', line: 5, column: 3 },
    ]);
  });

  test('Windows paths and eval frames', () => {
    const parsed = parseStackTrace('Error: x\n    at run (C:\\app\\index.js:3:9)\n    at eval (eval at compile (C:\\app\\tpl.js:1:1), <anonymous>:4:2)\n', 'nodejs');
    assert.deepEqual(parsed?.frames, [
      { path: 'C:\\app\\index.js', line: 3, column: 9, label: 'run' },
      { path: '<anonymous>', line: 4, column: 2, label: 'eval' },
    ]);
  });
});

describe('.NET (Exception.ToString(), as OpenTelemetry .NET records it)', () => {
  test('an inner exception: its frames come first, then "End of inner exception" moves to the outer one', () => {
    const [outer, inner, ...rest] = chain(parseStackTrace(fixture('dotnet-efcore.txt'), 'dotnet'));
    assert.equal(rest.length, 0);
    assert.equal(outer?.type, 'Microsoft.EntityFrameworkCore.DbUpdateException', 'the console host prefix "Unhandled exception. " is not part of the type');
    assert.equal(outer?.message, 'An error occurred while saving the entity changes. See the inner exception for details.');
    assert.equal(outer?.frames.length, 13);
    assert.deepEqual(outer?.frames.at(-2), { label: 'DinDin.Program.Main()', path: 'C:\\BPM\\Leshan\\1\\DinDin\\Program.cs', line: 24 });
    assert.deepEqual(outer?.frames.at(-1), { label: 'DinDin.Program.<Main>()' }, 'a frame without a file has a label only');
    assert.equal(inner?.type, 'Npgsql.PostgresException', 'the HRESULT is not part of the type');
    assert.match(inner?.message ?? '', /^23503: INSERT или UPDATE .*\n\nDETAIL: Detail redacted/s, 'the message keeps its blank line');
    assert.equal(inner?.frames.length, 10, '"Exception data:" lines are not frames');
    assert.equal(inner?.frames[0]?.label, 'Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async, DataRowLoadingMode dataRowLoadingMode, Boolean readingNotifications, Boolean isReadingPrependedMessage)');
  });

  test('two nested inner exceptions', () => {
    const [outer, middle, inner] = chain(parseStackTrace(fixture('dotnet-grpc-nested.txt'), 'dotnet'));
    assert.equal(outer?.type, 'System.Net.Http.HttpRequestException');
    assert.equal(middle?.type, 'System.Security.Authentication.AuthenticationException');
    assert.equal(inner?.type, 'Interop+AndroidCrypto+SslException');
    assert.equal(inner?.frames.length, 0);
    assert.equal(middle?.frames.length, 2);
    assert.equal(outer?.frames.length, 9);
    assert.deepEqual(outer?.frames[7], {
      label: 'Grpc.Net.Client.Balancer.Internal.BalancerHttpHandler.SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)',
      path: '/_/src/Grpc.Net.Client/Balancer/Internal/BalancerHttpHandler.cs',
      line: 134,
    });
  });

  test('.NET Framework: inner exception on the same line, CRLF, the old async marker', () => {
    const [outer, inner] = chain(parseStackTrace(fixture('dotnet-framework-crlf.txt'), 'dotnet'));
    assert.equal(outer?.type, 'Microsoft.WindowsAzure.Storage.StorageException');
    assert.equal(outer?.message, 'The remote server returned an error: (404) Not Found.');
    assert.equal(inner?.type, 'System.Net.WebException');
    assert.equal(inner?.frames.length, 3);
    assert.equal(outer?.frames.length, 2);
    assert.ok(outer?.frames.every((f) => !f.label?.includes('\r')));
  });
});

describe('Go (runtime.Stack / debug.Stack, as OTel Go records it with WithStackTrace)', () => {
  test('receivers, argument words stripped, panic frames and "created by"', () => {
    const parsed = parseStackTrace(fixture('go-debug-stack.txt'), 'go');
    assert.equal(parsed?.frames.length, 12);
    assert.deepEqual(parsed?.frames[0], { path: '/usr/local/go/src/runtime/debug/stack.go', line: 26, label: 'runtime/debug.Stack' });
    assert.deepEqual(parsed?.frames[2], { path: '/usr/local/go/src/runtime/panic.go', line: 785, label: 'panic' });
    assert.deepEqual(parsed?.frames[9], {
      path: '/go/pkg/mod/github.com/cometbft/cometbft@v0.38.17/consensus/state.go',
      line: 929,
      label: 'github.com/cometbft/cometbft/consensus.(*State).handleMsg',
    });
    assert.deepEqual(parsed?.frames[11], {
      path: '/go/pkg/mod/github.com/cometbft/cometbft@v0.38.17/consensus/state.go',
      line: 398,
      label: 'github.com/cometbft/cometbft/consensus.(*State).OnStart',
    });
    assert.equal(parsed?.truncated, undefined);
  });

  test('a panic: the message, and only the failing goroutine', () => {
    const parsed = parseStackTrace(fixture('go-panic.txt'), 'go');
    assert.equal(parsed?.type, 'panic');
    assert.equal(parsed?.message, 'runtime error: invalid memory address or nil pointer dereference');
    assert.equal(parsed?.frames.length, 7);
    assert.equal(parsed?.frames.at(-1)?.label, 'golang.org/x/tools/internal/jsonrpc2.(*Conn).Run');
    const two = parseStackTrace(`${fixture('go-panic.txt')}\ngoroutine 1 [select]:\nmain.main()\n\t/app/main.go:9 +0x1\n`, 'go');
    assert.equal(two?.frames.length, 7, 'a second goroutine is not read');
  });

  test('a trace cut mid-line by a fixed buffer: complete frames kept, the cut name dropped, marked truncated', () => {
    const parsed = parseStackTrace(fixture('go-truncated.txt'), 'go');
    assert.equal(parsed?.truncated, true);
    assert.equal(parsed?.frames.length, 7);
    assert.equal(parsed?.frames.at(-1)?.label, 'github.com/cometbft/cometbft/consensus.(*State).enterCommit');
  });
});

describe('choosing the format', () => {
  const cases: Array<[string, string]> = [
    ['java-chained.txt', 'java'],
    ['python-chained.txt', 'python'],
    ['nodejs-async.txt', 'v8'],
    ['nodejs-cause.txt', 'v8'],
    ['dotnet-efcore.txt', 'dotnet'],
    ['dotnet-grpc-nested.txt', 'dotnet'],
    ['dotnet-framework-crlf.txt', 'dotnet'],
    ['go-debug-stack.txt', 'go'],
    ['go-panic.txt', 'go'],
  ];
  for (const [file, format] of cases) {
    test(`${file} is detected as ${format}`, () => assert.equal(detectFormat(fixture(file)), format));
  }

  test('telemetry.sdk.language picks the parser; unknown languages fall back to detection', () => {
    assert.equal(formatOfLanguage('nodejs'), 'v8');
    assert.equal(formatOfLanguage('webjs'), 'v8');
    assert.equal(formatOfLanguage('php'), 'java');
    assert.equal(formatOfLanguage('ruby'), undefined);
    assert.equal(parseStackTrace(fixture('python-simple.txt'), 'ruby')?.type, 'ZeroDivisionError');
    assert.equal(parseStackTrace(fixture('python-simple.txt'))?.frames.length, 2);
  });

  test('a wrong language hint (a Python trace from a Java service) still parses by detection', () => {
    const parsed = parseStackTrace(fixture('python-chained.txt'), 'java');
    assert.equal(parsed?.type, 'KeyError');
    assert.equal(chain(parsed).length, 3);
  });

  test('hostile lines do not make any parser or the detection backtrack quadratically (this test would run for minutes)', () => {
    const n = 200_000;
    const hostile = [
      '\n'.repeat(n) + 'x',
      `at ${' '.repeat(n)}x`,
      `   at ${' in '.repeat(n / 4)}x`,
      `  File "${'", line 1'.repeat(n / 9)}x`,
      `    at f (${' '.repeat(n)}x {`,
      `\tat ${'a(b)'.repeat(n / 4)}${' '.repeat(1000)}x`,
      `@${':1'.repeat(n / 2)}x`,
      `goroutine 1 [running]:\nmain.f()\n\t${':1 '.repeat(n / 3)}x\n`,
      '\n '.repeat(n / 2),
    ];
    for (const text of hostile) {
      for (const language of [undefined, 'java', 'python', 'nodejs', 'dotnet', 'go']) assert.doesNotThrow(() => parseStackTrace(text, language));
    }
  });

  test('total on any input: empty, garbage, huge, deep', () => {
    assert.equal(parseStackTrace(''), undefined);
    assert.equal(parseStackTrace('   \n  '), undefined);
    assert.doesNotThrow(() => parseStackTrace('at (\n)))((( at ) in :line x\n goroutine [', 'dotnet'));
    const huge = `Error: x\n${'    at f (/a.js:1:1)\n'.repeat(20_000)}`;
    const parsed = parseStackTrace(huge, 'nodejs');
    assert.equal(parsed?.truncated, true);
    assert.ok(huge.length > MAX_STACKTRACE_CHARS);
    const deep = ['java.lang.Exception: 0', '\tat A.a(A.java:1)', ...Array.from({ length: 100 }, (_, i) => `Caused by: java.lang.Exception: ${i + 1}\n\tat A.a(A.java:1)`)].join('\n');
    assert.equal(chain(parseStackTrace(deep, 'java')).length, MAX_CAUSE_DEPTH);
  });
});

describe('a stack trace seen again', () => {
  const text = fixture('python-chained.txt');

  test('gives the same parse, frozen, so no caller can change what the next one reads', () => {
    const first = parseStackTrace(text, 'python');
    assert.equal(parseStackTrace(text, 'python'), first);
    assert.ok(first && Object.isFrozen(first) && Object.isFrozen(first.frames) && Object.isFrozen(first.frames[0]));
    assert.throws(() => {
      (first.frames as unknown as unknown[]).push({});
    }, TypeError);
  });

  test('is parsed apart for each format hint and for source lines', () => {
    const plain = parseStackTrace(text, 'python');
    const withSource = parseStackTrace(text, 'python', { source: true });
    assert.notEqual(withSource, plain);
    assert.ok(withSource?.frames.some((f) => f.code !== undefined));
    assert.ok(plain?.frames.every((f) => f.code === undefined));
    assert.deepEqual(parseStackTrace(text, 'ruby'), plain, 'an unknown language detects the same format');
  });

  test('text with no exception is remembered as such', () => {
    assert.equal(parseStackTrace(' \n\t ', 'python'), undefined);
    assert.equal(parseStackTrace(' \n\t ', 'python'), undefined);
  });
});
