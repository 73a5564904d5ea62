/**
 * `npm run chaos -- [--iterations N] [--seed S]`: the crash loop of test/faults/crash.test.ts for as
 * long as asked (default 200 kills, a random seed), printing one line per kill and the oracle's verdict.
 * Exit 1 when an acknowledged item is missing, an unsent or refused one arrived, or duplicates pass their bound.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './support/chaos.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200' }, seed: { type: 'string' } } });
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const iterations = Number(values.iterations);
process.stdout.write(`chaos: ${iterations} kills, seed ${seed} (rerun with --seed ${seed})\n`);
const r = await runChaos({ seed, iterations, say: (line) => process.stdout.write(`${line}\n`) });
const failures = [
  r.missing.length > 0 ? `${r.missing.length} acknowledged items never arrived (e.g. ${r.missing.slice(0, 3).join(', ')})` : '',
  r.phantom.length > 0 ? `${r.phantom.length} items arrived that no client sent` : '',
  r.refusedButDelivered.length > 0 ? `${r.refusedButDelivered.length} refused items arrived` : '',
  r.duplicates > r.duplicateBound ? `duplicates ${r.duplicates} above the bound ${r.duplicateBound}` : '',
  r.maxDirBytes > r.budgetBytes + 4096 ? `the queue directory held ${r.maxDirBytes} bytes, over max_bytes ${r.budgetBytes}` : '',
  r.finalExit.code !== 0 ? `the last relay exited with ${r.finalExit.code ?? r.finalExit.signal}` : '',
].filter(Boolean);
const { missing: _m, phantom: _p, refusedButDelivered: _r, ...summary } = r;
process.stdout.write(`${JSON.stringify(summary)}\n${failures.length === 0 ? 'chaos: no acknowledged item lost' : `chaos: FAILED\n${failures.join('\n')}`}\n`);
process.exitCode = failures.length === 0 ? 0 : 1;
