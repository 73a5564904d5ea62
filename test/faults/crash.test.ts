import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from './support/chaos.ts';

// CI runs 20 kills; `npm run chaos` (test/faults/chaos.ts) runs as many as asked, with any seed.
const SEED = Number(process.env['CHAOS_SEED'] ?? 7);
const ITERATIONS = Number(process.env['CHAOS_ITERATIONS'] ?? 20);

test(`the relay SIGKILLed ${ITERATIONS} times at seeded random points under load (seed ${SEED}) loses no acknowledged span or log record`, { timeout: 300_000 }, async (t) => {
  const r = await runChaos({ seed: SEED, iterations: ITERATIONS, say: (line) => t.diagnostic(line) });
  t.diagnostic(
    `kills ${r.kills} (${r.killsDuringStartup} during start-up), replays ${r.replays}, starts with torn tails ${r.damagedStarts}, queue directory at most ${r.maxDirBytes} bytes of ${r.budgetBytes}; ` +
      `sent ${r.sent}, acknowledged ${r.acked}, delivered ${r.delivered} distinct, duplicates ${r.duplicates} (bound ${r.duplicateBound}); ` +
      `answers ${JSON.stringify(r.answers)}, one-shot refusals ${r.oneShotRefused}; ${Math.round(r.ms / 1000)} s`,
  );
  assert.equal(r.kills, ITERATIONS);
  assert.ok(r.acked > 0 && r.answers.broken > 0, 'there was load, and kills cut requests off');
  assert.deepEqual(r.missing.slice(0, 10), [], `${r.missing.length} acknowledged items never arrived`);
  assert.deepEqual(r.phantom.slice(0, 10), [], 'nothing arrives that no client sent');
  assert.deepEqual(r.refusedButDelivered.slice(0, 10), [], 'nothing the relay refused arrives');
  assert.ok(r.duplicates <= r.duplicateBound, `duplicates ${r.duplicates} within the bound ${r.duplicateBound}`);
  assert.ok(r.maxDirBytes <= r.budgetBytes + 4096, `the queue directory held at most ${r.maxDirBytes} bytes (max_bytes ${r.budgetBytes}, plus acks being written)`);
  assert.equal(r.finalExit.code, 0, 'the last relay drains and exits cleanly');
});
