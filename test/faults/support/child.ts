import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The relay as a real process: `node src/main.ts run --config FILE`, as a container runs it. */
export class ChildRelay {
  readonly proc: ChildProcess;
  /** Every log line (JSON) it wrote. */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  url = '';
  #ready: Promise<void>;

  constructor(config: string, env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, [path.join(ROOT, 'src/main.ts'), 'run', '--config', config], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    };
    this.proc.stdout!.on('data', onData);
    this.proc.stderr!.on('data', onData);
    this.#ready = new Promise<void>((resolve, reject) => {
      const check = () => {
        for (const line of this.lines) {
          const m = /"endpoint":"127\.0\.0\.1:(\d+)","msg":"OTLP\/HTTP receiver listening"/.exec(line);
          if (m) this.url = `http://127.0.0.1:${m[1]}`;
        }
        if (this.url && this.lines.some((l) => l.includes(' started: '))) {
          this.proc.stdout!.off('data', check);
          resolve();
        }
      };
      this.proc.stdout!.on('data', check);
      void this.exited.then(({ code, signal }) => reject(new Error(`the relay exited before it was ready (code ${code}, signal ${signal}):\n${this.lines.join('\n')}`)));
    });
    this.#ready.catch(() => undefined); // a test that kills it before it is ready does not await this
  }

  /** Resolves once it listens and said it started; rejects if it exits first. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Sends a signal and waits until the process is gone (and reaped, so its pid is free). */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }

  logged(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l));
  }
}
