/**
 * Golden cases: X-Ray segment documents → the exact OTLP spans expected (as OTLP/JSON, after a round
 * trip through the relay's protobuf codec, so what is checked is what the exporters receive). Each file
 * under golden/ holds `about`, `segment` and the expected `result`. To re-record after a deliberate
 * change: UPDATE_GOLDEN=1, then review the diff.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeRequest, encodeRequest, requestToJson } from '../../../src/otlp/codec.ts';
import { scanRequest } from '../../../src/otlp/wire.ts';
import { segmentToSpans } from '../../../src/receivers/xray/translate.ts';

const DIR = new URL('./golden/', import.meta.url);
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface GoldenCase {
  about: string;
  segment: Record<string, unknown>;
  result?: unknown;
}

/** What the translation gives, in a comparable form: the request as OTLP/JSON. */
export function translated(segment: Record<string, unknown>): Record<string, unknown> {
  const t = segmentToSpans(segment);
  if (t.kind !== 'spans') return t;
  const bytes = encodeRequest('traces', t.request);
  const scan = scanRequest('traces', bytes);
  assert.equal(scan.invalid, 0, `every span passes the relay's own OTLP checks: ${scan.firstInvalidReason}`);
  assert.equal(scan.items, t.spans);
  const { request: _request, ...rest } = t;
  return { ...rest, request: requestToJson('traces', decodeRequest('traces', bytes)) };
}

describe('golden: X-Ray segment documents → OTLP spans', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
    const path = new URL(file, DIR);
    const c = JSON.parse(readFileSync(path, 'utf8')) as GoldenCase;
    test(`${file}: ${c.about}`, () => {
      const result = translated(c.segment);
      if (UPDATE) {
        writeFileSync(path, `${JSON.stringify({ ...c, result }, null, 2)}\n`);
        return;
      }
      assert.ok(c.result, `${file} has no expected result yet: run with UPDATE_GOLDEN=1 and review`);
      assert.deepEqual(result, c.result);
    });
  }
});
