/**
 * Reference (b): protobufjs decoding the same requests (src/otlp/schema.ts requestType(signal).decode),
 * in a process of its own, for `seconds`; reports items decoded per CPU-second per signal over IPC.
 */
import { requestType } from '../src/otlp/schema.ts';
import { buildPayloads } from './payloads.ts';

export interface DecodeReport {
  tracesPerCpuSecond: number;
  logsPerCpuSecond: number;
}

const [nowMs, seconds, traces, logs] = process.argv.slice(2).map(Number) as [number, number, number, number];
const payloads = buildPayloads({ traces, logs, nowMs });

function rate(signal: 'traces' | 'logs'): number {
  const mine = payloads.filter((p) => p.signal === signal);
  const type = requestType(signal);
  for (let i = 0; i < 20; i++) type.decode(mine[i % mine.length]!.raw); // warm up the JIT
  const cpu0 = process.cpuUsage();
  const end = performance.now() + (seconds * 1000) / 2;
  let items = 0;
  let i = 0;
  while (performance.now() < end) {
    const p = mine[i++ % mine.length]!;
    type.decode(p.raw);
    items += p.items;
  }
  const cpu = process.cpuUsage(cpu0);
  return items / ((cpu.user + cpu.system) / 1e6);
}

const report: DecodeReport = { tracesPerCpuSecond: rate('traces'), logsPerCpuSecond: rate('logs') };
process.send?.({ kind: 'decode', report });
process.disconnect?.();
