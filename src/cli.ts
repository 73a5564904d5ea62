import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from './config/errors.ts';
import { loadConfigFile } from './config/load.ts';
import { createLogger } from './log.ts';
import { Relay } from './relay.ts';
import { VERSION } from './version.ts';

const DEFAULT_CONFIG = fileURLToPath(new URL('../config/local.yaml', import.meta.url));

const HELP = `otlp-relay ${VERSION}: OTLP in (gRPC :4317, HTTP :4318), fanned out by config routes.

Usage:
  otlp-relay [run] [--config FILE]     run the relay (default: the embedded config/local.yaml)
  otlp-relay validate --config FILE    check a config file; prints every problem; exit 0 or 1
  otlp-relay check --config FILE       check each destination's credentials (not built yet)
  otlp-relay --help | --version

Options:
  -c, --config FILE   the YAML config (see README: receivers, exporters, routes)
  -h, --help          this text
  -v, --version       the version
`;

/** Runs a CLI invocation and resolves to the process exit code (never exits by itself: main does). */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    });
  } catch (e) {
    err.write(`otlp-relay: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(HELP);
    return 0;
  }
  if (values.version) {
    out.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  if (positionals.length > 1) {
    err.write(`otlp-relay: unexpected argument "${positionals[1]}"\n\n${HELP}`);
    return 2;
  }
  const configPath = values.config ?? (command === 'run' ? DEFAULT_CONFIG : undefined);
  switch (command) {
    case 'validate': {
      if (!configPath) return usage(err, 'validate needs --config FILE');
      try {
        const cfg = loadConfigFile(configPath);
        out.write(`${configPath}: valid (${Object.keys(cfg.exporters).length} exporters, ${cfg.routes.length} routes)\n`);
        for (const w of cfg.warnings) out.write(`warning: ${w}\n`);
        return 0;
      } catch (e) {
        return reportConfigError(err, configPath, e);
      }
    }
    case 'check':
      if (!configPath) return usage(err, 'check needs --config FILE');
      err.write('otlp-relay check: not built yet (it arrives with the operability work); `validate` checks the file itself\n');
      return 2;
    case 'run':
      return run(configPath!, err);
    default:
      return usage(err, `unknown command "${command}"`);
  }
}

function usage(err: NodeJS.WritableStream, message: string): number {
  err.write(`otlp-relay: ${message}\n\n${HELP}`);
  return 2;
}

function reportConfigError(err: NodeJS.WritableStream, path: string, e: unknown): number {
  if (e instanceof ConfigError) {
    err.write(`${path}: ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  err.write(`${path}: ${(e as Error).message}\n`);
  return 1;
}

async function run(configPath: string, err: NodeJS.WritableStream): Promise<number> {
  let config;
  try {
    config = loadConfigFile(configPath);
  } catch (e) {
    return reportConfigError(err, configPath, e);
  }
  const log = createLogger({ level: config.service.logLevel });
  const relay = new Relay(config, { log });
  try {
    await relay.start();
  } catch (e) {
    log.error({ err: e }, `could not start: ${(e as Error).message}`);
    return 1;
  }
  log.info({ config: configPath, version: VERSION, exporters: [...relay.runners.keys()] }, 'otlp-relay started');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) {
        log.warn(`${sig} again: exiting without draining`);
        process.exit(1);
      }
      stopping = true;
      log.info({ signal: sig, deadlineMs: config.service.shutdownTimeout }, 'stopping: receivers closed, draining queues');
      void relay.shutdown().then(resolve, resolve);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  log.info('stopped');
  return 0;
}
