import fsp from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../../support/fault-fs.ts';
import { prng } from '../../support/prng.ts';
import { ChildRelay } from './child.ts';
import { FaultyDestination, type Fault } from './destination.ts';
import { LoadClient, Oracle } from './load.ts';

export interface ChaosOptions {
  seed: number;
  iterations: number;
  /** Progress lines (one per iteration). */
  say?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  iterations: number;
  kills: number;
  /** Kills that landed before the relay said it had started (during start-up and recovery). */
  killsDuringStartup: number;
  /** Starts that replayed data left by the previous process. */
  replays: number;
  /** Starts that reported damaged stretches (torn tails) in the log. */
  damagedStarts: number;
  /** The most the queue directory held after a kill, and its budget. */
  maxDirBytes: number;
  budgetBytes: number;
  sent: number;
  acked: number;
  delivered: number;
  duplicates: number;
  /** The bound the duplicates are held to: per kill, what may be in flight to the destination plus what clients may resend. */
  duplicateBound: number;
  missing: string[];
  phantom: string[];
  refusedButDelivered: string[];
  answers: { ok: number; refused: number; broken: number };
  oneShotRefused: number;
  finalExit: { code: number | null; signal: NodeJS.Signals | null };
  ms: number;
}

const CONSUMERS = 2;
const BUDGET = 128 * 1024;
const BATCH_ITEMS = 500;
const POLICIES = ['always', 'interval', 'never'] as const;

function config(dest: string, dir: string, fsync: (typeof POLICIES)[number]): string {
  return `
service:
  log_level: info
  shutdown_timeout: 2s
  admin: { enabled: false }
receivers:
  otlp:
    http: { endpoint: "127.0.0.1:0" }
exporters:
  hc:
    type: honeycomb
    api_key: abcdefghijklmnopqrstuv
    endpoint: ${dest}
    timeout: 2s
    queue: { type: disk, dir: "${dir}", max_bytes: ${BUDGET}, consumers: ${CONSUMERS}, fsync: ${fsync}${fsync === 'interval' ? ', fsync_interval: 50ms' : ''} }
    batch: { timeout: 20ms, max_items: ${BATCH_ITEMS}, max_bytes: 64KiB }
    retry: { initial_interval: 20ms, max_interval: 200ms }
routes:
  - { signals: [traces, logs], to: [hc] }
`;
}

/**
 * The crash loop: clients post spans and log records without pause while the relay (a child process
 * with a disk queue) is SIGKILLed at seeded random moments, under changing destination weather, and
 * restarted on the same directory. Then one last relay drains, and the destination's ledger is
 * checked against what the clients were told.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  // Seeded: the same seed gives the same schedule of faults and kills.
  const random = prng(opts.seed);
  const say = opts.say ?? (() => undefined);
  const dest = await new FaultyDestination().start();
  const root = await tempDir('otlp-relay-chaos-');
  const dir = path.join(root, 'queue');
  const oracle = new Oracle();
  // The kill schedule and the weather have their own generator: the load's draws depend on timing, the schedule must not.
  const load = new LoadClient(oracle, prng(opts.seed + 1), { concurrency: 4, maxItems: 20, oneShotShare: 0.2, logShare: 0.3 });
  const report = { kills: 0, killsDuringStartup: 0, replays: 0, damagedStarts: 0, maxDirBytes: 0, budgetBytes: BUDGET };
  const dirBytes = async () => {
    const q = path.join(dir, 'hc');
    let n = 0;
    for (const f of await fsp.readdir(q).catch(() => [])) n += (await fsp.stat(path.join(q, f)).catch(() => ({ size: 0 }))).size;
    return n;
  };
  let down = false;
  const weather = async (): Promise<string> => {
    if (down) {
      await dest.accept();
      down = false;
    }
    const w = random();
    let mode: Fault;
    if (w < 0.55) mode = { kind: 'ok' };
    else if (w < 0.7) mode = { kind: 'status', status: 503 };
    else if (w < 0.8) mode = { kind: 'slow', ms: 50 + Math.floor(random() * 150) };
    else if (w < 0.9) mode = { kind: 'reset' };
    else {
      await dest.refuse();
      down = true;
      return 'refusing connections';
    }
    dest.mode = mode;
    return mode.kind === 'status' ? `answering ${mode.status}` : mode.kind;
  };
  const write = async (i: number, fsync: (typeof POLICIES)[number]) => {
    const file = path.join(root, `relay-${i}.yaml`);
    await fsp.writeFile(file, config(dest.url, dir, fsync));
    return file;
  };
  load.start();
  try {
    for (let i = 0; i < opts.iterations; i++) {
      const sky = await weather();
      const fsync = POLICIES[i % POLICIES.length]!;
      const relay = new ChildRelay(await write(i, fsync));
      let when: string;
      if (random() < 0.15) {
        await sleep(Math.floor(random() * 400)); // somewhere in start-up: loading, recovery, listening
        const started = relay.lines.some((l) => l.includes(' started: '));
        if (!started) report.killsDuringStartup++;
        when = started ? 'just after start' : 'during start-up';
      } else {
        await relay.ready();
        load.url = relay.url;
        const ms = 30 + Math.floor(random() * 400);
        await sleep(ms);
        when = `${ms} ms under load`;
      }
      await relay.kill('SIGKILL');
      load.url = '';
      report.kills++;
      report.maxDirBytes = Math.max(report.maxDirBytes, await dirBytes());
      if (relay.logged(/replaying/).length > 0) report.replays++;
      if (relay.logged(/damaged stretch/).length > 0) report.damagedStarts++;
      say(`#${i + 1} fsync=${fsync}, destination ${sky}: killed ${when}; acked ${oracle.acked.size}, delivered ${dest.spans.size + dest.logs.size}`);
    }
    // The last start: healthy destination, no new data; everything acknowledged must arrive.
    if (down) await dest.accept();
    dest.mode = { kind: 'ok' };
    load.pause();
    const last = new ChildRelay(await write(opts.iterations, 'always'));
    await last.ready();
    if (last.logged(/replaying/).length > 0) report.replays++;
    load.url = last.url;
    const end = Date.now() + 60_000;
    while (Date.now() < end && !(load.settled && oracle.check(dest).missing.length === 0)) await sleep(20);
    await sleep(100); // let any batch still in flight land, so duplicates are counted in full
    const finalExit = await last.kill('SIGTERM');
    await load.stop();
    const check = oracle.check(dest);
    return {
      seed: opts.seed,
      iterations: opts.iterations,
      ...report,
      sent: oracle.sent.size,
      acked: oracle.acked.size,
      delivered: check.delivered,
      duplicates: check.duplicates,
      duplicateBound: report.kills * (CONSUMERS * BATCH_ITEMS + load.opts.concurrency * load.opts.maxItems),
      missing: check.missing,
      phantom: check.phantom,
      refusedButDelivered: check.refusedButDelivered,
      answers: { ...oracle.answers },
      oneShotRefused: oracle.refused.size,
      finalExit,
      ms: Date.now() - t0,
    };
  } finally {
    await load.stop();
    await dest.stop();
    await fsp.rm(root, { recursive: true, force: true });
  }
}
