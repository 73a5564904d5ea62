/**
 * `npm run bench`: the relay under realistic OTLP load, against sinks standing in for every destination,
 * next to two references measured in the same run on the same payloads: (a) a bare Node server that
 * reads, gunzips and discards the bodies (grpc-js for the gRPC rows), (b) a bare protobufjs decode.
 *
 *   npm run bench -- [--quick] [--only S1,S3] [--relay dist|src] [--cpu-prof DIR] [--heap-snapshot DIR] [--json FILE]
 *
 * Every process is its own: the relay (dist/ compiled into a temporary directory by default, or the
 * sources), the load generator (bench/load.ts), the sinks (bench/sinks.ts), the references. Only
 * 127.0.0.1 is used. Every wait is bounded; the whole suite stops by itself.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import type { DecodeReport } from './decode.ts';
import type { FinalReport, LoadCommand, LoadMessage, LoadSpec, WindowReport } from './load.ts';
import { ATTRIBUTES_PER_SPAN, ERROR_RATE, ITEMS_PER_REQUEST } from './payloads.ts';
import { cpuSplit, machine, memory, RssSampler } from './proc.ts';
import type { SinkCommand, SinkCounts, SinkMessage, SinkPorts } from './sinks.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = fileURLToPath(new URL('.', import.meta.url));
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** What a disk queue keeps of its payloads in memory (src/pipeline/disk/disk-queue.ts, its default). */
const DISK_CACHE_MIB = 16;
/**
 * S4's configured memory limit (service.memory_limiter.limit): just above the relay's own ~150 MB at
 * this load before the outage, so what the outage and the drain add is the limiter's to hold back.
 */
const S4_MEMORY_LIMIT = 160 * MiB;
/** Distinct requests built per run (timestamps fixed at the start of the run). */
const PAYLOADS = { traces: 8, logs: 2 };
/** A Honeycomb environment key's shape (22 characters); the sink accepts anything. */
const FAKE_HONEYCOMB_KEY = 'benchbenchbenchbench01';

// ---------------------------------------------------------------- options

export interface BenchOptions {
  quick: boolean;
  /** Shorter still (test/bench): figures produced, not meaningful. */
  smoke: boolean;
  only: Set<string> | undefined;
  relay: 'dist' | 'src';
  cpuProfDir: string | undefined;
  heapSnapshotDir: string | undefined;
  json: string | undefined;
  /** Extra Node/V8 flags for the relay process (experiments: --max-semi-space-size=…). */
  relayFlags: string[];
  /** Keep the working directory (relay configs and logs) and print where it is. */
  keep: boolean;
  /** Overrides every scenario's measured window, in seconds (experiments). */
  windowS: number | undefined;
  /** Overrides S4's service.memory_limiter.limit, in MiB (experiments). */
  memoryLimitMiB: number | undefined;
}

function options(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      relay: { type: 'string', default: 'dist' },
      'cpu-prof': { type: 'string' },
      'heap-snapshot': { type: 'string' },
      json: { type: 'string' },
      'relay-flags': { type: 'string' },
      keep: { type: 'boolean', default: false },
      window: { type: 'string' },
      'memory-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('npm run bench -- [--quick | --smoke] [--only S1,S2,S3,S4 | S1-http,…] [--relay dist|src] [--relay-flags="--flag …"] [--keep] [--window SECONDS] [--memory-limit MIB] [--cpu-prof DIR] [--heap-snapshot DIR] [--json FILE]\n');
    process.exit(0);
  }
  if (values.relay !== 'dist' && values.relay !== 'src') throw new Error('--relay is dist or src');
  return {
    quick: values.quick || values.smoke,
    smoke: values.smoke,
    only: values.only ? new Set(values.only.split(',').map((s) => s.trim().toUpperCase())) : undefined,
    relay: values.relay,
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
    heapSnapshotDir: values['heap-snapshot'] ? path.resolve(values['heap-snapshot']) : undefined,
    json: values.json,
    relayFlags: values['relay-flags'] ? values['relay-flags'].split(/\s+/).filter(Boolean) : [],
    keep: values.keep,
    windowS: values.window ? Number(values.window) : undefined,
    memoryLimitMiB: values['memory-limit'] ? Number(values['memory-limit']) : undefined,
  };
}

// ---------------------------------------------------------------- small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (b: number) => `${fmt(b / 1e6, 1)} MB`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${ms} ms`);
}

/** The next IPC message of `kind` from a child (bounded by `ms`). */
function next<M extends { kind: string }, K extends M['kind']>(child: ChildProcess, kind: K, ms = 60_000): Promise<Extract<M, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${kind}" message within ${ms} ms`));
    }, ms);
    const onMessage = (m: M) => {
      if (m.kind !== kind) return;
      cleanup();
      resolve(m as Extract<M, { kind: K }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (code ${code}) before sending "${kind}"`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess, ms = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/** Children inherit only what they need: PATH and the fake credentials. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', HOME: os.tmpdir(), ...extra };
}

function forkBench(script: string, args: string[] = []): ChildProcess {
  return fork(path.join(BENCH, script), args, { execPath: process.execPath, env: childEnv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

// ---------------------------------------------------------------- the relay under test

interface RelayProcess {
  child: ChildProcess;
  pid: number;
  httpPort: number;
  grpcPort: number;
  adminPort: number;
  logFile: string;
}

/** The Node flags the image runs the relay with (the Dockerfile's ENTRYPOINT, between `node` and the script): the bench measures what ships. */
export function shippedNodeFlags(): string[] {
  const line = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').match(/^ENTRYPOINT\s+(\[.*\])\s*$/m)?.[1];
  const argv = line ? (JSON.parse(line) as string[]) : [];
  return argv.slice(1).filter((a) => a.startsWith('--'));
}

/** Compiles src/ into a temporary directory laid out like the repo (dist/, proto/, config/, node_modules). */
function buildRelay(work: string): string {
  const dir = path.join(work, 'relay');
  mkdirSync(dir, { recursive: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(dir, 'dist'), '--sourceMap', 'false'], { encoding: 'utf8' });
  const main = path.join(dir, 'dist', 'main.js');
  // tsc still emits when the tree has type errors (work in progress elsewhere): say so and go on.
  if (r.status !== 0 && !existsSync(main)) throw new Error(`building the relay failed:\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) process.stdout.write(`warning: the relay compiled with type errors (emitted anyway):\n${r.stdout}${r.stderr}\n`);
  for (const name of ['proto', 'config', 'node_modules', 'package.json']) symlinkSync(path.join(ROOT, name), path.join(dir, name));
  return main;
}

interface RelayConfigInput {
  kind: 'honeycomb' | 'cruddur';
  sinks: SinkPorts;
  httpPort: number;
  grpcPort: number;
  adminPort: number;
  /** Honeycomb queue budget; undefined = the default. */
  queueBytes?: number;
  /** A disk queue in this directory instead of the memory queue. */
  diskDir?: string;
  /** service.memory_limiter.limit in bytes; undefined: none. */
  memoryLimit?: number;
}

type Yaml = Record<string, unknown>;

/** The config the relay runs: S1/S3/S4 Honeycomb only; S2 config/cruddur.yaml with every exporter pointed at a sink. */
export function relayConfig(c: RelayConfigInput): { yaml: string; notes: string[]; types: Set<string> } {
  const notes: string[] = [];
  const receivers = { otlp: { grpc: { endpoint: `127.0.0.1:${c.grpcPort}` }, http: { endpoint: `127.0.0.1:${c.httpPort}` } } };
  const service: Yaml = { log_level: 'warn', shutdown_timeout: '10s', admin: { endpoint: `127.0.0.1:${c.adminPort}` } };
  if (c.memoryLimit !== undefined) service['memory_limiter'] = { limit: c.memoryLimit };
  const honeycomb: Yaml = { type: 'honeycomb', api_key: '${env:HONEYCOMB_API_KEY}', endpoint: `http://127.0.0.1:${c.sinks.honeycomb}` };
  if (c.diskDir !== undefined) honeycomb['queue'] = { type: 'disk', dir: c.diskDir, ...(c.queueBytes === undefined ? {} : { max_bytes: c.queueBytes }) };
  else if (c.queueBytes !== undefined) honeycomb['queue'] = { max_bytes: c.queueBytes };
  if (c.kind === 'honeycomb') {
    const doc = { service, receivers, exporters: { honeycomb }, routes: [{ signals: ['traces', 'logs'], to: ['honeycomb'] }] };
    return { yaml: YAML.stringify(doc), notes, types: new Set(['honeycomb']) };
  }
  const doc = YAML.parse(readFileSync(path.join(ROOT, 'config', 'cruddur.yaml'), 'utf8')) as Yaml;
  doc['service'] = { ...(doc['service'] as Yaml | undefined), ...service };
  doc['receivers'] = { ...(doc['receivers'] as Yaml | undefined), ...receivers };
  const exporters = (doc['exporters'] ?? {}) as Record<string, Yaml>;
  const routes = (doc['routes'] ?? []) as Array<{ to: string[] }>;
  for (const [name, ex] of Object.entries(exporters)) {
    switch (ex['type']) {
      case 'honeycomb':
        ex['endpoint'] = `http://127.0.0.1:${c.sinks.honeycomb}`;
        break;
      case 'xray':
        ex['endpoint'] = `http://127.0.0.1:${c.sinks.xray}`;
        break;
      case 'cloudwatch_logs':
        ex['endpoint'] = `http://127.0.0.1:${c.sinks.cloudwatch}`;
        break;
      case 'rollbar':
        ex['endpoint'] = `http://127.0.0.1:${c.sinks.rollbar}/api/1/item/`;
        break;
      case 'debug':
        ex['verbosity'] = 'basic'; // its lines go to the relay's log file
        break;
      case 'file':
        ex['path'] = '/dev/null';
        break;
      default:
        notes.push(`exporter "${name}" (type ${String(ex['type'])}) has no sink in the bench: left out with its routes`);
        delete exporters[name];
        for (const r of routes) r.to = r.to.filter((t) => t !== name);
    }
  }
  doc['routes'] = routes.filter((r) => r.to.length > 0);
  notes.push(`S2 runs config/cruddur.yaml as it is now: exporters ${Object.entries(exporters).map(([n, e]) => `${n} (${String(e['type'])})`).join(', ')}`);
  return { yaml: YAML.stringify(doc), notes, types: new Set(Object.values(exporters).map((e) => String(e['type']))) };
}

async function startRelay(entry: string, cfg: Omit<RelayConfigInput, 'httpPort' | 'grpcPort' | 'adminPort'>, work: string, opts: BenchOptions, tag: string): Promise<RelayProcess & { notes: string[]; types: Set<string> }> {
  // Three distinct ports: the OS may hand the same free port out twice in a row.
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [httpPort, grpcPort, adminPort] = [...ports] as [number, number, number];
  const { yaml, notes, types } = relayConfig({ ...cfg, httpPort, grpcPort, adminPort });
  const configFile = path.join(work, `${tag}.yaml`);
  writeFileSync(configFile, yaml);
  const logFile = path.join(work, `${tag}.log`);
  const fd = openSync(logFile, 'w');
  const flags: string[] = [...shippedNodeFlags(), ...opts.relayFlags];
  if (opts.cpuProfDir) flags.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`, `--cpu-prof-name=${tag}.cpuprofile`);
  if (opts.heapSnapshotDir) flags.push('--heapsnapshot-signal=SIGUSR2');
  const child = spawn(process.execPath, [...flags, entry, 'run', '--config', configFile], {
    cwd: opts.heapSnapshotDir ?? work,
    env: childEnv({
      HONEYCOMB_API_KEY: FAKE_HONEYCOMB_KEY,
      ROLLBAR_ACCESS_TOKEN: 'bench0rollbar0token0000000000000',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  try {
    await waitForPort(httpPort, child, 30_000, 'the relay');
    await waitForPort(grpcPort, child, 30_000, 'the relay');
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}\n--- relay log ---\n${readFileSync(logFile, 'utf8').slice(-4000)}`, { cause: err });
  }
  return { child, pid: child.pid!, httpPort, grpcPort, adminPort, logFile, notes, types };
}

/** The relay's own count of delivered items, from its /metrics. */
async function relaySent(adminPort: number, exporter: string): Promise<{ traces: number; logs: number }> {
  const out = { traces: 0, logs: 0 };
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('otlp_relay_exporter_sent_items_total{') || !line.includes(`exporter="${exporter}"`)) continue;
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (line.includes('signal="traces"')) out.traces += value;
      if (line.includes('signal="logs"')) out.logs += value;
    }
  } catch {
    // no admin endpoint: unknown
  }
  return out;
}

/** Heap, external memory and queue bytes from the relay's /metrics, as one line for the notes. */
async function relayMemory(adminPort: number): Promise<string> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const value = (prefix: string): number => {
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(prefix)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    };
    return (
      `relay memory after the window: V8 heap used ${mb(value('nodejs_heap_size_used_bytes '))} of ${mb(value('nodejs_heap_size_total_bytes '))}, ` +
      `external ${mb(value('nodejs_external_memory_bytes '))}, exporter queues ${mb(value('otlp_relay_exporter_queue_bytes{'))}` +
      (value('otlp_relay_memory_limit_bytes ') > 0
        ? `; memory limiter: ${fmt(value('otlp_relay_memory_forced_gcs_total '))} forced GCs, ${fmt(value('otlp_relay_receiver_refused_requests_total{receiver="otlp/http",signal="traces",reason="memory_limit"} '))} requests refused for memory over the run`
        : '')
    );
  } catch {
    return 'relay memory: no /metrics';
  }
}

// ---------------------------------------------------------------- scenarios

type Transport = LoadSpec['transport'];

interface Scenario {
  id: 'S1' | 'S2' | 'S3' | 'S4';
  row: string;
  what: string;
  config: 'honeycomb' | 'cruddur';
  transport: Transport;
  mix: LoadSpec['mix'];
  mode: LoadSpec['mode'];
  retryRefused: boolean;
  warmupS: number;
  windowS: number;
  /** Reference (a): the same load against a bare server of this transport. */
  bare?: 'http' | 'grpc';
  /** Whether the Honeycomb sink decompresses and counts items (costs CPU on the shared cores). */
  sinkCounts: boolean;
  /** S4: the Honeycomb sink goes down `afterS` into the window for `downS`. */
  outage?: { afterS: number; downS: number; recoverS: number; drainS: number };
  queueBytes?: number;
  /** S4: service.memory_limiter.limit, the "configured memory limit" of S4's target. */
  memoryLimit?: number;
  /** S4: the queue kind (memory by default). */
  queue?: 'memory' | 'disk';
  target: string;
}

function scenarios(quick: boolean, memoryLimit = S4_MEMORY_LIMIT): Scenario[] {
  const t = (q: number, full: number) => (quick ? q : full);
  const closed = (concurrency: number): LoadSpec['mode'] => ({ kind: 'closed', concurrency });
  const steady: LoadSpec['mode'] = { kind: 'open', requestsPerSecond: 10_000 / ITEMS_PER_REQUEST, maxInFlight: 32 };
  const traces = { traces: 1, logs: 0 };
  const s1 = '≥ 500,000 spans per relay CPU-second; ≥ 0.4 × the bare server';
  return [
    { id: 'S1', row: 'S1 http', what: 'traces → Honeycomb (pass-through), OTLP/HTTP protobuf+gzip, as fast as it goes', config: 'honeycomb', transport: 'http', mix: traces, mode: closed(8), retryRefused: true, warmupS: t(1, 3), windowS: t(3, 20), bare: 'http', sinkCounts: false, target: s1 },
    { id: 'S1', row: 'S1 grpc', what: 'traces → Honeycomb (pass-through), OTLP/gRPC, as fast as it goes', config: 'honeycomb', transport: 'grpc', mix: traces, mode: closed(8), retryRefused: true, warmupS: t(1, 3), windowS: t(3, 20), bare: 'grpc', sinkCounts: false, target: s1 },
    { id: 'S2', row: 'S2 http', what: 'config/cruddur.yaml fan-out, traces and logs 4:1, OTLP/HTTP, as fast as it goes', config: 'cruddur', transport: 'http', mix: { traces: 4, logs: 1 }, mode: closed(8), retryRefused: true, warmupS: t(1, 3), windowS: t(3, 20), bare: 'http', sinkCounts: true, target: '≥ 60,000 spans per relay CPU-second' },
    { id: 'S3', row: 'S3 http', what: 'steady 10,000 spans/s → Honeycomb, OTLP/HTTP', config: 'honeycomb', transport: 'http', mix: traces, mode: steady, retryRefused: true, warmupS: t(1, 5), windowS: t(5, 60), bare: 'http', sinkCounts: true, target: '≤ 4 % of a core, ≤ 90 MB RSS, p99 ≤ 5 ms' },
    ...(['memory', 'disk'] as const).map(
      (queue): Scenario => ({
        id: 'S4',
        row: `S4 ${queue}`,
        what: `Honeycomb down at 10,000 spans/s, ${queue} queue`,
        config: 'honeycomb',
        transport: 'http',
        mix: traces,
        mode: steady,
        retryRefused: true,
        warmupS: t(1, 2),
        windowS: 0,
        sinkCounts: true,
        outage: { afterS: t(2, 10), downS: t(5, 60), recoverS: t(3, 20), drainS: t(40, 120) },
        queueBytes: queue === 'memory' ? t(32, 64) * MiB : GiB,
        memoryLimit,
        queue,
        target: `RSS ≤ service.memory_limiter.limit (${memoryLimit / MiB} MiB) + 50 MB; everything accepted is delivered`,
      }),
    ),
  ];
}

// ---------------------------------------------------------------- running one load

interface Driven {
  window: WindowReport;
  final: FinalReport;
  cpuSeconds: number;
  /** Of which by thread kind (ended threads' time is in neither). */
  split: { main: number; pool: number; v8: number };
  /** RSS peak over the window (sampled every 100 ms) and VmHWM at its end. */
  windowPeakRss: number;
  hwm: number;
}

async function startLoad(spec: LoadSpec): Promise<ChildProcess> {
  const load = forkBench('load.ts');
  load.send({ cmd: 'start', spec } satisfies LoadCommand);
  await next<LoadMessage, 'started'>(load, 'started', 60_000);
  return load;
}

async function mark(load: ChildProcess): Promise<void> {
  load.send({ cmd: 'mark' } satisfies LoadCommand);
  await next<LoadMessage, 'marked'>(load, 'marked', 10_000);
}

async function windowReport(load: ChildProcess): Promise<WindowReport> {
  load.send({ cmd: 'report' } satisfies LoadCommand);
  return (await next<LoadMessage, 'window'>(load, 'window', 10_000)).report;
}

async function finish(load: ChildProcess, drainMs: number): Promise<FinalReport> {
  load.send({ cmd: 'stop', drainMs } satisfies LoadCommand);
  const r = (await next<LoadMessage, 'final'>(load, 'final', drainMs + 30_000)).report;
  await stopChild(load, 5_000);
  return r;
}

/** Warm up, then measure `windowS` seconds of load against `pid`. */
async function drive(pid: number, spec: LoadSpec, warmupS: number, windowS: number, during?: (load: ChildProcess) => Promise<void>): Promise<Driven & { load: ChildProcess }> {
  const load = await startLoad(spec);
  await sleep(warmupS * 1000);
  const sampler = new RssSampler(pid);
  await mark(load);
  const cpu0 = cpuSplit(pid);
  if (during) await during(load);
  else await sleep(windowS * 1000);
  const window = await windowReport(load);
  const cpu1 = cpuSplit(pid);
  const hwm = memory(pid).peak;
  const windowPeakRss = sampler.stop();
  return { load, window, final: { acceptedSpans: 0, acceptedLogs: 0, refused: 0, errors: 0, undelivered: 0 }, cpuSeconds: cpu1.total - cpu0.total, split: { main: cpu1.main - cpu0.main, pool: cpu1.pool - cpu0.pool, v8: cpu1.v8 - cpu0.v8 }, windowPeakRss, hwm };
}

/**
 * Whether every item the relay accepted reached each destination that takes it (Honeycomb: everything;
 * X-Ray: every span as a segment document; CloudWatch Logs: every log record). Rollbar gets error items
 * only, within its per-minute cap (the rest are shed by design), so it is counted, not required.
 */
function delivery(types: Set<string>, s: Scenario, f: FinalReport, counts: SinkCounts | undefined, sent: { traces: number; logs: number }): { complete: boolean; text: string } {
  const hc = counts ? { traces: counts.honeycomb.spans, logs: counts.honeycomb.logs } : sent;
  const wantLogs = s.config === 'cruddur' || s.mix.logs > 0;
  let complete = hc.traces === f.acceptedSpans && (!wantLogs || hc.logs === f.acceptedLogs) && f.undelivered === 0;
  let text = `accepted ${fmt(f.acceptedSpans)} spans${wantLogs ? ` and ${fmt(f.acceptedLogs)} logs` : ''}; Honeycomb ${counts ? 'sink counted' : 'relay reports sent'} ${fmt(hc.traces)} spans${wantLogs ? ` and ${fmt(hc.logs)} logs` : ''}`;
  if (counts && types.has('xray')) {
    complete &&= counts.xray.documents >= f.acceptedSpans;
    text += `; X-Ray sink ${fmt(counts.xray.documents)} segment documents in ${fmt(counts.xray.requests)} calls`;
  }
  if (counts && types.has('cloudwatch_logs')) {
    complete &&= counts.cloudwatch.events === f.acceptedLogs;
    text += `; CloudWatch sink ${fmt(counts.cloudwatch.events)} events in ${fmt(counts.cloudwatch.requests - counts.cloudwatch.other)} PutLogEvents`;
  }
  if (counts && types.has('rollbar')) text += `; Rollbar sink ${fmt(counts.rollbar.items)} items (error spans and logs, within its per-minute cap)`;
  if (f.undelivered > 0) text += `; ${f.undelivered} refused requests still not accepted at the drain deadline`;
  if (f.refused > 0) text += `; ${fmt(f.refused)} requests refused with a retry delay over the run (429 / UNAVAILABLE) and sent again`;
  return { complete, text };
}

// ---------------------------------------------------------------- results

export interface Row {
  scenario: string;
  row: string;
  what: string;
  target: string;
  spansPerSecond: number;
  logsPerSecond: number;
  relayCpuSeconds: number;
  /** Shares of the relay's CPU: main thread, libuv pool (zlib), V8 workers (GC). */
  threads: { main: number; pool: number; v8: number };
  cpuSecondsPerMillion: number;
  itemsPerCpuSecond: number;
  spansPerCpuSecond: number;
  coreShare: number;
  peakRssBytes: number;
  windowPeakRssBytes: number;
  p50Ms: number;
  p99Ms: number;
  refused: number;
  errors: number;
  firstError?: string;
  /** Reference (a) under the same load: its rate, CPU, memory; the relay's rate and items per CPU-second as ratios of its. */
  bare?: { spansPerSecond: number; itemsPerCpuSecond: number; coreShare: number; peakRssBytes: number; p99Ms: number; rateRatio: number; cpuRatio: number };
  decodeRatio: number;
  delivery: string;
  delivered: boolean;
  /** S4: peak RSS while the destination was down minus RSS just before it went down. */
  outageGrowthBytes?: number;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  notes: string[];
}

export interface BenchResult {
  date: string;
  command: string;
  node: string;
  machine: ReturnType<typeof machine>;
  relay: 'dist' | 'src';
  quick: boolean;
  payload: { spansPerRequest: number; attributesPerSpan: number; errorRate: number; tracesRequestBytes: number; tracesGzipBytes: number; logsRequestBytes: number; logsGzipBytes: number };
  decode: DecodeReport;
  rows: Row[];
}


function printRow(r: Row): void {
  const lines = [
    `${r.row}: ${r.what}`,
    `  spans/s ${fmt(r.spansPerSecond)}${r.logsPerSecond > 0 ? `, logs/s ${fmt(r.logsPerSecond)}` : ''}; relay CPU ${fmt(r.cpuSecondsPerMillion, 2)} s per million items (${fmt(r.itemsPerCpuSecond)} items and ${fmt(r.spansPerCpuSecond)} spans per CPU-second, ${fmt(r.coreShare * 100, 1)} % of a core: main thread ${fmt(r.threads.main * 100)} %, libuv pool ${fmt(r.threads.pool * 100)} %, V8 workers ${fmt(r.threads.v8 * 100)} %)`,
    `  peak RSS ${mb(r.peakRssBytes)} (window ${mb(r.windowPeakRssBytes)}); latency p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms; refused ${r.refused}, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`,
    r.bare
      ? `  vs bare ${r.row.endsWith('grpc') ? 'grpc-js' : 'HTTP+gunzip'} server, same load: ${fmt(r.bare.spansPerSecond)} spans/s, ${fmt(r.bare.itemsPerCpuSecond)} items per CPU-second (${fmt(r.bare.coreShare * 100, 1)} % of a core), peak RSS ${mb(r.bare.peakRssBytes)}, p99 ${fmt(r.bare.p99Ms, 2)} ms → rate ×${fmt(r.bare.rateRatio, 2)}, CPU efficiency ×${fmt(r.bare.cpuRatio, 2)}`
      : undefined,
    `  vs bare protobufjs decode: CPU efficiency ×${fmt(r.decodeRatio, 2)}`,
    `  delivery: ${r.delivery}`,
    ...r.checks.map((c) => `  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`),
    ...r.notes.map((n) => `  note: ${n}`),
  ];
  process.stdout.write(lines.filter((l) => l !== undefined).join('\n') + '\n\n');
}

function printTable(rows: Row[]): void {
  const head = ['scenario', 'spans/s', 'logs/s', 'CPU-s / M items', 'spans / CPU-s', '% core', 'peak RSS', 'p50 ms', 'p99 ms', '× bare rate', '× bare CPU', '× decode', 'delivered', 'targets'];
  const body = rows.map((r) => [
    r.row,
    fmt(r.spansPerSecond),
    fmt(r.logsPerSecond),
    fmt(r.cpuSecondsPerMillion, 2),
    fmt(r.spansPerCpuSecond),
    fmt(r.coreShare * 100, 1),
    mb(r.peakRssBytes),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    r.bare ? fmt(r.bare.rateRatio, 2) : '-',
    r.bare ? fmt(r.bare.cpuRatio, 2) : '-',
    fmt(r.decodeRatio, 2),
    r.delivered ? 'yes' : 'NO',
    r.checks.every((c) => c.ok) ? 'met' : `MISSED (${r.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')})`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  process.stdout.write([line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n');
}

// ---------------------------------------------------------------- main

async function runScenario(s: Scenario, ctx: { entry: string; work: string; opts: BenchOptions; nowMs: number; decode: DecodeReport }): Promise<Row> {
  const sinks = forkBench('sinks.ts', s.sinkCounts ? ['--count'] : []);
  const ports = (await next<SinkMessage, 'ready'>(sinks, 'ready', 30_000)).ports;
  const tag = s.row.replace(/\s+/g, '-');
  const diskDir = s.queue === 'disk' ? mkdtempSync(path.join(ctx.work, 'queue-')) : undefined;
  const relay = await startRelay(
    ctx.entry,
    { kind: s.config, sinks: ports, ...(s.queueBytes === undefined ? {} : { queueBytes: s.queueBytes }), ...(diskDir === undefined ? {} : { diskDir }), ...(s.memoryLimit === undefined ? {} : { memoryLimit: s.memoryLimit }) },
    ctx.work,
    ctx.opts,
    tag,
  );
  const spec: LoadSpec = {
    httpUrl: `http://127.0.0.1:${relay.httpPort}`,
    grpcTarget: `127.0.0.1:${relay.grpcPort}`,
    transport: s.transport,
    mix: s.mix,
    mode: s.mode,
    retryRefused: s.retryRefused,
    nowMs: ctx.nowMs,
    payloads: PAYLOADS,
  };
  const sinkCmd = async (cmd: SinkCommand) => {
    sinks.send(cmd);
    await next<SinkMessage, 'ok'>(sinks, 'ok', 10_000);
  };
  const sinkCounts = async (): Promise<SinkCounts> => {
    sinks.send({ cmd: 'counts' } satisfies SinkCommand);
    return (await next<SinkMessage, 'counts'>(sinks, 'counts', 10_000)).counts;
  };
  const notes = [...relay.notes];
  let driven: Driven;
  let outageTimeline = '';
  let outageGrowth = 0;
  try {
    const o = s.outage;
    const d = await drive(relay.pid, spec, s.warmupS, s.windowS, o
      ? async () => {
          await sleep(o.afterS * 1000);
          const before = memory(relay.pid).rss;
          await sinkCmd({ cmd: 'down' });
          const downAt = Date.now();
          const sampler = new RssSampler(relay.pid);
          await sleep(o.downS * 1000);
          const peakDuring = sampler.stop();
          await sinkCmd({ cmd: 'up' });
          outageTimeline =
            `Honeycomb sink down for ${fmt((Date.now() - downAt) / 1000, 1)} s (connection refused): RSS ${mb(before)} just before, peak ${mb(peakDuring)} while down ` +
            `(+${mb(peakDuring - before)} for a ${s.queue === 'disk' ? `${mb(s.queueBytes ?? GiB)} disk queue with a ${DISK_CACHE_MIB} MiB memory cache` : `${mb(s.queueBytes ?? 64 * MiB)} queue budget`})`;
          outageGrowth = peakDuring - before;
          await sleep(o.recoverS * 1000);
        }
      : undefined);
    notes.push(await relayMemory(relay.adminPort));
    if (ctx.opts.heapSnapshotDir) {
      relay.child.kill('SIGUSR2');
      await sleep(3000);
    }
    // Stop the load (its refused requests retried until accepted, within the drain time), then wait for the sinks.
    const drainMs = (o?.drainS ?? 20) * 1000;
    const final = await finish(d.load, drainMs);
    driven = { ...d, final };
    const deadline = Date.now() + drainMs;
    while (!delivery(relay.types, s, final, s.sinkCounts ? await sinkCounts() : undefined, await relaySent(relay.adminPort, 'honeycomb')).complete && Date.now() < deadline) {
      await sleep(250);
    }
  } catch (err) {
    await stopChild(relay.child);
    await stopChild(sinks);
    throw new Error(`${s.row}: ${(err as Error).message}\n--- relay log (${relay.logFile}) ---\n${readFileSync(relay.logFile, 'utf8').slice(-4000)}`, { cause: err });
  }
  const counts = s.sinkCounts ? await sinkCounts() : undefined;
  const sent = await relaySent(relay.adminPort, 'honeycomb');
  const hwm = Math.max(driven.hwm, memory(relay.pid).peak);
  await stopChild(relay.child);
  await stopChild(sinks);
  const relayLog = readFileSync(relay.logFile, 'utf8');
  const errorLines = relayLog.split('\n').filter((l) => /"level":(50|60)/.test(l));
  if (errorLines.length > 0) notes.push(`relay logged ${errorLines.length} error lines, e.g. ${errorLines[0]!.slice(0, 300)}`);

  // Reference (a): the same load against the bare server.
  let bare: Row['bare'];
  if (s.bare) {
    const server = forkBench('bare.ts', [s.bare]);
    const port = (await next<{ kind: 'ready'; port: number }, 'ready'>(server, 'ready', 30_000)).port;
    const b = await drive(server.pid!, { ...spec, httpUrl: `http://127.0.0.1:${port}`, grpcTarget: `127.0.0.1:${port}` }, s.warmupS, s.windowS);
    await finish(b.load, 5_000);
    const bareHwm = memory(server.pid!).peak;
    await stopChild(server);
    const items = b.window.spans + b.window.logs;
    bare = {
      spansPerSecond: b.window.spans / b.window.seconds,
      itemsPerCpuSecond: items / b.cpuSeconds,
      coreShare: b.cpuSeconds / b.window.seconds,
      peakRssBytes: bareHwm,
      p99Ms: b.window.p99Ms,
      rateRatio: 0,
      cpuRatio: 0,
    };
  }

  const w = driven.window;
  const items = w.spans + w.logs;
  const row: Row = {
    scenario: s.id,
    row: s.row,
    what: s.what,
    target: s.target,
    spansPerSecond: w.spans / w.seconds,
    logsPerSecond: w.logs / w.seconds,
    relayCpuSeconds: driven.cpuSeconds,
    threads: {
      main: driven.cpuSeconds > 0 ? driven.split.main / driven.cpuSeconds : 0,
      pool: driven.cpuSeconds > 0 ? driven.split.pool / driven.cpuSeconds : 0,
      v8: driven.cpuSeconds > 0 ? driven.split.v8 / driven.cpuSeconds : 0,
    },
    cpuSecondsPerMillion: items > 0 ? (driven.cpuSeconds / items) * 1e6 : 0,
    itemsPerCpuSecond: driven.cpuSeconds > 0 ? items / driven.cpuSeconds : 0,
    spansPerCpuSecond: driven.cpuSeconds > 0 ? w.spans / driven.cpuSeconds : 0,
    coreShare: driven.cpuSeconds / w.seconds,
    peakRssBytes: hwm,
    windowPeakRssBytes: driven.windowPeakRss,
    p50Ms: w.p50Ms,
    p99Ms: w.p99Ms,
    refused: w.refused,
    errors: w.errors + driven.final.errors,
    decodeRatio: 0,
    delivery: '',
    delivered: false,
    checks: [],
    notes,
  };
  if (w.firstError ?? driven.final.firstError) row.firstError = w.firstError ?? driven.final.firstError;
  if (bare) {
    bare.rateRatio = row.spansPerSecond / bare.spansPerSecond;
    bare.cpuRatio = row.itemsPerCpuSecond / bare.itemsPerCpuSecond;
    row.bare = bare;
  }
  const decodeRate = (w.spans + w.logs) / (w.spans / ctx.decode.tracesPerCpuSecond + w.logs / ctx.decode.logsPerCpuSecond || 1);
  row.decodeRatio = row.itemsPerCpuSecond / decodeRate;

  // Delivery: what the relay accepted (200) over the whole run against what reached the destinations.
  const dv = delivery(relay.types, s, driven.final, counts, sent);
  row.delivered = dv.complete;
  row.delivery = dv.text;
  if (outageTimeline) notes.push(outageTimeline);

  // Targets.
  const check = (name: string, ok: boolean, detail: string) => row.checks.push({ name, ok, detail });
  switch (s.id) {
    case 'S1':
      check('spans per CPU-second', row.spansPerCpuSecond >= 500_000, `${fmt(row.spansPerCpuSecond)} (target ≥ 500,000)`);
      if (row.bare) check('rate vs bare server', row.bare.rateRatio >= 0.4, `×${fmt(row.bare.rateRatio, 2)} (target ≥ 0.4)`);
      break;
    case 'S2':
      check('spans per CPU-second', row.spansPerCpuSecond >= 60_000, `${fmt(row.spansPerCpuSecond)} spans (${fmt(row.itemsPerCpuSecond)} items) per CPU-second (target ≥ 60,000 spans)`);
      break;
    case 'S3':
      check('CPU', row.coreShare <= 0.04, `${fmt(row.coreShare * 100, 1)} % of a core (target ≤ 4 %)`);
      check('RSS', row.peakRssBytes <= 90e6, `${mb(row.peakRssBytes)} (target ≤ 90 MB)`);
      check('p99', row.p99Ms <= 5, `${fmt(row.p99Ms, 2)} ms (target ≤ 5 ms)`);
      break;
    case 'S4': {
      const limit = s.memoryLimit ?? 0;
      check('RSS', row.peakRssBytes <= limit + 50e6, `${mb(row.peakRssBytes)} (target ≤ ${mb(limit)} service.memory_limiter.limit + 50 MB = ${mb(limit + 50e6)})`);
      check('delivered', row.delivered, row.delivery);
      row.outageGrowthBytes = outageGrowth;
      // The reading of earlier rounds, kept for comparison: the queue's own budget as "the memory limit".
      const disk = s.queue === 'disk';
      const queueLimit = disk ? DISK_CACHE_MIB * MiB : (s.queueBytes ?? 64 * MiB);
      const what = disk ? `${DISK_CACHE_MIB} MiB memory cache of the disk queue` : 'queue limit';
      notes.push(`RSS growth while the destination was down: ${mb(outageGrowth)}; peak RSS ${row.peakRssBytes <= queueLimit + 50e6 ? 'within' : 'over'} the ${mb(queueLimit)} ${what} + 50 MB (${mb(queueLimit + 50e6)}), the target as earlier rounds read it`);
      break;
    }
  }
  if (s.id !== 'S4') check('delivered', row.delivered, row.delivery);
  return row;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const started = Date.now();
  const work = mkdtempSync(path.join(os.tmpdir(), 'otlp-relay-bench-'));
  for (const dir of [opts.cpuProfDir, opts.heapSnapshotDir]) if (dir) mkdirSync(dir, { recursive: true });
  const m = machine();
  const nowMs = Date.now();
  process.stdout.write(
    `otlp-relay bench (${opts.quick ? 'quick' : 'full'}): ${m.cpus} CPUs (${m.model}), ${fmt(m.memoryBytes / 2 ** 30, 1)} GiB, Node ${process.version}, relay from ${opts.relay} with ${[...shippedNodeFlags(), ...opts.relayFlags].join(' ') || 'no Node flags'}\n` +
      `load: ${ITEMS_PER_REQUEST}-item requests, ${ATTRIBUTES_PER_SPAN} attributes and one event per span, ${ERROR_RATE * 100} % error spans; logs requests of ${ITEMS_PER_REQUEST} records\n\n`,
  );
  let exitCode = 0;
  try {
    const entry = opts.relay === 'dist' ? buildRelay(work) : path.join(ROOT, 'src', 'main.ts');
    const { buildPayloads } = await import('./payloads.ts');
    const sample = buildPayloads({ traces: 1, logs: 1, nowMs });
    const decodeChild = forkBench('decode.ts', [String(nowMs), String(opts.smoke ? 0.5 : opts.quick ? 2 : 6), String(PAYLOADS.traces), String(PAYLOADS.logs)]);
    const decode = (await next<{ kind: 'decode'; report: DecodeReport }, 'decode'>(decodeChild, 'decode', 120_000)).report;
    await stopChild(decodeChild);
    process.stdout.write(`reference (b) protobufjs decode: ${fmt(decode.tracesPerCpuSecond)} spans and ${fmt(decode.logsPerCpuSecond)} log records per CPU-second\n\n`);
    const rows: Row[] = [];
    for (const s of scenarios(opts.quick, opts.memoryLimitMiB === undefined ? undefined : opts.memoryLimitMiB * MiB)) {
      if (opts.smoke) {
        s.warmupS = 0.5;
        s.windowS = 1;
        if (s.outage) s.outage = { afterS: 0.5, downS: 1, recoverS: 0.5, drainS: 15 };
      }
      if (opts.windowS !== undefined && !s.outage) s.windowS = opts.windowS;
      if (opts.only && !opts.only.has(s.id) && !opts.only.has(s.row.replace(/\s+/g, '-').toUpperCase())) continue;
      const row = await runScenario(s, { entry, work, opts, nowMs, decode });
      printRow(row);
      rows.push(row);
      if (!row.checks.every((c) => c.ok)) exitCode = 1;
    }
    printTable(rows);
    process.stdout.write(`\n${rows.every((r) => r.checks.every((c) => c.ok)) ? 'every target met' : 'some targets missed'} (${fmt((Date.now() - started) / 1000)} s)\n`);
    const result: BenchResult = {
      date: new Date(started).toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      node: process.version,
      machine: m,
      relay: opts.relay,
      quick: opts.quick,
      payload: {
        spansPerRequest: ITEMS_PER_REQUEST,
        attributesPerSpan: ATTRIBUTES_PER_SPAN,
        errorRate: ERROR_RATE,
        tracesRequestBytes: sample[0]!.raw.length,
        tracesGzipBytes: sample[0]!.gzip.length,
        logsRequestBytes: sample[1]!.raw.length,
        logsGzipBytes: sample[1]!.gzip.length,
      },
      decode,
      rows,
    };
    if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2));
  } finally {
    if (opts.keep) process.stdout.write(`working directory kept: ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
  process.exitCode = exitCode;
}

await main();
