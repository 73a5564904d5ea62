import assert from 'node:assert/strict';
import { test } from 'node:test';
import { originMatcher } from '../../../src/receivers/otlp/cors.ts';

test('allowed origins: exact, wildcard subdomains and *', () => {
  const m = originMatcher(['http://localhost:3000', 'https://*.example.com']);
  assert.ok(m('http://localhost:3000'));
  assert.ok(m('https://app.example.com'));
  assert.ok(!m('https://example.com.evil.io'));
  assert.ok(!m('http://app.example.com'), 'the scheme must match');
  assert.ok(!m('http://localhost:30000'));
  assert.ok(originMatcher(['*'])('https://anything.test'));
  assert.ok(!originMatcher([])('http://localhost:3000'));
});
