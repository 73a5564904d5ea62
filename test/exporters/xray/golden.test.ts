/**
 * Golden cases: OTLP/JSON requests → the exact segment documents expected. Each file under golden/
 * holds `request` (OTLP/JSON), optional `options` (the exporter's config keys) and `now`, and the
 * expected `documents`, `dropped` and `adjusted`. Every expected document must also pass the local
 * X-Ray API's validation. To re-record after a deliberate change: UPDATE_GOLDEN=1, then review the diff.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeRequest, jsonToProtobuf } from '../../../src/otlp/codec.ts';
import { AnnotationBudget } from '../../../src/exporters/xray/annotations.ts';
import { xraySchema } from '../../../src/exporters/xray/config.ts';
import { translateRequest, type TranslateOptions } from '../../../src/exporters/xray/translate.ts';
import { documentProblem } from '../../support/fake-xray.ts';

const DIR = new URL('./golden/', import.meta.url);
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const DEFAULT_NOW = 1_700_000_100;

interface GoldenCase {
  about: string;
  options?: Record<string, unknown>;
  now?: number;
  request: unknown;
  documents?: unknown[];
  dropped?: Record<string, number>;
  adjusted?: Record<string, number>;
}

function optionsOf(c: GoldenCase): TranslateOptions {
  const parsed = xraySchema.parse(c.options ?? {});
  return {
    indexedAttributes: parsed.indexed_attributes,
    indexAllAttributes: parsed.index_all_attributes,
    strictTraceIds: parsed.strict_trace_ids,
    annotationKeyDots: parsed.annotation_key_dots,
    nowSeconds: c.now ?? DEFAULT_NOW,
  };
}

function translateGolden(c: GoldenCase) {
  const bytes = jsonToProtobuf('traces', JSON.stringify(c.request));
  return translateRequest(decodeRequest('traces', bytes), optionsOf(c), new AnnotationBudget());
}

describe('golden: OTLP spans → X-Ray segment documents', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
    const path = new URL(file, DIR);
    const c = JSON.parse(readFileSync(path, 'utf8')) as GoldenCase;
    test(`${file}: ${c.about}`, () => {
      const t = translateGolden(c);
      const documents = t.documents.map((d) => JSON.parse(d.json) as unknown);
      if (UPDATE) {
        writeFileSync(path, `${JSON.stringify({ ...c, documents, dropped: t.dropped, adjusted: t.adjusted }, null, 2)}\n`);
        return;
      }
      assert.ok(c.documents, `${file} has no expected documents yet: run with UPDATE_GOLDEN=1 and review`);
      assert.deepEqual(documents, c.documents);
      assert.deepEqual(t.dropped, c.dropped ?? {});
      assert.deepEqual(t.adjusted, c.adjusted ?? {});
      for (const d of t.documents) assert.equal(documentProblem(d.json), undefined, `document ${d.id} passes X-Ray's rules`);
      assert.equal(t.spans, t.documents.length + Object.values(t.dropped).reduce((a, b) => a + b, 0), 'every span is a document or a counted refusal');
    });
  }
});
