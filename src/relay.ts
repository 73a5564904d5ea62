import { AdminServer, type AdminSource } from './admin/server.ts';
import { DEFAULT_SAMPLING, RecentData, type SamplingSettings } from './admin/recent.ts';
import type { ExporterView, Readiness, ReceiverStatus, RelayStatus } from './admin/status.ts';
import type { ExporterConfig, ResolvedConfig } from './config/types.ts';
import { createClient } from './exporters/registry.ts';
import { createLogger, registerSecrets, scrub, type Logger } from './log.ts';
import { SIGNALS } from './otlp/signal.ts';
import { ExporterRunner } from './pipeline/exporter-runner.ts';
import { effectiveLimiter, MemoryLimiter, type MemoryLimiterDeps } from './pipeline/memory-limiter.ts';
import { ExportHandler } from './receivers/otlp/handler.ts';
import { OtlpGrpcReceiver } from './receivers/otlp/grpc.ts';
import { OtlpHttpReceiver } from './receivers/otlp/http.ts';
import { XrayDaemon } from './receivers/xray/index.ts';
import { describePlan, planReload, type ReloadPlan } from './reload/plan.ts';
import { Router } from './router/router.ts';
import { describeMatch, destinationOf, routeWarnings, summaryLine } from './startup/summary.ts';
import { Stats } from './telemetry/stats.ts';
import { formatSize } from './config/units.ts';
import { VERSION } from './version.ts';

export interface RelayOptions {
  log?: Logger;
  stats?: Stats;
  /** Where the debug exporter writes (tests capture it); stdout by default. */
  stdout?: NodeJS.WritableStream;
  /** How many requests per second the status page's sample decodes. */
  sampling?: SamplingSettings;
  /** Tests: what the memory limiter reads and how it collects, instead of the process's own. */
  memory?: Pick<MemoryLimiterDeps, 'read' | 'gc' | 'now'>;
  /** Tests: the container's memory limit (process.constrainedMemory() by default). */
  constrainedMemory?: number;
}

export interface ReloadResult {
  applied: boolean;
  message: string;
  plan?: ReloadPlan;
}

/**
 * The running relay: exporters start first and receivers last; shutdown goes in reverse, draining
 * every queue within the configured deadline (the collector's component model). `reload` swaps in a
 * new config without losing queued data.
 */
export class Relay implements AdminSource {
  config: ResolvedConfig;
  readonly log: Logger;
  readonly stats: Stats;
  readonly recent: RecentData;
  /** Refuses new data past service.memory_limiter's soft limit; without a limit it only measures. */
  readonly memory: MemoryLimiter;
  readonly runners = new Map<string, ExporterRunner>();
  httpReceiver: OtlpHttpReceiver | undefined;
  grpcReceiver: OtlpGrpcReceiver | undefined;
  /** The X-Ray daemon drop-in: its receiver and the segment runners of the exporters it forwards to. */
  xray: XrayDaemon | undefined;
  admin: AdminServer | undefined;
  readonly #handler: ExportHandler;
  readonly #opts: RelayOptions;
  readonly #startedAt = new Date().toISOString();
  readonly #retiring = new Set<Promise<void>>();
  #warnings: string[] = [];
  #lastReload: RelayStatus['lastReload'];
  #reloads: Promise<unknown> = Promise.resolve();
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(config: ResolvedConfig, opts: RelayOptions = {}) {
    this.config = config;
    this.#opts = opts;
    registerSecrets(config.secrets);
    this.log = opts.log ?? createLogger({ level: config.service.logLevel });
    this.stats = opts.stats ?? new Stats();
    for (const [name, ex] of Object.entries(config.exporters)) this.runners.set(name, this.#makeRunner(name, ex));
    this.#handler = new ExportHandler(this.#makeRouter(config, this.runners), this.log, this.stats);
    this.memory = new MemoryLimiter(this.#limiterConfig(config), { log: this.log, stats: this.stats, ...opts.memory });
    this.#handler.memory = this.memory;
    this.recent = new RecentData(opts.sampling ?? DEFAULT_SAMPLING);
    this.#handler.tap = this.recent;
    this.httpReceiver = this.#makeHttpReceiver(config);
    this.grpcReceiver = this.#makeGrpcReceiver(config);
    this.xray = this.#makeXray(config);
    if (config.service.admin.enabled) this.admin = new AdminServer(config.service.admin.endpoint, this, this.log);
    this.#warnings = [...config.warnings, ...routeWarnings(config)];
  }

  #makeRunner(name: string, ex: ExporterConfig): ExporterRunner {
    const client = createClient(name, ex, { log: this.log, stdout: this.#opts.stdout, stats: this.stats });
    return new ExporterRunner({ name, type: ex.type, queue: ex.queue, batch: ex.batch, retry: ex.retry, timeoutMs: ex.timeoutMs }, client, this.log, this.stats);
  }

  #limiterConfig(config: ResolvedConfig) {
    return effectiveLimiter(config.service.memoryLimiter, config.service.memoryLimiterEnabled, ...(this.#opts.constrainedMemory === undefined ? [] : [this.#opts.constrainedMemory]));
  }

  #makeRouter(config: ResolvedConfig, runners: ReadonlyMap<string, ExporterRunner>): Router<ExporterRunner> {
    return new Router(config.routes, (name) => {
      const r = runners.get(name);
      if (!r) throw new Error(`route names unknown exporter ${name}`); // validation makes this unreachable
      return r;
    });
  }

  #makeHttpReceiver(config: ResolvedConfig): OtlpHttpReceiver | undefined {
    const h = config.receivers.otlp?.http;
    if (!h) return undefined;
    return new OtlpHttpReceiver(
      {
        endpoint: h.endpoint,
        maxRequestBodyBytes: h.maxRequestBodySize,
        pathPrefix: h.pathPrefix,
        cors: h.cors,
        readHeaderTimeoutMs: h.readHeaderTimeout,
        readTimeoutMs: h.readTimeout,
      },
      this.#handler,
      this.log,
      this.stats,
    );
  }

  #makeGrpcReceiver(config: ResolvedConfig): OtlpGrpcReceiver | undefined {
    const g = config.receivers.otlp?.grpc;
    return g ? new OtlpGrpcReceiver({ endpoint: g.endpoint, maxRecvMsgBytes: g.maxRecvMsgSize }, this.#handler, this.log) : undefined;
  }

  #makeXray(config: ResolvedConfig): XrayDaemon | undefined {
    const x = config.receivers.xray;
    return x ? new XrayDaemon(x, config.exporters, { log: this.log, stats: this.stats, handler: this.#handler, memory: this.memory, userAgent: `otlp-relay/${VERSION}` }) : undefined;
  }

  async start(): Promise<void> {
    for (const w of this.#warnings) this.log.warn(w);
    for (const r of this.runners.values()) r.start();
    this.xray?.startRunners();
    try {
      // Disk queues recover their directory before any receiver takes data (a queue that cannot open fails the start).
      await Promise.all([...this.runners.values(), ...(this.xray?.runners.values() ?? [])].map((r) => r.ready()));
      this.#startMemoryLimiter();
      await this.httpReceiver?.start();
      await this.grpcReceiver?.start();
      await this.xray?.start();
    } catch (err) {
      await this.shutdown();
      throw err;
    }
    await this.#startAdmin();
    this.#started = true;
    this.log.info({ version: VERSION, config: this.config.source }, `otlp-relay ${VERSION} started: ${this.summary()}`);
  }

  #startMemoryLimiter(): void {
    const first = this.memory.start();
    const m = this.memory.config;
    if (!m) return;
    const soft = formatSize(m.limit - m.spike);
    const source = m.fromContainer ? `80 % of the container's memory limit ${formatSize(this.#opts.constrainedMemory ?? process.constrainedMemory())}` : `service.memory_limiter.limit ${formatSize(m.limit)}`;
    this.log.info({ limit: m.limit, spike: m.spike }, `memory limiter: new data is refused (503 / UNAVAILABLE, retry later) while the relay uses over ${soft} after a forced GC (${source} − spike ${formatSize(m.spike)})`);
    if (first.refusing) this.log.warn({ used: first.used }, `memory limiter: the relay already uses ${formatSize(first.used)} at start, over ${soft}, so it refuses all data; raise the limit (${source}) well above that, plus what its memory queues may hold`);
  }

  /** The admin port is an aid, not the relay's job: if it cannot listen, say so and keep relaying. */
  async #startAdmin(): Promise<void> {
    if (!this.admin) return;
    try {
      await this.admin.start();
      this.stats.enableProcessMetrics();
    } catch (err) {
      this.log.error({ err, endpoint: this.admin.endpoint }, `the admin endpoint could not listen on ${this.admin.endpoint}: ${(err as Error).message}; the relay runs without /metrics, /healthz and the status page`);
      this.admin = undefined;
    }
  }

  /** The start-up summary line: receivers listening, exporters and routes, the admin URL. */
  summary(): string {
    const admin = this.admin?.address;
    return summaryLine(
      this.config,
      this.#receiverStatus().filter((r) => r.listening),
      admin ? `${admin.address === '0.0.0.0' || admin.address === '::' ? 'localhost' : admin.family === 'IPv6' ? `[${admin.address}]` : admin.address}:${admin.port}` : undefined,
    );
  }

  #receiverStatus(): ReceiverStatus[] {
    const out: ReceiverStatus[] = [];
    const g = this.config.receivers.otlp?.grpc;
    if (g) out.push({ name: 'otlp/grpc', endpoint: this.grpcReceiver?.port ? replacePort(g.endpoint, this.grpcReceiver.port) : g.endpoint, listening: (this.grpcReceiver?.port ?? 0) > 0 });
    const h = this.config.receivers.otlp?.http;
    const addr = this.httpReceiver?.address;
    if (h) out.push({ name: 'otlp/http', endpoint: addr ? replacePort(h.endpoint, addr.port) : h.endpoint, listening: addr !== undefined });
    const x = this.config.receivers.xray;
    const xAddr = this.xray?.receiver.address;
    if (x) out.push({ name: 'xray', endpoint: xAddr ? replacePort(x.endpoint, xAddr.port) : x.endpoint, listening: xAddr !== undefined });
    return out;
  }

  status(): RelayStatus {
    const routed = new Map<string, Set<string>>();
    for (const r of this.config.routes) for (const name of r.to) for (const s of r.signals) (routed.get(name) ?? routed.set(name, new Set()).get(name)!).add(s);
    const exporters: ExporterView[] = [...this.runners.values()].map((runner) => {
      const st = runner.status();
      const ex = this.config.exporters[runner.name];
      const where = { exporter: runner.name };
      const view: ExporterView = {
        name: st.name,
        type: st.type,
        destination: ex ? destinationOf(ex) : '',
        state: st.state,
        queueBytes: st.queueBytes,
        queueCapacity: st.queueCapacity,
        sent: this.stats.get('otlp_relay_exporter_sent_items_total', where),
        failed: this.stats.get('otlp_relay_exporter_failed_items_total', where),
        dropped: this.stats.get('otlp_relay_exporter_dropped_items_total', where),
        retries: this.stats.get('otlp_relay_exporter_retries_total', where),
        signals: [...(routed.get(runner.name) ?? [])],
      };
      if (st.lastError) view.lastError = st.lastError;
      return view;
    });
    const bySignal = (name: string) => Object.fromEntries(SIGNALS.map((s) => [s, this.stats.get(name, { signal: s })]));
    const out: RelayStatus = {
      version: VERSION,
      startedAt: this.#startedAt,
      config: this.config.source,
      receivers: this.#receiverStatus(),
      exporters,
      routes: this.config.routes.map((r) => ({ signals: [...r.signals], to: [...r.to], match: describeMatch(r) })),
      accepted: bySignal('otlp_relay_receiver_accepted_items_total'),
      refused: bySignal('otlp_relay_receiver_refused_items_total'),
      unrouted: bySignal('otlp_relay_router_unrouted_items_total'),
      warnings: this.#warnings.map(scrub),
      sampling: this.recent.sampling,
    };
    if (this.#lastReload) out.lastReload = this.#lastReload;
    return out;
  }

  /** Ready: every receiver listens and no exporter queue is full (a full queue refuses data). */
  readiness(): Readiness {
    const reasons: string[] = [];
    if (!this.#started || this.#stopping) reasons.push(this.#stopping ? 'shutting down' : 'starting');
    for (const r of this.#receiverStatus()) if (!r.listening) reasons.push(`receiver ${r.name} is not listening on ${r.endpoint}`);
    if (this.memory.refusing) reasons.push(`the relay is over its memory limit (service.memory_limiter), so it refuses new data (503 / UNAVAILABLE) until memory falls`);
    for (const runner of this.runners.values()) {
      if (runner.status().state === 'refusing') reasons.push(`exporter ${runner.name}: its queue is full, so the relay refuses new data (429 / UNAVAILABLE) until it drains`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  /**
   * Applies a new, already validated config. Unchanged exporters keep running; a changed one is
   * replaced and its undelivered data moves to the replacement (sent with the new settings: a reload
   * usually fixes a key or an endpoint); a removed one drains to its old destination. If a new
   * exporter or receiver cannot be built or started, nothing changes and the old config keeps running.
   */
  reload(next: ResolvedConfig): Promise<ReloadResult> {
    const run = this.#reloads.then(() => this.#reload(next));
    this.#reloads = run.catch(() => undefined);
    return run;
  }

  async #reload(next: ResolvedConfig): Promise<ReloadResult> {
    if (this.#stopping) return { applied: false, message: 'the relay is shutting down' };
    const plan = planReload(this.config, next);
    registerSecrets(next.secrets);
    // 1. Build every new runner first: a type that cannot be built refuses the whole reload.
    const fresh = new Map<string, ExporterRunner>();
    try {
      for (const name of [...plan.replaced, ...plan.added]) fresh.set(name, this.#makeRunner(name, next.exporters[name]!));
    } catch (err) {
      await this.#discard(fresh);
      return this.#refused(`exporter could not be built: ${(err as Error).message}`);
    }
    // 2. Restart receivers whose settings changed; on failure put the old ones back.
    const oldHttp = this.httpReceiver;
    const oldGrpc = this.grpcReceiver;
    try {
      if (plan.receivers.http) {
        await oldHttp?.shutdown();
        this.httpReceiver = this.#makeHttpReceiver(next);
        await this.httpReceiver?.start();
      }
      if (plan.receivers.grpc) {
        await oldGrpc?.shutdown();
        this.grpcReceiver = this.#makeGrpcReceiver(next);
        await this.grpcReceiver?.start();
      }
    } catch (err) {
      if (plan.receivers.http) {
        await this.httpReceiver?.shutdown();
        this.httpReceiver = oldHttp;
        await oldHttp?.start().catch((e: unknown) => this.log.error({ err: e }, 'could not restart the previous OTLP/HTTP receiver'));
      }
      if (plan.receivers.grpc) {
        await this.grpcReceiver?.shutdown();
        this.grpcReceiver = oldGrpc;
        await oldGrpc?.start().catch((e: unknown) => this.log.error({ err: e }, 'could not restart the previous OTLP/gRPC receiver'));
      }
      await this.#discard(fresh);
      return this.#refused(`a receiver could not start: ${(err as Error).message}`);
    }
    // 3. Swap: new requests go to the new runners from here on.
    const previous = new Map(this.runners);
    for (const name of plan.removed) this.runners.delete(name);
    for (const [name, runner] of fresh) this.runners.set(name, runner);
    this.#handler.setRouter(this.#makeRouter(next, this.runners));
    this.config = next;
    this.log.level = next.service.logLevel;
    if (plan.memory) this.memory.configure(this.#limiterConfig(next));
    this.#warnings = [...next.warnings, ...routeWarnings(next)];
    for (const runner of fresh.values()) runner.start();
    // 4. Move what replaced runners hold into their replacements; removed ones drain in the background.
    await Promise.all(
      plan.replaced.map(async (name) => {
        // The old runner moves its data into the new one (a disk queue on the same directory is replayed by it instead).
        await previous.get(name)!.handOver(next.service.shutdownTimeout, fresh.get(name)!);
      }),
    );
    for (const name of plan.removed) this.#retire(name, previous.get(name)!, next.service.shutdownTimeout);
    if (XrayDaemon.needsRebuild(this.xray, next)) await this.#reloadXray(next);
    if (plan.admin) await this.#restartAdmin(next);
    const message = describePlan(plan);
    this.#lastReload = { at: new Date().toISOString(), result: 'applied', message };
    this.stats.inc('otlp_relay_config_reloads_total', { result: 'applied' });
    this.log.info({ config: next.source }, `config reloaded: ${message}`);
    for (const w of this.#warnings) this.log.warn(w);
    this.log.info(`now running: ${this.summary()}`);
    return { applied: true, message, plan };
  }

  /**
   * Rebuilds the X-Ray daemon drop-in (its settings or a forwarding exporter's changed): segments its
   * runners hold move to the new ones, or drain to their old destination when no longer forwarded there.
   * The port is released before it is bound again, so datagrams sent in between are lost.
   */
  async #reloadXray(next: ResolvedConfig): Promise<void> {
    const old = this.xray;
    const held = old ? await old.handOver(next.service.shutdownTimeout, new Set(next.receivers.xray?.forwardTo)) : new Map();
    this.xray = this.#makeXray(next);
    for (const runner of old?.runners.values() ?? []) {
      if ([...(this.xray?.runners.values() ?? [])].some((r) => r.name === runner.name)) continue;
      this.stats.removeGauge('otlp_relay_exporter_queue_bytes', { exporter: runner.name });
      this.stats.removeGauge('otlp_relay_exporter_queue_capacity_bytes', { exporter: runner.name });
    }
    this.xray?.adopt(held);
    this.xray?.startRunners();
    try {
      await this.xray?.start();
    } catch (err) {
      this.log.error({ err }, `the X-Ray receiver could not start on ${next.receivers.xray?.endpoint}: ${(err as Error).message}; segments are not received until a reload fixes it`);
    }
  }

  /** Records a refused reload: said at error level with its reason; the running config is untouched. */
  refuseReload(message: string): ReloadResult {
    return this.#refused(message);
  }

  #refused(message: string): ReloadResult {
    for (const runner of this.runners.values()) runner.exposeGauges();
    this.#lastReload = { at: new Date().toISOString(), result: 'refused', message: scrub(message) };
    this.stats.inc('otlp_relay_config_reloads_total', { result: 'refused' });
    this.log.error(`config reload refused, the previous config keeps running: ${message}`);
    return { applied: false, message };
  }

  async #discard(runners: Map<string, ExporterRunner>): Promise<void> {
    await Promise.all([...runners.values()].map((r) => r.shutdown(0)));
  }

  #retire(name: string, runner: ExporterRunner, deadlineMs: number): void {
    const done = runner.shutdown(deadlineMs).then(() => {
      this.#retiring.delete(done);
      if (!this.runners.has(name)) {
        this.stats.removeGauge('otlp_relay_exporter_queue_bytes', { exporter: name });
        this.stats.removeGauge('otlp_relay_exporter_queue_capacity_bytes', { exporter: name });
      }
    });
    this.#retiring.add(done);
  }

  async #restartAdmin(next: ResolvedConfig): Promise<void> {
    await this.admin?.shutdown();
    this.admin = next.service.admin.enabled ? new AdminServer(next.service.admin.endpoint, this, this.log) : undefined;
    await this.#startAdmin();
  }

  /** Idempotent and safe before start: stop receiving, then drain the queues within the deadline. */
  shutdown(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#reloads;
      await Promise.all([this.httpReceiver?.shutdown(), this.grpcReceiver?.shutdown(), this.xray?.stopReceiving()]);
      this.memory.shutdown();
      const deadline = this.config.service.shutdownTimeout;
      await Promise.all([...[...this.runners.values()].map((r) => r.shutdown(deadline)), this.xray?.shutdown(deadline)]);
      await Promise.all(this.#retiring);
      await this.admin?.shutdown();
    })();
    return this.#stopping;
  }
}

/** `0.0.0.0:0` listening on 41234 → `0.0.0.0:41234`. */
function replacePort(endpoint: string, port: number): string {
  return endpoint.replace(/:\d+$/, `:${port}`);
}
