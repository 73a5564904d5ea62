import { spawn } from 'node:child_process';
import { parseConfig } from '../../src/config/load.ts';
import { Relay, type RelayOptions } from '../../src/relay.ts';
import { Stats } from '../../src/telemetry/stats.ts';
import { captureLogger } from './log.ts';

export interface TestRelay {
  relay: Relay;
  stats: Stats;
  httpUrl: string;
  /** The admin endpoint's base URL when `admin: true` was asked for and it listens, else "". */
  adminUrl: string;
  grpcUrl: string;
  logs: ReturnType<typeof captureLogger>;
  stop: () => Promise<void>;
}

export interface StartRelayOptions {
  /** Where a `debug` exporter writes (default: the process's stdout). */
  stdout?: NodeJS.WritableStream;
  /** Keep `service.admin` as the YAML says; by default it is turned off, so tests never bind the shared default port. */
  admin?: boolean;
  /** What the memory limiter reads and how it collects (see RelayOptions.memory). */
  memory?: RelayOptions['memory'];
}

/** Starts a relay in-process on ephemeral loopback ports from a YAML config text. */
export async function startRelay(yaml: string, env: NodeJS.ProcessEnv = {}, opts: StartRelayOptions = {}): Promise<TestRelay> {
  const parsed = parseConfig(yaml, { env, source: 'test.yaml' });
  const config = opts.admin ? parsed : { ...parsed, service: { ...parsed.service, admin: { ...parsed.service.admin, enabled: false } } };
  const logs = captureLogger('debug');
  const stats = new Stats();
  const relay = new Relay(config, { log: logs.log, stats, stdout: opts.stdout, ...(opts.memory ? { memory: opts.memory } : {}) });
  await relay.start();
  const httpPort = relay.httpReceiver?.address?.port ?? 0;
  const grpcPort = relay.grpcReceiver?.port ?? 0;
  return {
    relay,
    stats,
    logs,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    adminUrl: relay.admin?.address ? `http://127.0.0.1:${relay.admin.address.port}` : '',
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    stop: () => relay.shutdown(),
  };
}

/** Runs a script with this Node (24) and only the env given (plus PATH), returning its stdout. */
export function runNode(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function waitFor(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
