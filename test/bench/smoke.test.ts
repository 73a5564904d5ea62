import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../../bench/run.ts';

const RUN = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

/** Runs `npm run bench -- --smoke …` (a few seconds) and returns its JSON result; the exit code only says whether targets were met. */
function bench(args: string[]): Promise<{ result: BenchResult; output: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const json = path.join(dir, 'result.json');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, '--smoke', '--relay', 'src', '--json', json, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve({ result: JSON.parse(readFileSync(json, 'utf8')) as BenchResult, output });
      } catch (err) {
        reject(new Error(`no result from the bench:\n${output}`, { cause: err }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('the bench produces every figure for a pass-through scenario (smoke: figures, never thresholds)', async () => {
  const { result, output } = await bench(['--only', 'S1-http']);
  assert.ok(result.decode.tracesPerCpuSecond > 0 && result.decode.logsPerCpuSecond > 0, 'reference (b): protobufjs decode rates');
  assert.equal(result.rows.length, 1, output);
  const row = result.rows[0]!;
  assert.equal(row.row, 'S1 http');
  for (const [name, value] of Object.entries({
    spansPerSecond: row.spansPerSecond,
    relayCpuSeconds: row.relayCpuSeconds,
    cpuSecondsPerMillion: row.cpuSecondsPerMillion,
    spansPerCpuSecond: row.spansPerCpuSecond,
    peakRssBytes: row.peakRssBytes,
    p50Ms: row.p50Ms,
    p99Ms: row.p99Ms,
    decodeRatio: row.decodeRatio,
    bareRate: row.bare?.spansPerSecond ?? 0,
    bareRateRatio: row.bare?.rateRatio ?? 0,
    bareCpuRatio: row.bare?.cpuRatio ?? 0,
  })) {
    assert.ok(Number.isFinite(value) && value > 0, `${name} is a positive number (got ${value})`);
  }
  assert.ok(row.delivered, `everything accepted was delivered: ${row.delivery}`);
  assert.match(output, /\| S1 http /, 'the table is printed');
});
