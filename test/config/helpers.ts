import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';

/** The problems parseConfig reports for `text`; fails the test when it does not throw a ConfigError. */
export function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, { env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.message, error.problems.join('\n'));
    return error.problems;
  }
  assert.fail('expected the config to be rejected');
}

/** A minimal valid config with `exporters` replaced by the given YAML block. */
export function withExporters(exportersYaml: string, routesYaml = '  - { signals: [traces], to: [out] }'): string {
  return `exporters:\n${exportersYaml}\nroutes:\n${routesYaml}\n`;
}

export const VALID_KEY = 'abcdefghijklmnopqrstuv'; // 22 letters: the shape of an environment key
