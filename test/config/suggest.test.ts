import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, didYouMean, editDistance } from '../../src/config/suggest.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    assert.equal(editDistance('honeycom', 'honeycomb'), 1);
    assert.equal(editDistance('honeycombb', 'honeycomb'), 1);
    assert.equal(editDistance('honeycomp', 'honeycomb'), 1);
    assert.equal(editDistance('api_kye', 'api_key'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
});

describe('closest', () => {
  const keys = ['api_key', 'endpoint', 'dataset', 'headers', 'type', 'timeout', 'queue', 'batch', 'retry'];
  it('suggests a close name, ignoring case', () => {
    assert.equal(closest('api_kye', keys), 'api_key');
    assert.equal(closest('endpont', keys), 'endpoint');
    assert.equal(closest('API_KEY', keys), 'api_key');
    assert.equal(closest('tpye', keys), 'type');
  });
  it('suggests nothing for names that are not near any', () => {
    assert.equal(closest('region', keys), undefined);
    assert.equal(closest('zzz', keys), undefined);
    assert.equal(closest('api_key', ['api_key']), undefined);
  });
  it('formats the hint', () => {
    assert.equal(didYouMean('honeycom', ['honeycomb', 'xray']), ' (did you mean "honeycomb"?)');
    assert.equal(didYouMean('nothing', ['honeycomb', 'xray']), '');
  });
});
