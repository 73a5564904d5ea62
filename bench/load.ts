/**
 * The load generator, in its own process (forked by bench/run.ts, driven over IPC): it sends the
 * prebuilt payloads of bench/payloads.ts over OTLP/HTTP (protobuf, gzip) and/or OTLP/gRPC, either as
 * fast as `concurrency` senders go (closed loop) or at a fixed request rate (open loop), and measures
 * each request's latency. Refused requests (429 / UNAVAILABLE) are retried after the answer's delay,
 * as an SDK would, when `retryRefused` is set.
 */
import * as grpc from '@grpc/grpc-js';
import { Pool } from 'undici';
import { GRPC_EXPORT_PATH } from '../src/otlp/schema.ts';
import { buildPayloads, type BenchPayload } from './payloads.ts';
import { percentile } from './stats.ts';

export type Transport = 'http' | 'grpc' | 'mixed';

export interface LoadSpec {
  /** http://127.0.0.1:port */
  httpUrl?: string;
  /** 127.0.0.1:port */
  grpcTarget?: string;
  transport: Transport;
  /** Request weights per signal. */
  mix: { traces: number; logs: number };
  mode: { kind: 'closed'; concurrency: number } | { kind: 'open'; requestsPerSecond: number; maxInFlight: number };
  retryRefused: boolean;
  /** Payload timestamps (the same in every process of one run). */
  nowMs: number;
  payloads: { traces: number; logs: number };
}

export interface WindowReport {
  seconds: number;
  ok: number;
  spans: number;
  logs: number;
  refused: number;
  errors: number;
  firstError?: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  loadCpuSeconds: number;
}

export interface FinalReport {
  /** Items the relay answered 200 for, over the whole run. */
  acceptedSpans: number;
  acceptedLogs: number;
  refused: number;
  errors: number;
  firstError?: string;
  /** Requests still refused when the drain deadline came (never accepted). */
  undelivered: number;
}

export type LoadCommand = { cmd: 'start'; spec: LoadSpec } | { cmd: 'mark' } | { cmd: 'report' } | { cmd: 'stop'; drainMs: number };
export type LoadMessage = { kind: 'started' } | { kind: 'marked' } | { kind: 'window'; report: WindowReport } | { kind: 'final'; report: FinalReport };

type Result = { kind: 'ok' } | { kind: 'refused'; retryAfterMs: number } | { kind: 'error'; message: string };

const GRPC_UNAVAILABLE = 14;
const GRPC_RESOURCE_EXHAUSTED = 8;

class Window {
  started = performance.now();
  cpu = process.cpuUsage();
  ok = 0;
  spans = 0;
  logs = 0;
  refused = 0;
  errors = 0;
  firstError: string | undefined;
  latencies: number[] = [];

  report(): WindowReport {
    const sorted = Float64Array.from(this.latencies).sort();
    const cpu = process.cpuUsage(this.cpu);
    const r: WindowReport = {
      seconds: (performance.now() - this.started) / 1000,
      ok: this.ok,
      spans: this.spans,
      logs: this.logs,
      refused: this.refused,
      errors: this.errors,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
      loadCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    if (this.firstError !== undefined) r.firstError = this.firstError;
    return r;
  }
}

class Load {
  readonly #spec: LoadSpec;
  readonly #payloads: BenchPayload[];
  readonly #order: BenchPayload[];
  readonly #pool: Pool | undefined;
  readonly #grpc: grpc.Client | undefined;
  #next = 0;
  #sent = 0;
  /** New (not retried) requests started in open-loop mode, against the schedule. */
  #issued = 0;
  #stopping = false;
  #inFlight = 0;
  #window = new Window();
  readonly total = { spans: 0, logs: 0, refused: 0, errors: 0, firstError: undefined as string | undefined };
  /** Refused requests waiting for their retry: when, and their backoff so far. */
  readonly #retries: Array<{ at: number; p: BenchPayload; backoffMs: number }> = [];
  #workers: Promise<void>[] = [];
  #ticker: NodeJS.Timeout | undefined;
  #startedAt = 0;

  constructor(spec: LoadSpec) {
    this.#spec = spec;
    this.#payloads = buildPayloads({ ...spec.payloads, nowMs: spec.nowMs });
    const traces = this.#payloads.filter((p) => p.signal === 'traces');
    const logs = this.#payloads.filter((p) => p.signal === 'logs');
    // A fixed interleaving that follows the mix, e.g. 4 traces then 1 logs.
    this.#order = [];
    for (let i = 0; i < 64; i++) {
      for (let k = 0; k < spec.mix.traces && traces.length > 0; k++) this.#order.push(traces[(i * spec.mix.traces + k) % traces.length]!);
      for (let k = 0; k < spec.mix.logs && logs.length > 0; k++) this.#order.push(logs[(i * spec.mix.logs + k) % logs.length]!);
    }
    const connections = spec.mode.kind === 'closed' ? spec.mode.concurrency : spec.mode.maxInFlight;
    if (spec.httpUrl && spec.transport !== 'grpc') this.#pool = new Pool(spec.httpUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
    if (spec.grpcTarget && spec.transport !== 'http') {
      this.#grpc = new grpc.Client(spec.grpcTarget, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    }
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#window = new Window();
    if (this.#spec.mode.kind === 'closed') {
      for (let i = 0; i < this.#spec.mode.concurrency; i++) this.#workers.push(this.#closedWorker());
    } else {
      this.#ticker = setInterval(() => this.#tick(), 2);
    }
  }

  mark(): void {
    this.#window = new Window();
  }

  windowReport(): WindowReport {
    return this.#window.report();
  }

  async stop(drainMs: number): Promise<FinalReport> {
    this.#stopping = true;
    const deadline = performance.now() + drainMs;
    await Promise.all(this.#workers);
    // Open loop: keep sending due retries until none are left (or the deadline), then wait for in-flight ones.
    while ((this.#retries.length > 0 || this.#inFlight > 0) && performance.now() < deadline) {
      await new Promise<void>((r) => setTimeout(r, 20));
    }
    if (this.#ticker) clearInterval(this.#ticker);
    await this.#pool?.close();
    this.#grpc?.close();
    const out: FinalReport = {
      acceptedSpans: this.total.spans,
      acceptedLogs: this.total.logs,
      refused: this.total.refused,
      errors: this.total.errors,
      undelivered: this.#retries.length,
    };
    if (this.total.firstError !== undefined) out.firstError = this.total.firstError;
    return out;
  }

  #nextPayload(): BenchPayload {
    const p = this.#order[this.#next % this.#order.length]!;
    this.#next++;
    return p;
  }

  #transportFor(): 'http' | 'grpc' {
    if (this.#spec.transport !== 'mixed') return this.#spec.transport;
    return this.#sent % 2 === 0 ? 'http' : 'grpc';
  }

  async #closedWorker(): Promise<void> {
    while (!this.#stopping) {
      const p = this.#nextPayload();
      let backoff = 1000;
      for (;;) {
        const r = await this.#send(p);
        if (r.kind !== 'refused' || !this.#spec.retryRefused || this.#stopping) break;
        await new Promise<void>((res) => setTimeout(res, Math.max(r.retryAfterMs, backoff)));
        backoff = Math.min(backoff * 2, 8000);
      }
    }
  }

  #tick(): void {
    if (this.#spec.mode.kind !== 'open') return;
    const { requestsPerSecond, maxInFlight } = this.#spec.mode;
    const now = performance.now();
    // Due retries first, then new requests on schedule.
    while (this.#retries.length > 0 && this.#inFlight < maxInFlight) {
      const i = this.#retries.findIndex((r) => r.at <= now);
      if (i < 0) break;
      const [r] = this.#retries.splice(i, 1);
      void this.#sendOpen(r!.p, r!.backoffMs);
    }
    if (this.#stopping) return;
    const due = Math.floor(((now - this.#startedAt) / 1000) * requestsPerSecond);
    while (this.#issued < due && this.#inFlight < maxInFlight) {
      this.#issued++;
      void this.#sendOpen(this.#nextPayload(), 1000);
    }
  }

  async #sendOpen(p: BenchPayload, backoffMs: number): Promise<void> {
    const r = await this.#send(p);
    if (r.kind === 'refused' && this.#spec.retryRefused) {
      this.#retries.push({ at: performance.now() + Math.max(r.retryAfterMs, backoffMs), p, backoffMs: Math.min(backoffMs * 2, 8000) });
    }
  }

  async #send(p: BenchPayload): Promise<Result> {
    const transport = this.#transportFor();
    this.#sent++;
    this.#inFlight++;
    const t0 = performance.now();
    let r: Result;
    try {
      r = transport === 'http' ? await this.#http(p) : await this.#grpcSend(p);
    } catch (err) {
      r = { kind: 'error', message: (err as Error).message };
    }
    this.#inFlight--;
    const w = this.#window;
    if (r.kind === 'ok') {
      w.ok++;
      w.latencies.push(performance.now() - t0);
      if (p.signal === 'traces') {
        w.spans += p.items;
        this.total.spans += p.items;
      } else {
        w.logs += p.items;
        this.total.logs += p.items;
      }
    } else if (r.kind === 'refused') {
      w.refused++;
      this.total.refused++;
    } else {
      w.errors++;
      w.firstError ??= r.message;
      this.total.errors++;
      this.total.firstError ??= r.message;
    }
    return r;
  }

  async #http(p: BenchPayload): Promise<Result> {
    const res = await this.#pool!.request({
      path: p.signal === 'traces' ? '/v1/traces' : '/v1/logs',
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'user-agent': 'otlp-relay-bench/1' },
      body: p.gzip,
    });
    const text = await res.body.arrayBuffer();
    if (res.statusCode === 200) return { kind: 'ok' };
    if (res.statusCode === 429 || res.statusCode === 503) {
      const after = Number(res.headers['retry-after'] ?? 1);
      return { kind: 'refused', retryAfterMs: (Number.isFinite(after) ? after : 1) * 1000 };
    }
    return { kind: 'error', message: `HTTP ${res.statusCode}: ${Buffer.from(text).toString('utf8').slice(0, 200)}` };
  }

  #grpcSend(p: BenchPayload): Promise<Result> {
    const identity = (b: Buffer): Buffer => b;
    return new Promise((resolve) => {
      this.#grpc!.makeUnaryRequest(GRPC_EXPORT_PATH[p.signal], identity, identity, p.raw, (err) => {
        if (!err) resolve({ kind: 'ok' });
        else if (err.code === GRPC_UNAVAILABLE || err.code === GRPC_RESOURCE_EXHAUSTED) resolve({ kind: 'refused', retryAfterMs: 1000 });
        else resolve({ kind: 'error', message: `gRPC ${err.code}: ${err.details}` });
      });
    });
  }
}

let load: Load | undefined;
const send = (m: LoadMessage) => process.send?.(m);

process.on('message', (m: LoadCommand) => {
  switch (m.cmd) {
    case 'start':
      load = new Load(m.spec);
      load.start();
      send({ kind: 'started' });
      return;
    case 'mark':
      load?.mark();
      send({ kind: 'marked' });
      return;
    case 'report':
      if (load) send({ kind: 'window', report: load.windowReport() });
      return;
    case 'stop':
      void load?.stop(m.drainMs).then((report) => {
        send({ kind: 'final', report });
        process.disconnect?.();
      });
      return;
  }
});
process.on('disconnect', () => process.exit(0));
