import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { problemsOf } from './helpers.ts';

const REST = 'exporters:\n  out: { type: debug }\nroutes:\n  - { signals: [traces], to: [out] }\n';

describe('service.admin', () => {
  test('absent: on, on 0.0.0.0:13133 (the collector health_check port)', () => {
    assert.deepEqual(parseConfig(REST).service.admin, { enabled: true, endpoint: '0.0.0.0:13133' });
  });

  test('an empty block, an endpoint, or off', () => {
    assert.deepEqual(parseConfig(`service:\n  admin:\n${REST}`).service.admin, { enabled: true, endpoint: '0.0.0.0:13133' });
    assert.deepEqual(parseConfig(`service: { admin: { endpoint: "127.0.0.1:9000" } }\n${REST}`).service.admin, { enabled: true, endpoint: '127.0.0.1:9000' });
    assert.deepEqual(parseConfig(`service: { admin: { enabled: false } }\n${REST}`).service.admin, { enabled: false, endpoint: '0.0.0.0:13133' });
  });

  test('enabled from the environment ("false") is a boolean', () => {
    const cfg = parseConfig(`service: { admin: { enabled: "\${env:ADMIN:-true}" } }\n${REST}`, { env: { ADMIN: 'false' } });
    assert.equal(cfg.service.admin.enabled, false);
  });

  test('problems: a bad endpoint, an unknown key, a port a receiver uses', () => {
    assert.deepEqual(problemsOf(`service: { admin: { endpoint: "localhost" } }\n${REST}`), ['service.admin.endpoint: expected host:port (e.g. "0.0.0.0:4318"), got "localhost"']);
    assert.deepEqual(problemsOf(`service: { admin: { endpont: ":1" } }\n${REST}`), ['service.admin.endpont: unknown key (did you mean "endpoint"?)']);
    assert.deepEqual(problemsOf(`service: { admin: { endpoint: "0.0.0.0:4318" } }\n${REST}`), ['service.admin.endpoint: port 4318 is also used by receivers.otlp.http']);
  });

  test('port 0 or the admin turned off never clash', () => {
    parseConfig(`service: { admin: { endpoint: "127.0.0.1:0" } }\nreceivers:\n  otlp:\n    http: { endpoint: "127.0.0.1:0" }\n${REST}`);
    parseConfig(`service: { admin: { enabled: false, endpoint: "0.0.0.0:4318" } }\n${REST}`);
  });
});
