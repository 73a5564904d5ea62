/**
 * The `match: { error: true }` route on the bench payloads: the decode path (decodeRequest + filterDecoded
 * + encodeRequest) against the wire filter, CPU µs per item, one request at a time.
 * `node bench/route.ts [seconds per line]`.
 */
import { decodeRequest, encodeRequest } from '../src/otlp/codec.ts';
import { scanRequest } from '../src/otlp/wire.ts';
import { filterDecoded } from '../src/router/filter.ts';
import type { MatchSpec } from '../src/router/match.ts';
import { filterWire } from '../src/router/wire-filter.ts';
import { buildPayloads, ITEMS_PER_REQUEST, type BenchPayload } from './payloads.ts';

const seconds = Number(process.argv[2] ?? 1.5);
const SPECS: MatchSpec[] = [{ error: true }];

function decodePath(p: BenchPayload): number {
  const f = filterDecoded(p.signal, decodeRequest(p.signal, p.raw) as unknown as Record<string, unknown>, SPECS);
  return encodeRequest(p.signal, f.request).length;
}

function wirePath(p: BenchPayload): number {
  // scanRequest has already run in the relay (its ScanResult is what plan() gets), so it is not timed here.
  return filterWire(p.signal, p.raw, scans.get(p)!.resources, SPECS).bytes.length;
}

const scans = new Map<BenchPayload, ReturnType<typeof scanRequest>>();

/** CPU µs per item of `fn` over `payloads`, after a warm-up. */
function measure(payloads: readonly BenchPayload[], fn: (p: BenchPayload) => number): number {
  let sink = 0;
  for (let i = 0; i < 50; i++) sink += fn(payloads[i % payloads.length]!);
  const start = process.cpuUsage();
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < deadline) {
    sink += fn(payloads[n % payloads.length]!);
    n++;
  }
  const cpu = process.cpuUsage(start);
  if (sink === 0) throw new Error('unreachable: keeps the results alive');
  return (cpu.user + cpu.system) / (n * ITEMS_PER_REQUEST);
}

const traces = buildPayloads({ traces: 8, logs: 0, nowMs: Date.now() });
const logs = buildPayloads({ traces: 0, logs: 8, nowMs: Date.now() });
for (const p of [...traces, ...logs]) scans.set(p, scanRequest(p.signal, p.raw));

for (const [name, set] of [
  ['traces', traces],
  ['logs', logs],
] as const) {
  const before = measure(set, decodePath);
  const after = measure(set, wirePath);
  console.log(`${name} error route: decode path ${before.toFixed(3)} µs/item, wire filter ${after.toFixed(3)} µs/item (${(before / after).toFixed(1)}x)`);
}
