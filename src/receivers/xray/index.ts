/**
 * Wiring of the X-Ray daemon drop-in: the receiver, the sampling service, and one segment runner per
 * forwarding exporter. A segment runner is an ExporterRunner (bounded byte queue, batching, retries)
 * named `<exporter>:segments`, built from that exporter's settings, whose client sends the documents
 * as received; so segments get the exporter's delivery guarantees without being translated twice.
 */
import type { ExporterConfig, ResolvedConfig, XrayReceiverConfig } from '../../config/types.ts';
import { createXrayDocumentClient } from '../../exporters/xray/index.ts';
import type { Logger } from '../../log.ts';
import { ExporterRunner } from '../../pipeline/exporter-runner.ts';
import type { Payload } from '../../pipeline/types.ts';
import type { Stats } from '../../telemetry/stats.ts';
import type { ExportHandler } from '../otlp/handler.ts';
import { XrayReceiver } from './receiver.ts';
import { awsUpstream, SamplingService, type SamplingUpstream } from './sampling.ts';

export { XrayReceiver } from './receiver.ts';

export interface XrayDaemonDeps {
  log: Logger;
  stats: Stats;
  /** Routes the spans made from segments (route_as_spans). */
  handler: ExportHandler;
  /** The relay's memory limiter (see XrayReceiverSettings.memory). */
  memory?: { readonly refusing: boolean };
  userAgent: string;
  /** Where AWS settings come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Tests: instead of the AWS chain. */
  upstream?: SamplingUpstream;
}

/** Per-call timeout of proxied sampling calls when no forwarding exporter says otherwise. */
const DEFAULT_SAMPLING_TIMEOUT_MS = 10_000;

/** The segment runner of a forwarding exporter: a name no exporter can have (":" is not allowed in exporter names). */
export function segmentRunnerName(exporter: string): string {
  return `${exporter}:segments`;
}

function fingerprint(cfg: XrayReceiverConfig, exporters: Readonly<Record<string, ExporterConfig>>): string {
  return JSON.stringify([cfg, cfg.forwardTo.map((name) => exporters[name])]);
}

export class XrayDaemon {
  readonly receiver: XrayReceiver;
  /** Segment runners by the exporter they forward for. */
  readonly runners = new Map<string, ExporterRunner>();
  readonly #upstream: SamplingUpstream;
  /** The settings it was built from, to tell whether a reload changes them. */
  readonly #fingerprint: string;

  constructor(cfg: XrayReceiverConfig, exporters: Readonly<Record<string, ExporterConfig>>, deps: XrayDaemonDeps) {
    this.#fingerprint = fingerprint(cfg, exporters);
    let first: Extract<ExporterConfig, { type: 'xray' }> | undefined;
    for (const name of cfg.forwardTo) {
      const ex = exporters[name];
      if (ex?.type !== 'xray') throw new Error(`receivers.xray.forward_to names ${name}, which is not an xray exporter`); // validation makes this unreachable
      first ??= ex;
      const runnerName = segmentRunnerName(name);
      const client = createXrayDocumentClient(runnerName, ex, { log: deps.log, stats: deps.stats, userAgent: deps.userAgent, ...(deps.env ? { env: deps.env } : {}) });
      this.runners.set(name, new ExporterRunner({ name: runnerName, type: 'xray', queue: ex.queue, batch: ex.batch, retry: ex.retry, timeoutMs: ex.timeoutMs }, client, deps.log, deps.stats));
    }
    // Sampling calls go where the (first) forwarding exporter sends, signed with the same credentials.
    this.#upstream =
      deps.upstream ??
      awsUpstream({ ...(first?.region === undefined ? {} : { region: first.region }), ...(first?.endpoint === undefined ? {} : { endpoint: first.endpoint }), env: deps.env ?? process.env });
    const sampling = new SamplingService({
      mode: cfg.sampling,
      upstream: this.#upstream,
      timeoutMs: first?.timeoutMs ?? DEFAULT_SAMPLING_TIMEOUT_MS,
      log: deps.log.child({ receiver: 'xray' }),
      stats: deps.stats,
      userAgent: deps.userAgent,
    });
    this.receiver = new XrayReceiver(
      {
        endpoint: cfg.endpoint,
        forward: [...this.runners.values()],
        ...(cfg.routeAsSpans ? { spans: { handler: deps.handler, skip: new Set(cfg.forwardTo) } } : {}),
        ...(deps.memory ? { memory: deps.memory } : {}),
        sampling,
      },
      deps.log,
      deps.stats,
    );
  }

  /** Whether a reload to `next` must rebuild the daemon: it appears, goes, or its settings or a forwarding exporter's changed. */
  static needsRebuild(daemon: XrayDaemon | undefined, next: ResolvedConfig): boolean {
    const cfg = next.receivers.xray;
    if (daemon === undefined || cfg === undefined) return (daemon === undefined) !== (cfg === undefined);
    return daemon.#fingerprint !== fingerprint(cfg, next.exporters);
  }

  startRunners(): void {
    for (const r of this.runners.values()) r.start();
  }

  start(): Promise<void> {
    return this.receiver.start();
  }

  stopReceiving(): Promise<void> {
    return this.receiver.shutdown();
  }

  /** Stops receiving and delivers what the segment runners hold within the deadline (then drops and counts the rest). */
  async shutdown(deadlineMs: number): Promise<void> {
    await this.receiver.shutdown();
    await Promise.all([...this.runners.values()].map((r) => r.shutdown(deadlineMs)));
    this.#upstream.close?.();
  }

  /**
   * Reload: stops receiving and gives back, by exporter, what the segment runners of exporters still
   * forwarded (`next`) have not delivered; the others first deliver what they hold to their old destination.
   */
  async handOver(deadlineMs: number, next: ReadonlySet<string>): Promise<Map<string, Payload[]>> {
    await this.receiver.shutdown();
    const out = new Map<string, Payload[]>();
    await Promise.all(
      [...this.runners].map(async ([name, r]) => {
        if (next.has(name)) out.set(name, await r.handOver(deadlineMs));
        else await r.shutdown(deadlineMs);
      }),
    );
    this.#upstream.close?.();
    return out;
  }

  /** Reload: queues what the previous daemon's runner for the same exporter held. */
  adopt(held: ReadonlyMap<string, Payload[]>): void {
    for (const [name, payloads] of held) this.runners.get(name)?.adopt(payloads);
  }
}
