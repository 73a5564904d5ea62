/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`): the functions with the most
 * self time, and the most inclusive time, with their files. `node bench/top.ts FILE [N]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const [file, count] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/top.ts FILE.cpuprofile [N]\n');
  process.exit(2);
}
const n = Number(count ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((p) => [p.id, p]));
const parent = new Map<number, number>();
for (const p of profile.nodes) for (const c of p.children ?? []) parent.set(c, p.id);

// Self time per sample from timeDeltas (µs); hitCount alone ignores uneven sampling.
const selfUs = new Map<number, number>();
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
for (let i = 0; i < samples.length; i++) {
  const id = samples[i]!;
  const dt = deltas[i + 1] ?? deltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const key = (p: ProfileNode) => `${p.callFrame.functionName || '(anonymous)'} ${p.callFrame.url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${p.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  self.set(key(node), (self.get(key(node)) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}
const show = (title: string, m: Map<string, number>) => {
  process.stdout.write(`${title} (of ${(total / 1000).toFixed(0)} ms sampled)\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
  }
  process.stdout.write('\n');
};
show('self time', self);
show('inclusive time', inclusive);
