/** X-Ray stack frames rendered as each language prints them parse back to the same frames (what Rollbar and X-Ray's `cause` read). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderStack, sdkLanguage } from '../../../src/receivers/xray/stack.ts';
import { parseStackTrace } from '../../../src/stacktrace/index.ts';

describe('sdkLanguage', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['X-Ray for Python', 'python'],
    ['X-Ray for Node.js', 'nodejs'],
    ['X-Ray for Java', 'java'],
    ['X-Ray for Go', 'go'],
    ['X-Ray for .NET', 'dotnet'],
    ['X-Ray for .NET Core', 'dotnet'],
    ['X-Ray for Ruby', 'ruby'],
    ['X-Ray for Cobol', undefined],
    [undefined, undefined],
  ];
  for (const [sdk, language] of cases) test(`${String(sdk)} → ${String(language)}`, () => assert.equal(sdkLanguage(sdk), language));
});

describe('renderStack parses back', () => {
  // X-Ray frames are most recent call first.
  const cases: Array<{ language: string | undefined; type: string; message: string; frames: Array<{ path: string; line: number; label: string }> }> = [
    { language: 'python', type: 'KeyError', message: "'handle'", frames: [{ path: '/app/services/create.py', line: 42, label: 'run' }, { path: '/app/app.py', line: 120, label: 'create_message' }] },
    { language: 'nodejs', type: 'TypeError', message: "Cannot read properties of undefined (reading 'text')", frames: [{ path: '/app/render.js', line: 12, label: 'renderMessage' }, { path: '/app/server.js', line: 40, label: 'Server.handle' }] },
    { language: 'java', type: 'java.lang.IllegalStateException', message: 'boom', frames: [{ path: 'UserRepository.java', line: 57, label: 'com.cruddur.UserRepository.find' }, { path: 'Api.java', line: 9, label: 'com.cruddur.Api.get' }] },
    { language: 'dotnet', type: 'System.NullReferenceException', message: 'Object reference not set to an instance of an object.', frames: [{ path: 'C:\\src\\Home.cs', line: 31, label: 'Cruddur.Home.Render()' }] },
    { language: undefined, type: 'RuntimeError', message: 'x', frames: [{ path: 'Main.java', line: 3, label: 'a.Main.main' }] },
  ];
  for (const c of cases) {
    test(`${c.language ?? 'unknown language (Java format)'}: type, message and every frame come back`, () => {
      const text = renderStack(c.type, c.message, c.frames, c.language);
      const parsed = parseStackTrace(text, c.language);
      assert.ok(parsed, text);
      assert.equal(parsed.type, c.type, text);
      assert.equal(parsed.message, c.message, text);
      assert.deepEqual(
        parsed.frames.map((f) => ({ path: f.path, line: f.line, label: f.label })),
        c.frames,
        text,
      );
    });
  }

  test('frames without a line or path (the Node SDK sends "line": null) still render', () => {
    const text = renderStack('TypeError', 'x', [{ path: 'file', line: null, label: 'route' }, {}], 'nodejs');
    assert.equal(text, 'TypeError: x\n    at route (file)\n    at <anonymous> ()');
  });
});
