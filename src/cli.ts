import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from './config/errors.ts';
import { loadConfigFile } from './config/load.ts';
import { createLogger, registerSecrets } from './log.ts';
import { Relay } from './relay.ts';
import { watchConfig } from './reload/watch.ts';
import { VERSION } from './version.ts';

const DEFAULT_CONFIG = fileURLToPath(new URL('../config/local.yaml', import.meta.url));

const HELP = `otlp-relay ${VERSION}: OTLP in (gRPC :4317, HTTP :4318), fanned out by config routes.

Usage:
  otlp-relay [run] [--config FILE] [--watch]
                                       run the relay (default: the embedded config/local.yaml)
  otlp-relay validate --config FILE    check a config file; prints every problem; exit 0 or 1
  otlp-relay check --config FILE       validate, then check each destination's credentials without
                                       sending telemetry; exit 0, or 1 with a hint per failure
  otlp-relay --help | --version

Options:
  -c, --config FILE   the YAML config (see README: receivers, exporters, routes)
  -w, --watch         reload the config when the file changes (as on SIGHUP)
  -h, --help          this text
  -v, --version       the version

While running: SIGHUP reloads the config (an invalid one is refused and the old one keeps running);
SIGTERM / SIGINT drain the queues and exit.
`;

/** Runs a CLI invocation and resolves to the process exit code (never exits by itself: main does). */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, watch: { type: 'boolean', short: 'w' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
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
      return check(configPath, out, err);
    case 'run':
      return run(configPath!, err, values.watch === true);
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

/** Validates, then asks every destination about its credentials; exit 1 if any refused. */
async function check(configPath: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let config;
  try {
    config = loadConfigFile(configPath);
  } catch (e) {
    return reportConfigError(err, configPath, e);
  }
  registerSecrets(config.secrets);
  out.write(`${configPath}: valid (${Object.keys(config.exporters).length} exporters, ${config.routes.length} routes)\n`);
  for (const w of config.warnings) out.write(`warning: ${w}\n`);
  // Loaded here: the checks bring the AWS SDK and undici, which `run` must not pay for at start.
  const { checkConfig, formatResults } = await import('./check/index.ts');
  const results = await checkConfig(config);
  out.write(formatResults(results));
  return results.some((r) => r.outcome === 'failed') ? 1 : 0;
}

async function run(configPath: string, err: NodeJS.WritableStream, watch = false): Promise<number> {
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
  // Reloads run one at a time (Relay.reload queues them); a file that does not validate is refused.
  const reload = (why: string) => {
    let next;
    try {
      next = loadConfigFile(configPath);
    } catch (e) {
      const problems = e instanceof ConfigError ? e.problems : [(e as Error).message];
      relay.refuseReload(`${configPath} (${why}) has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
      return;
    }
    log.info({ config: configPath }, `reloading the config (${why})`);
    void relay.reload(next).catch((e: unknown) => log.error({ err: e }, `config reload failed: ${(e as Error).message}`));
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  const watcher = watch ? watchConfig(configPath, () => reload('file changed')) : undefined;
  if (watcher) log.info({ config: configPath }, 'watching the config file: changes are reloaded');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) {
        log.warn(`${sig} again: exiting without draining`);
        process.exit(1);
      }
      stopping = true;
      watcher?.close();
      log.info({ signal: sig, deadlineMs: config.service.shutdownTimeout }, 'stopping: receivers closed, draining queues');
      void relay.shutdown().then(resolve, resolve);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  log.info('stopped');
  return 0;
}
