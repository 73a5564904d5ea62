/** The 128 KB limit: what is trimmed first (custom, then code lines, then middle frames, then long strings), with markers. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fitItem, MARKER_FILENAME } from '../../../src/exporters/rollbar/fit.ts';
import type { RollbarData, RollbarFrame } from '../../../src/exporters/rollbar/item.ts';
import { MAX_ITEM_BYTES } from '../../../src/exporters/rollbar/limits.ts';
import { translateTraces } from '../../../src/exporters/rollbar/translate.ts';
import { itemProblem, MAX_BODY_BYTES } from '../../support/fake-rollbar.ts';
import { exception, OPTIONS, traces } from './helpers.ts';

function frames(n: number, code = 'x = compute(a, b)'): RollbarFrame[] {
  return Array.from({ length: n }, (_, i) => ({ filename: `/app/f${i}.py`, lineno: i + 1, method: `fn${i}`, code }));
}

/** An item with `n` frames and a `customBytes`-sized attribute. */
function item(n: number, customBytes: number, message = 'boom'): RollbarData {
  return {
    environment: 'test',
    level: 'error',
    body: { trace: { frames: frames(n), exception: { class: 'E', message } } },
    custom: { trace_id: 't'.repeat(32), span_id: 's'.repeat(16), service: 'svc', attributes: { blob: 'b'.repeat(customBytes) }, resource: { 'service.name': 'svc' } },
    uuid: '00000000-0000-5000-8000-000000000000',
    notifier: { name: 'otlp-relay', version: '0' },
  };
}

const size = (json: string) => Buffer.byteLength(json, 'utf8');
const trace = (d: RollbarData) => ('trace' in d.body ? d.body.trace : assert.fail('a trace'));

describe('fitting an item within the limit', () => {
  test('an item within the limit is left alone', () => {
    const d = item(10, 100);
    const before = JSON.stringify({ data: d });
    assert.deepEqual(fitItem(d), { json: before, trimmed: [] });
  });

  test('custom goes first: its attributes are left out, the trace link kept, with a marker; frames and code untouched', () => {
    const d = item(20, 200_000);
    const fitted = fitItem(d);
    assert.deepEqual(fitted?.trimmed, ['custom']);
    assert.ok(size(fitted!.json) <= MAX_ITEM_BYTES);
    assert.deepEqual(Object.keys(d.custom!), ['trace_id', 'span_id', 'service', 'otlp_relay_trimmed']);
    assert.match(String(d.custom!['otlp_relay_trimmed']), /128 KB/);
    assert.equal(trace(d).frames.length, 20);
    assert.ok(trace(d).frames.every((f) => f.code !== undefined));
  });

  test('then the code lines of frames, before any frame is left out', () => {
    const d = item(1500, 10, 'm');
    const full = size(JSON.stringify({ data: item(1500, 10, 'm') }));
    const withoutCode = size(JSON.stringify({ data: { ...item(1500, 10, 'm'), body: { trace: { frames: frames(1500).map(({ code: _c, ...f }) => f), exception: { class: 'E', message: 'm' } } } } }));
    const fitted = fitItem(d, withoutCode + 200); // room for the custom marker
    assert.ok(full > withoutCode + 200);
    assert.deepEqual(fitted?.trimmed, ['custom', 'context']);
    assert.equal(trace(d).frames.length, 1500, 'every frame kept');
    assert.ok(trace(d).frames.every((f) => f.code === undefined));
  });

  test('then middle frames: the oldest and most recent calls stay, a marker frame says how many are left out', () => {
    const d = item(5000, 10);
    const fitted = fitItem(d);
    assert.deepEqual(fitted?.trimmed, ['custom', 'context', 'frames']);
    assert.ok(size(fitted!.json) <= MAX_ITEM_BYTES);
    const f = trace(d).frames;
    assert.equal(f[0]?.method, 'fn0', 'the oldest call stays');
    assert.equal(f.at(-1)?.method, 'fn4999', 'the most recent call stays');
    const marker = f.find((x) => x.filename === MARKER_FILENAME);
    assert.ok(marker);
    const kept = f.length - 1;
    assert.equal(marker.method, `[${5000 - kept} frames left out to fit Rollbar's 128 KB item limit]`);
    assert.equal(f.indexOf(marker), kept / 2, 'in the middle');
  });

  test('then long strings, cut with a marker', () => {
    const d = item(3, 10, 'm'.repeat(300_000));
    const fitted = fitItem(d);
    assert.deepEqual(fitted?.trimmed, ['custom', 'context', 'strings'], 'three frames: none to leave out');
    assert.match(trace(d).exception.message ?? '', /^m{4096}… \[cut to fit Rollbar's 128 KB item limit\]$/);
    assert.ok(size(fitted!.json) <= MAX_ITEM_BYTES);
  });

  test('multi-byte text is measured in bytes, not characters', () => {
    const d = item(3, 10, '€'.repeat(50_000)); // 150,000 bytes in 50,000 characters
    const fitted = fitItem(d);
    assert.ok(fitted?.trimmed.includes('strings'));
    assert.ok(size(fitted!.json) <= MAX_ITEM_BYTES);
  });

  test('an item that cannot fit even fully trimmed: undefined (the caller counts it)', () => {
    assert.equal(fitItem(item(3, 10), 200), undefined);
  });
});

describe('through the translation', () => {
  test('a 20,000-frame Java trace fits, passes the schema and the 128 KB body check, and is counted as trimmed', () => {
    const stack = `java.lang.StackOverflowError: deep\n${'\tat com.example.Recursive.call(Recursive.java:42)\n'.repeat(20_000)}`;
    const t = translateTraces(traces({ 'service.name': 'svc', 'telemetry.sdk.language': 'java' }, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('java.lang.StackOverflowError', 'deep', stack)] }]), OPTIONS);
    assert.equal(t.items.length, 1);
    assert.ok(size(t.items[0]!.json) <= MAX_BODY_BYTES);
    assert.equal(itemProblem(JSON.parse(t.items[0]!.json)), undefined);
    assert.deepEqual(t.trimmed, { custom: 1, frames: 1 });
    assert.match(String(t.examples.frames), /^span "op" in trace /);
  });

  test('items over a (test-sized) limit even trimmed are counted as too large, not sent', () => {
    const t = translateTraces(traces({ 'service.name': 'svc' }, [{ spanId: 'a000000000000001', status: { code: 2 } }, { spanId: 'a000000000000002', status: { code: 2 } }]), { ...OPTIONS, maxItemBytes: 100 });
    assert.equal(t.items.length, 0);
    assert.deepEqual(
      t.tooLarge.map((x) => x.record),
      [0, 1],
    );
  });
});
