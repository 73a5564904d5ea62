import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPayloads } from '../../bench/payloads.ts';
import { decodeRequest, encodeRequest } from '../../src/otlp/codec.ts';
import { lookupType } from '../../src/otlp/schema.ts';
import { scanRequest } from '../../src/otlp/wire.ts';
import { filterDecoded } from '../../src/router/filter.ts';
import type { MatchSpec } from '../../src/router/match.ts';
import { Router } from '../../src/router/router.ts';
import { filterWire } from '../../src/router/wire-filter.ts';
import { logsRequest, traceRequest } from '../support/otlp.ts';
import { prng } from '../support/prng.ts';

type Sig = 'traces' | 'logs';

const SPEC_SETS: MatchSpec[][] = [
  [{ error: true }],
  [{ error: false }],
  [{ error: true }, { error: false }],
  [{ error: true, service: ['a'] }, { error: true, service: ['b'] }],
  [{ service: ['a'] }, { error: true }],
  [{ error: false, service: ['b'] }, { error: true, resource: { 'deployment.environment': 'prod' } }],
  [{ error: true, service: ['c'], resource: { shard: 3 } }],
  [{ error: true, service: ['backend-flask'] }],
  [{ error: false, service: ['api', 'frontend-react-js'] }],
];

/** Decoded with Buffer views on both sides, so the comparison ignores Buffer vs Uint8Array. */
function decoded(signal: Sig, bytes: Uint8Array): unknown {
  return decodeRequest(signal, Buffer.from(bytes));
}

/** Asserts the wire filter equals the decode path; returns whether anything was left out. */
function check(signal: Sig, bytes: Uint8Array, specs: MatchSpec[], label: string): { items: number; changed: boolean } {
  const scan = scanRequest(signal, bytes);
  const want = filterDecoded(signal, decodeRequest(signal, bytes) as unknown as Record<string, unknown>, specs);
  const got = filterWire(signal, bytes, scan.resources, specs);
  assert.equal(got.items, want.items, `${label}: item count`);
  assert.deepStrictEqual(decoded(signal, got.bytes), decoded(signal, encodeRequest(signal, want.request)), `${label}: decoded request`);
  return { items: got.items, changed: got.bytes !== bytes };
}

// ---- a tiny protobuf writer, for what protobufjs will not write (repeated singular fields, odd layouts) ----

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
const cat = (...parts: (Uint8Array | number[])[]): Uint8Array => new Uint8Array(Buffer.concat(parts.map((p) => Uint8Array.from(p))));
const fVarint = (no: number, v: number | bigint): Uint8Array => cat(varint(no * 8), varint(v));
const fLen = (no: number, ...body: Uint8Array[]): Uint8Array => {
  const b = cat(...body);
  return cat(varint(no * 8 + 2), varint(b.length), b);
};
const fStr = (no: number, s: string): Uint8Array => fLen(no, new TextEncoder().encode(s));
const fFixed64 = (no: number, v: bigint): Uint8Array => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return cat(varint(no * 8 + 1), b);
};

function randomRequest(signal: Sig, r: () => number): Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const id = (n: number): Uint8Array => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
    b[0] = 1;
    return b;
  };
  const kv = (no: number, key: string, value: Uint8Array): Uint8Array => fLen(no, fStr(1, key), fLen(2, value));
  const strVal = (s: string): Uint8Array => fStr(1, s);
  const intVal = (n: number): Uint8Array => fVarint(3, n);

  const span = (): Uint8Array => {
    const parts: Uint8Array[] = [fLen(1, id(16)), fLen(2, id(8)), fStr(5, pick(['GET /', 'query', 'render'])), fVarint(6, 2), fFixed64(7, 1_700_000_000_000_000_000n)];
    if (r() < 0.5) parts.push(kv(9, 'http.route', strVal('/api')));
    // Status: absent, once or twice (protobufjs merges the two), with or without a code.
    const statuses = pick([0, 1, 1, 2, 2]);
    for (let i = 0; i < statuses; i++) {
      const st: Uint8Array[] = [];
      if (r() < 0.5) st.push(fStr(2, 'msg'));
      if (r() < 0.8) st.push(fVarint(3, pick([0, 1, 2, 2, -1, 2 + 2 ** 32, 2 + 2 ** 35])));
      parts.push(fLen(15, ...st));
    }
    const events = pick([0, 0, 1, 2]);
    for (let i = 0; i < events; i++) {
      const ev: Uint8Array[] = [fFixed64(1, 1n)];
      if (r() < 0.9) ev.push(fStr(2, pick(['exception', 'exception', 'cache.lookup', 'Exception', 'exception.', ''])));
      if (r() < 0.2) ev.push(fStr(2, pick(['exception', 'retry'])));
      if (r() < 0.5) ev.push(kv(3, 'exception.type', strVal('ValueError')));
      parts.push(fLen(11, ...ev));
    }
    if (r() < 0.1) parts.push(fVarint(99, 7)); // an unknown field
    // Shuffle the field order: status before ids, events last or first.
    for (let i = parts.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
    }
    return cat(...parts);
  };

  const logRecord = (): Uint8Array => {
    const parts: Uint8Array[] = [fFixed64(1, 1_700_000_000_000_000_000n), fLen(5, strVal('body'))];
    // Severity: every level, sometimes twice (the last wins), sometimes beyond 32 bits or negative.
    const sevs = pick([0, 1, 1, 1, 2]);
    for (let i = 0; i < sevs; i++) parts.push(fVarint(2, r() < 0.1 ? pick([-1, 17 + 2 ** 32, 2 ** 31]) : Math.floor(r() * 25)));
    const attrs = pick([0, 1, 2, 3]);
    for (let i = 0; i < attrs; i++) {
      const key = pick(['code.lineno', 'exception.type', 'exception', 'exceptional', 'Exception.type', 'exception.message']);
      // A KeyValue with its key twice: the last one counts.
      if (r() < 0.15) parts.push(fLen(6, fStr(1, pick(['exception.type', 'http.route'])), fStr(1, key), fLen(2, intVal(3))));
      else parts.push(kv(6, key, strVal('v')));
    }
    if (r() < 0.3) parts.push(fLen(9, id(16)), fLen(10, id(8)));
    for (let i = parts.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
    }
    return cat(...parts);
  };

  const resources: Uint8Array[] = [];
  const nRes = pick([1, 1, 2, 3, 4]);
  for (let ri = 0; ri < nRes; ri++) {
    const attrs: Uint8Array[] = [];
    if (r() < 0.9) attrs.push(kv(1, 'service.name', strVal(pick(['a', 'b', 'c']))));
    if (r() < 0.6) attrs.push(kv(1, 'deployment.environment', strVal(pick(['prod', 'dev']))));
    if (r() < 0.3) attrs.push(kv(1, 'shard', intVal(pick([3, 4]))));
    // A duplicate key (invalid per the spec): filterDecoded takes the first.
    if (r() < 0.1) attrs.push(kv(1, 'service.name', strVal(pick(['a', 'b', 'c']))));
    const fields: Uint8Array[] = [];
    // The Resource sometimes split over two fields (they merge).
    if (attrs.length > 1 && r() < 0.2) fields.push(fLen(1, attrs[0]!), fLen(1, ...attrs.slice(1)));
    else fields.push(fLen(1, ...attrs));
    const nScopes = pick([0, 1, 1, 2, 3]);
    for (let si = 0; si < nScopes; si++) {
      const scope: Uint8Array[] = [];
      const nItems = pick([0, 1, 2, 4, 6]);
      if (r() < 0.5) scope.push(fStr(3, 'https://opentelemetry.io/schemas/1.21.0'));
      for (let i = 0; i < nItems; i++) scope.push(fLen(2, signal === 'traces' ? span() : logRecord()));
      // The scope between the items, not first: the output moves it.
      scope.splice(Math.floor(r() * (scope.length + 1)), 0, fLen(1, fStr(1, pick(['flask', 'fetch'])), fStr(2, '1.0')));
      fields.push(fLen(2, ...scope));
    }
    if (r() < 0.4) fields.splice(Math.floor(r() * (fields.length + 1)), 0, fStr(3, 'https://opentelemetry.io/schemas/1.11.0'));
    resources.push(fLen(1, ...fields));
  }
  if (r() < 0.2) resources.push(fVarint(7, 1)); // unknown top-level field
  return cat(...resources);
}

test('test/support fixtures: same as the decode path', () => {
  const traces = [
    traceRequest('api', [{ name: 'ok' }, { name: 'status', error: true }, { name: 'exc', exception: true }, { name: 'both', error: true, exception: true }]).bytes,
    traceRequest('a', [{ error: true }, { name: 'fine' }], { 'deployment.environment': 'prod', shard: 3 }).bytes,
    traceRequest('api', 4).bytes,
    Buffer.concat([traceRequest('a', [{ error: true }]).bytes, traceRequest('b', [{ name: 'x' }, { exception: true }]).bytes, traceRequest('c', 2, { shard: 3 }).bytes]),
  ];
  const logs = [logsRequest('api', [1, 5, 9, 13, 16, 17, 18, 21, 24, 0]), Buffer.concat([logsRequest('a', [17, 9]), logsRequest('b', [9, 9]), logsRequest('c', [24])])];
  let kept = 0;
  for (const specs of SPEC_SETS) {
    traces.forEach((b, i) => (kept += check('traces', b, specs, `traces #${i} ${JSON.stringify(specs)}`).items));
    logs.forEach((b, i) => (kept += check('logs', b, specs, `logs #${i} ${JSON.stringify(specs)}`).items));
  }
  assert.ok(kept > 0);
});

test('bench payloads (5 % error spans and error logs): same as the decode path', () => {
  for (const p of buildPayloads({ traces: 2, logs: 2, nowMs: 1_700_000_000_000 })) {
    for (const specs of SPEC_SETS) {
      const { items } = check(p.signal, p.raw, specs, `${p.signal} ${JSON.stringify(specs)}`);
      if (specs.length === 1 && specs[0]!.error === true && specs[0]!.service === undefined) assert.equal(items, p.errors);
    }
  }
});

test('seeded random requests: same as the decode path', () => {
  const r = prng(20240611);
  let changed = 0;
  let unchanged = 0;
  let empty = 0;
  for (let n = 0; n < 240; n++) {
    const signal: Sig = n % 2 === 0 ? 'traces' : 'logs';
    const bytes = randomRequest(signal, r);
    for (const specs of SPEC_SETS) {
      const res = check(signal, bytes, specs, `request ${n} (${signal}) ${JSON.stringify(specs)}\n${Buffer.from(bytes).toString('hex')}`);
      if (res.items === 0) empty++;
      else if (res.changed) changed++;
      else unchanged++;
    }
  }
  // The generator reaches every outcome: something filtered, all kept, nothing kept.
  assert.ok(changed > 100 && unchanged > 10 && empty > 100, `changed ${changed}, unchanged ${unchanged}, empty ${empty}`);
});

test('seeded random requests (some with service.name twice): the resource-slice path keeps what the decode path keeps', () => {
  const MATCHES: MatchSpec[] = [{ service: ['a'] }, { service: ['b', 'c'] }, { resource: { 'service.name': 'c' } }, { service: ['a'], resource: { 'deployment.environment': 'prod' } }];
  const r = prng(20240612);
  let kept = 0;
  for (let n = 0; n < 120; n++) {
    const signal: Sig = n % 2 === 0 ? 'traces' : 'logs';
    const bytes = randomRequest(signal, r);
    const scan = scanRequest(signal, bytes);
    for (const match of MATCHES) {
      const label = `request ${n} (${signal}) ${JSON.stringify(match)}\n${Buffer.from(bytes).toString('hex')}`;
      const plan = new Router<string>([{ signals: [signal], match, to: ['x'] }], (d) => d).plan(signal, bytes, scan);
      const want = filterDecoded(signal, decodeRequest(signal, bytes) as unknown as Record<string, unknown>, [match]);
      assert.equal(plan[0]?.payload.items ?? 0, want.items, `${label}: item count`);
      // Slices keep a resource whole (empty scopes too): compare the resources that hold items.
      const resources = (b: Uint8Array) => {
        const req = decodeRequest(signal, Buffer.from(b));
        const entries = 'resourceSpans' in req ? req.resourceSpans.map((x) => ({ resource: x.resource, items: x.scopeSpans.reduce((k, ss) => k + ss.spans.length, 0) })) : req.resourceLogs.map((x) => ({ resource: x.resource, items: x.scopeLogs.reduce((k, sl) => k + sl.logRecords.length, 0) }));
        return entries.filter((e) => e.items > 0);
      };
      assert.deepStrictEqual(plan[0] ? resources(plan[0].payload.bytes) : [], resources(encodeRequest(signal, want.request)), `${label}: resources`);
      kept += want.items;
    }
  }
  assert.ok(kept > 0);
});

test('a request that loses nothing comes back as the same bytes, and the router keeps its gzip', () => {
  const { bytes } = traceRequest('api', [{ error: true }, { exception: true }]);
  const gzip = new Uint8Array([1, 2, 3]);
  const router = new Router<string>([{ signals: ['traces'], match: { error: true }, to: ['rollbar'] }], (n) => n);
  const plan = router.plan('traces', bytes, scanRequest('traces', bytes), gzip);
  assert.equal(plan.length, 1);
  assert.equal(plan[0]!.payload.bytes, bytes);
  assert.equal(plan[0]!.payload.gzip, gzip);
  assert.equal(plan[0]!.payload.items, 2);
});

test('the router sends error logs through the wire filter, and nothing when no item matches', () => {
  const bytes = logsRequest('api', [9, 17, 13, 21]);
  const router = new Router<string>([{ signals: ['logs'], match: { error: true }, to: ['rollbar'] }], (n) => n);
  const plan = router.plan('logs', bytes, scanRequest('logs', bytes), new Uint8Array([1]));
  assert.equal(plan.length, 1);
  assert.equal(plan[0]!.payload.gzip, undefined, 'filtered bytes are not the sender gzip');
  assert.deepEqual(
    decodeRequest('logs', plan[0]!.payload.bytes).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords.map((l) => l.severityNumber))),
    [17, 21],
  );
  const quiet = logsRequest('api', [9, 9]);
  assert.deepEqual(router.plan('logs', quiet, scanRequest('logs', quiet)), []);
});

test('two Span.status fields merge: a later status without a code keeps the earlier ERROR', () => {
  const Span = lookupType('opentelemetry.proto.trace.v1.Span');
  const base = Span.encode(Span.fromObject({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 's', status: { code: 2 } })).finish();
  const spanBytes = cat(base, fLen(15, fStr(2, 'later message')));
  const bytes = fLen(1, fLen(2, fLen(2, spanBytes)));
  const { items } = check('traces', bytes, [{ error: true }], 'merged status');
  assert.equal(items, 1);
  const reset = fLen(1, fLen(2, fLen(2, cat(base, fLen(15, fVarint(3, 0))))));
  assert.equal(check('traces', reset, [{ error: true }], 'status reset to UNSET').items, 0);
});
