/**
 * `otlp-relay check`: after validation, checks each destination's credentials without sending
 * telemetry, and prints what each destination says about them (or why it refused, with a hint).
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ExporterConfig, ResolvedConfig } from '../config/types.ts';
import { scrub } from '../log.ts';
import type { CheckResult } from './result.ts';

export type { CheckResult } from './result.ts';

export async function checkExporter(ex: ExporterConfig, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  const base = { exporter: ex.name, type: ex.type };
  // Each check loads its client when a config has that type: the AWS SDK is ~15 MB that a Honeycomb-only config never needs.
  switch (ex.type) {
    case 'honeycomb':
      return (await import('./honeycomb.ts')).checkHoneycomb(ex);
    case 'xray':
      return (await import('./aws.ts')).checkXray(ex, env);
    case 'cloudwatch_logs':
      return (await import('./aws.ts')).checkCloudwatchLogs(ex, env);
    case 'rollbar':
      return (await import('./rollbar.ts')).checkRollbar(ex);
    case 'debug':
      return { ...base, outcome: 'ok', summary: 'writes to the console: nothing to check', details: [] };
    case 'file':
      return checkFile(ex.name, ex.path);
  }
}

/** The file exporter needs a writable file (or a writable directory to create it in); nothing is written. */
function checkFile(name: string, path: string): CheckResult {
  const base = { exporter: name, type: 'file' };
  const full = resolve(path);
  const target = existsSync(full) ? full : dirname(full);
  try {
    accessSync(target, constants.W_OK);
    return { ...base, outcome: 'ok', summary: `${full} is writable`, details: [] };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ...base, outcome: 'failed', summary: `${target} is not writable (${code})`, details: [], hint: code === 'ENOENT' ? 'create the directory first' : 'fix the permissions, or point path somewhere writable' };
  }
}

/** Checks every exporter concurrently; results in config order. */
export async function checkConfig(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
  return Promise.all(
    Object.values(config.exporters).map((ex) =>
      checkExporter(ex, env).catch((err: unknown): CheckResult => ({ exporter: ex.name, type: ex.type, outcome: 'failed', summary: `the check itself failed: ${(err as Error).message}`, details: [] })),
    ),
  );
}

const MARK: Record<CheckResult['outcome'], string> = { ok: 'ok', failed: 'FAILED', skipped: 'skipped' };

/** The report: one block per exporter, secrets scrubbed. */
export function formatResults(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.exporter} (${r.type}): ${MARK[r.outcome]}: ${r.summary}`);
    for (const d of r.details) lines.push(`    ${d}`);
    if (r.hint) lines.push(`    hint: ${r.hint}`);
  }
  const failed = results.filter((r) => r.outcome === 'failed').length;
  const skipped = results.filter((r) => r.outcome === 'skipped').length;
  lines.push(failed > 0 ? `${failed} of ${results.length} destinations failed the check` : `all ${results.length - skipped} checked destinations accept their credentials${skipped ? ` (${skipped} not checkable yet)` : ''}`);
  return scrub(`${lines.join('\n')}\n`);
}
