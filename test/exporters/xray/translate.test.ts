import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnnotationBudget, annotationKey } from '../../../src/exporters/xray/annotations.ts';
import { withoutPassword } from '../../../src/exporters/xray/blocks.ts';
import { flagsOf } from '../../../src/exporters/xray/cause.ts';
import type { SegmentDocument } from '../../../src/exporters/xray/document.ts';
import { fitDocument, MARKER_NAMESPACE, type TrimReason } from '../../../src/exporters/xray/fit.ts';
import { MAX_DOCUMENT_BYTES } from '../../../src/exporters/xray/limits.ts';
import { plausibleTraceEpoch, sanitizeName, segmentName, xrayTraceId } from '../../../src/exporters/xray/names.ts';
import { translateRequest } from '../../../src/exporters/xray/translate.ts';
import { epochSeconds, K, SpanAttrs } from '../../../src/exporters/xray/values.ts';
import { documentProblem } from '../../support/fake-xray.ts';
import { KIND, NOW, options, request, spanIds } from './helpers.ts';
import type { KeyValue } from '../../../src/otlp/types.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('names', () => {
  const cases: Array<[string, string]> = [
    ['GET /api/activities/home', 'GET /api/activities/home'],
    ['render <Home/> {v2}', 'render Home/ v2'],
    ['tab\tand\nnewline', 'tab and newline'],
    ['user@example.com:443 #1 = 50% + tax & more \\ path', 'user@example.com:443 #1 = 50% + tax & more \\ path'],
    ['ünïcode 服务 ٣', 'ünïcode 服务 ٣'],
    ['😀 only emoji 😀', 'only emoji'],
    ['', ''],
    ['😀😀', ''],
  ];
  for (const [raw, want] of cases) test(`sanitizeName(${JSON.stringify(raw)}) = ${JSON.stringify(want)}`, () => assert.equal(sanitizeName(raw), want));

  test('cut at 200 characters on code points: a surrogate pair is never split', () => {
    const name = sanitizeName('a' + '𝔘'.repeat(300));
    assert.equal(Array.from(name).length, 200);
    assert.ok(!/[\uD800-\uDBFF]$/.test(name), 'no lone high surrogate at the end');
    assert.ok(name.endsWith('𝔘'));
  });

  // The rule as a regex, to check the regex-free path for ASCII names against.
  const byRule = (raw: string): string => Array.from(raw.replace(/\s/g, ' ').replace(/[^\p{L}\p{N}\s_.:/%&#=+\\\-@]/gu, '').trim()).slice(0, 200).join('').trim();
  test('every ASCII character is treated as the rule says, wherever it stands', () => {
    for (let c = 0; c < 0x80; c++) {
      const ch = String.fromCharCode(c);
      for (const raw of [`a${ch}b`, `${ch}x`, `x${ch}`, `${ch}${ch}`]) assert.equal(sanitizeName(raw), byRule(raw), `character 0x${c.toString(16)} in ${JSON.stringify(raw)}`);
    }
  });

  test('ASCII names are cut at 200 characters, then trimmed', () => {
    for (const raw of ['x'.repeat(250), `${'x'.repeat(199)} y`, `  ${'{x}'.repeat(120)}`, `\t${'a\tb'.repeat(70)}`]) assert.equal(sanitizeName(raw), byRule(raw));
  });

  test('never empty: the next candidate, then a fixed fallback', () => {
    assert.equal(segmentName(['😀', '', 'backend-flask']), 'backend-flask');
    assert.equal(segmentName(['😀']), 'span');
  });
});

describe('trace ids and times', () => {
  test('1-XXXXXXXX-YYYY…: the first 4 bytes, then the other 12, never rewritten', () => {
    assert.equal(xrayTraceId(Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')), '1-5b8efff7-98038103d269b633813fc60c');
  });

  const plausible: Array<[string, boolean]> = [
    ['6553f100', true], // 1700000000, 100 s before now
    [(NOW - 30 * 86400).toString(16), true],
    [(NOW - 30 * 86400 - 1).toString(16), false],
    [(NOW + 300).toString(16), true],
    [(NOW + 301).toString(16), false],
    ['5b8efff7', false],
    ['ffffffff', false],
  ];
  for (const [head, want] of plausible) {
    test(`strict: epoch 0x${head} is ${want ? 'plausible' : 'implausible'}`, () => assert.equal(plausibleTraceEpoch(Buffer.from(`${head}${'0'.repeat(24)}`, 'hex'), NOW), want));
  }

  const times: Array<[bigint, number]> = [
    [1700000000123456789n, 1700000000.123456],
    [1700000000000000999n, 1700000000],
    [1700000000999999999n, 1700000000.999999],
    [1n, 0],
  ];
  for (const [nanos, want] of times) test(`epochSeconds(${nanos}) = ${want} (microseconds, truncated)`, () => assert.equal(epochSeconds(nanos), want));

  test('microseconds survive JSON: the printed number has them all', () => {
    assert.equal(JSON.stringify(epochSeconds(1795271198739084123n)), '1795271198.739084');
  });
});

describe('flags', () => {
  const cases: Array<[number | undefined, number | undefined, object]> = [
    [200, 0, {}],
    [200, 2, { fault: true }],
    [404, 0, { error: true }],
    [400, 2, { error: true }],
    [429, 2, { error: true, throttle: true }],
    [500, 0, { fault: true }],
    [503, 2, { fault: true }],
    [undefined, 2, { fault: true }],
    [undefined, 1, {}],
    [302, 0, {}],
  ];
  for (const [http, status, want] of cases) test(`http ${http}, status ${status} → ${JSON.stringify(want)}`, () => assert.deepEqual(flagsOf(http, status), want));
});

describe('annotation keys and the per-trace budget', () => {
  const keys: Array<[string, 'keep' | 'underscore', string]> = [
    ['http.route', 'keep', 'http.route'],
    ['http.route', 'underscore', 'http_route'],
    ['app-tier', 'keep', 'app_tier'],
    ['a b/c:d', 'keep', 'a_b_c_d'],
    ['größe', 'keep', 'gr__e'],
    ['emoji😀', 'keep', 'emoji_'],
    ['x'.repeat(600), 'keep', 'x'.repeat(500)],
  ];
  for (const [raw, dots, want] of keys) test(`annotationKey(${JSON.stringify(raw.slice(0, 20))}, ${dots}) = ${JSON.stringify(want.slice(0, 20))}`, () => assert.equal(annotationKey(raw, dots), want));

  test('50 distinct keys per trace; a key already indexed stays free; traces are separate', () => {
    const b = new AnnotationBudget();
    for (let i = 0; i < 50; i++) assert.equal(b.admit('t1', `k${i}`), true);
    assert.equal(b.admit('t1', 'k50'), false);
    assert.equal(b.admit('t1', 'k7'), true);
    assert.equal(b.admit('t2', 'k50'), true);
  });

  test('bounded memory: the least recently used trace is forgotten first', () => {
    const b = new AnnotationBudget(2, 1);
    assert.equal(b.admit('t1', 'a'), true);
    assert.equal(b.admit('t2', 'a'), true);
    assert.equal(b.admit('t1', 'b'), false, 't1 is full');
    b.admit('t3', 'a'); // evicts t2, the least recently used
    assert.equal(b.admit('t1', 'b'), false, 't1 is still remembered');
    assert.equal(b.admit('t2', 'b'), true, 't2 was forgotten, so it starts again');
  });
});

describe('URLs never carry passwords', () => {
  const cases: Array<[string, string]> = [
    ['postgresql://app:s3cret@db:5432/cruddur', 'postgresql://app@db:5432/cruddur'],
    ['jdbc:mysql://root:pw@db:3306/shop', 'jdbc:mysql://root@db:3306/shop'],
    ['mongodb://u:p%40ss@h1:27017,h2:27017/x', 'mongodb://u@h1:27017,h2:27017/x'],
    ['https://example.com/a?b=c:d@e', 'https://example.com/a?b=c:d@e'],
    ['https://user@x.com/', 'https://user@x.com/'],
  ];
  for (const [raw, want] of cases) test(raw, () => assert.equal(withoutPassword(raw), want));
});

describe('attributes as attrMap reads them', () => {
  const kv = (key: string, value: KeyValue['value']): KeyValue => ({ key, value, keyStrindex: 0 });

  test('a repeated key keeps its first place and its first value; array-index keys come first, as in an object', () => {
    const r = request({ 'service.name': 'svc' }, [{ spanId: '1000000000000001', kind: KIND.INTERNAL }]);
    r.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes = [
      kv('b', { stringValue: 'first' }),
      kv('10', { intValue: 10n }),
      kv('http.method', { stringValue: 'GET' }),
      kv('a', { boolValue: true }),
      kv('b', { stringValue: 'second' }),
      kv('2', { stringValue: 'two' }),
      kv('http.method', { stringValue: 'POST' }),
    ];
    // Two annotations per trace: the first two candidates in attrMap's order ("2", "10") win the budget.
    const t = translateRequest(r, options({ indexAllAttributes: true }), new AnnotationBudget(100, 2));
    const doc = JSON.parse(t.documents[0]!.json) as SegmentDocument;
    assert.deepEqual(doc.annotations, { 2: 'two', 10: 10 });
    assert.equal(doc.http?.request?.method, 'GET');
    assert.match(t.documents[0]!.json, /"metadata":\{"default":\{"b":"first","a":true,/);
    assert.deepEqual(t.adjusted, { annotation_limit: 1 });
  });

  test('many attributes: a key repeated past the 16th is found once, and a key past the 31st is consumed by its block', () => {
    const r = request({ 'service.name': 'svc' }, [{ spanId: '1000000000000001', parentSpanId: '2000000000000002', kind: KIND.INTERNAL }]);
    r.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes = [
      ...Array.from({ length: 40 }, (_, i) => kv(`k${i}`, { intValue: BigInt(i) })),
      kv('http.method', { stringValue: 'GET' }),
      kv('k3', { stringValue: 'again' }),
      kv('k20', { stringValue: 'again' }),
    ];
    // Indexing every attribute makes each entry a candidate: a key seen twice would collide with itself.
    const t = translateRequest(r, options({ indexAllAttributes: true }), new AnnotationBudget());
    const doc = JSON.parse(t.documents[0]!.json) as SegmentDocument;
    assert.equal(doc.http?.request?.method, 'GET');
    assert.deepEqual(Object.keys(doc.annotations ?? {}), Array.from({ length: 40 }, (_, i) => `k${i}`));
    assert.deepEqual([doc.annotations?.['k3'], doc.annotations?.['k20']], [3, 20], 'the first value of each');
    assert.deepEqual(t.adjusted, {});
  });

  test('a repeated resource key: the first value names the segment and shows in its metadata', () => {
    const r = request({ 'service.name': 'first', 'service.version': '1.0' }, [{ spanId: '1000000000000001', kind: KIND.SERVER }]);
    r.resourceSpans[0]!.resource!.attributes.push(kv('service.name', { stringValue: 'second' }), kv('service.version', { stringValue: '2.0' }));
    const doc = JSON.parse(translateRequest(r, options(), new AnnotationBudget()).documents[0]!.json) as SegmentDocument;
    assert.equal(doc.name, 'first');
    assert.deepEqual(doc.service, { version: '1.0' });
    assert.equal(doc.metadata?.['default']?.['otel.resource.service.name'], 'first');
  });

  test('attributes read after another span was read are still their own', () => {
    const a = new SpanAttrs([kv('http.method', { stringValue: 'GET' }), kv('app.x', { stringValue: 'x' })]);
    const b = new SpanAttrs([kv('db.system', { stringValue: 'mysql' }), kv('http.method', { stringValue: 'POST' })]);
    assert.equal(a.string(K['http.method']), 'GET');
    assert.equal(a.string(K['db.system']), undefined);
    assert.equal(b.takeString(K['http.method']), 'POST');
    assert.equal(b.string(K['db.system']), 'mysql');
    assert.deepEqual([b.isUsed(0), b.isUsed(1)], [false, true]);
    assert.equal(a.string(K['http.method']), 'GET');
  });
});

describe('segments and subsegments', () => {
  const cases: Array<[string, number, boolean, boolean, string | undefined]> = [
    // [what, kind, has parent, segment?, namespace]
    ['SERVER with a parent', KIND.SERVER, true, true, undefined],
    ['CONSUMER with a parent', KIND.CONSUMER, true, true, undefined],
    ['INTERNAL root', KIND.INTERNAL, false, true, undefined],
    ['CLIENT root', KIND.CLIENT, false, true, undefined],
    ['INTERNAL child', KIND.INTERNAL, true, false, undefined],
    ['CLIENT child', KIND.CLIENT, true, false, 'remote'],
    ['PRODUCER child', KIND.PRODUCER, true, false, 'remote'],
  ];
  for (const [what, kind, parent, segment, ns] of cases) {
    test(`${what} → ${segment ? 'segment' : `subsegment${ns ? ` (${ns})` : ''}`}`, () => {
      const t = translateRequest(request({ 'service.name': 'svc' }, [{ spanId: '1000000000000001', kind, ...(parent ? { parentSpanId: '2000000000000002' } : {}) }]), options(), new AnnotationBudget());
      const doc = JSON.parse(t.documents[0]!.json) as SegmentDocument;
      assert.equal(doc.type, segment ? undefined : 'subsegment');
      assert.equal(doc.parent_id, parent ? '2000000000000002' : undefined);
      assert.equal(doc.namespace, ns);
    });
  }

  test('deterministic: the same request gives byte-identical documents (exception ids derive from span ids)', () => {
    const r = () =>
      request({ 'service.name': 'svc', 'telemetry.sdk.language': 'python' }, [
        { spanId: '1000000000000001', events: [{ name: 'exception', attributes: { 'exception.type': 'KeyError', 'exception.stacktrace': 'Traceback (most recent call last):\n  File "/a.py", line 1, in f\nKeyError: 1\n' } }] },
      ]);
    const a = translateRequest(r(), options(), new AnnotationBudget());
    const b = translateRequest(r(), options(), new AnnotationBudget());
    assert.equal(a.documents[0]!.json, b.documents[0]!.json);
    assert.match(a.documents[0]!.json, /"id":"[0-9a-f]{16}","type":"KeyError"/);
  });

  test('every span in a large mixed batch is one valid document', () => {
    const ids = spanIds(200);
    const spans = ids.map((spanId, i) => ({ spanId, kind: (i % 5) + 1, ...(i % 3 === 0 ? {} : { parentSpanId: ids[0]! }), name: `op ${i} <${i}>` }));
    const t = translateRequest(request({ 'service.name': 'svc' }, spans), options(), new AnnotationBudget());
    assert.equal(t.documents.length, 200);
    for (const d of t.documents) assert.equal(documentProblem(d.json), undefined);
  });
});

describe('the 64 KB document limit', () => {
  const base = (): SegmentDocument => ({ name: 'svc', id: '1000000000000001', trace_id: '1-6553f100-0123456789abcdef01234567', start_time: 1, end_time: 2 });

  test('a document within the limit is left exactly as it was', () => {
    const doc = { ...base(), metadata: { default: { a: 'x'.repeat(1000) } } };
    const reasons: TrimReason[] = [];
    assert.equal(fitDocument(doc, (r) => reasons.push(r)), JSON.stringify({ ...base(), metadata: { default: { a: 'x'.repeat(1000) } } }));
    assert.deepEqual(reasons, []);
  });

  test('metadata goes first, largest first: smaller entries and annotations stay; the marker says so', () => {
    const doc: SegmentDocument = { ...base(), annotations: { tier: 'gold' }, metadata: { default: { small: 'kept', big: 'x'.repeat(50_000), medium: 'y'.repeat(20_000) } } };
    const reasons: TrimReason[] = [];
    const json = fitDocument(doc, (r) => reasons.push(r))!;
    assert.ok(bytes(json) <= MAX_DOCUMENT_BYTES);
    const out = JSON.parse(json) as SegmentDocument;
    assert.deepEqual(Object.keys(out.metadata?.['default'] ?? {}), ['small', 'medium']);
    assert.deepEqual(out.annotations, { tier: 'gold' });
    assert.deepEqual(out.metadata?.[MARKER_NAMESPACE], { trimmed_to_fit_64kb: { metadata_trimmed: 1 } });
    assert.deepEqual(reasons, ['metadata_trimmed']);
    assert.equal(documentProblem(json), undefined);
  });

  test('then annotations, then stack frames from the oldest end, counted in exceptions[].truncated', () => {
    const stack = Array.from({ length: 3000 }, (_, i) => ({ path: `/app/src/module${i}.js`, line: i + 1, label: `function${i}` }));
    const annotations = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(900)]));
    const doc: SegmentDocument = { ...base(), annotations, metadata: { default: { m: 'x'.repeat(1000) } }, cause: { exceptions: [{ id: 'aaaaaaaaaaaaaaaa', message: 'deep', stack }] } };
    const reasons: TrimReason[] = [];
    const json = fitDocument(doc, (r) => reasons.push(r))!;
    assert.ok(bytes(json) <= MAX_DOCUMENT_BYTES);
    const out = JSON.parse(json) as SegmentDocument;
    assert.deepEqual(reasons, ['metadata_trimmed', 'annotations_trimmed', 'stack_trimmed']);
    assert.equal(out.annotations, undefined, 'every annotation went before a single frame');
    const e = out.cause!.exceptions[0]!;
    assert.ok(e.stack!.length > 100, 'the most recent frames are kept');
    assert.equal(e.stack![0]!.label, 'function0');
    assert.equal(e.stack!.length + e.truncated!, 3000, 'every removed frame is counted');
    assert.equal(documentProblem(json), undefined);
  });

  test('then long strings are cut, marked "…[trimmed]"', () => {
    const doc: SegmentDocument = { ...base(), cause: { exceptions: [{ id: 'aaaaaaaaaaaaaaaa', message: 'm'.repeat(70_000) }] }, sql: { sanitized_query: 'SELECT 1' } };
    const json = fitDocument(doc, () => {})!;
    const out = JSON.parse(json) as SegmentDocument;
    assert.match(out.cause!.exceptions[0]!.message!, /^m{1024}…\[trimmed\]$/);
    assert.equal(out.sql?.sanitized_query, 'SELECT 1', 'short strings are untouched');
  });

  test('a document that cannot fit is refused (undefined), and the translation counts it', () => {
    const links = Array.from({ length: 1500 }, (_, i) => ({ trace_id: '1-6553f100-0123456789abcdef01234567', id: i.toString(16).padStart(16, '0') }));
    assert.equal(fitDocument({ ...base(), links }, () => {}), undefined);
  });

  test('multi-byte text is measured in UTF-8 bytes, not characters', () => {
    const doc: SegmentDocument = { ...base(), metadata: { default: { text: 'é'.repeat(40_000) } } }; // 40k characters, 80 KB
    const json = fitDocument(doc, () => {})!;
    assert.ok(bytes(json) <= MAX_DOCUMENT_BYTES);
    assert.equal((JSON.parse(json) as SegmentDocument).metadata?.['default'], undefined);
  });
});

describe('translateEncoded: one resource entry at a time', () => {
  test('the same translation as decoding the whole request, for many resources, budgets and refusals included', async () => {
    const { buildPayloads } = await import('../../../bench/payloads.ts');
    const { decodeRequest } = await import('../../../src/otlp/codec.ts');
    const { translateEncoded } = await import('../../../src/exporters/xray/translate.ts');
    const payloads = buildPayloads({ traces: 3, logs: 0, nowMs: NOW * 1000 });
    const batch = Buffer.concat(payloads.map((p) => p.raw)); // several requests' resource entries, as the runner joins them
    for (const o of [options(), options({ indexAllAttributes: true }), options({ strictTraceIds: true })]) {
      // A small annotation budget, so the shared per-trace budget matters across entries.
      const whole = translateRequest(decodeRequest('traces', batch), o, new AnnotationBudget(50, 3));
      const parts = translateEncoded(batch, o, new AnnotationBudget(50, 3));
      assert.equal(whole.spans, 1500);
      if (!o.strictTraceIds) assert.ok(whole.documents.length > 1000, 'documents made'); // strict mode refuses the bench's random ids
      assert.deepEqual(parts, whole);
    }
  });
});
