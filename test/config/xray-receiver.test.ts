/** `receivers.xray`: where segments go (forward_to, route_as_spans), the sampling mode, and what is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { problemsOf, VALID_KEY } from './helpers.ts';

const EXPORTERS = `exporters:
  xray: { type: xray, region: us-east-1 }
  backup: { type: xray, region: eu-west-1 }
  hc: { type: honeycomb, api_key: ${VALID_KEY} }
routes:
  - { signals: [traces], to: [hc] }
`;

describe('receivers.xray', () => {
  it('defaults: every xray exporter gets the segments as sent, no spans, sampling auto; the exporters are not "unused"', () => {
    const config = parseConfig(`receivers:\n  xray: {}\n${EXPORTERS}`, { env: {} });
    assert.deepEqual(config.receivers.xray, { endpoint: '0.0.0.0:2000', forwardTo: ['xray', 'backup'], routeAsSpans: false, sampling: 'auto' });
    assert.deepEqual(config.warnings, [], 'an exporter fed only by the receiver is used');
  });

  it('resolves every setting', () => {
    const config = parseConfig(`receivers:\n  xray: { endpoint: "127.0.0.1:2001", forward_to: [backup], route_as_spans: true, sampling: local }\n${EXPORTERS}`, { env: {} });
    assert.deepEqual(config.receivers.xray, { endpoint: '127.0.0.1:2001', forwardTo: ['backup'], routeAsSpans: true, sampling: 'local' });
    assert.deepEqual(config.warnings, ['exporters.xray: is not used by any route']);
  });

  it('an empty value means the defaults', () => {
    assert.equal(parseConfig(`receivers:\n  xray:\n${EXPORTERS}`, { env: {} }).receivers.xray?.sampling, 'auto');
  });

  it('route_as_spans from the environment is coerced like any boolean', () => {
    const config = parseConfig(`receivers:\n  xray: { route_as_spans: "\${env:SPANS}" }\n${EXPORTERS}`, { env: { SPANS: 'true' } });
    assert.equal(config.receivers.xray?.routeAsSpans, true);
  });

  it('forward_to takes existing xray exporters, once each', () => {
    assert.deepEqual(problemsOf(`receivers:\n  xray: { forward_to: [xrey, hc, xray, xray] }\n${EXPORTERS}`), [
      'receivers.xray.forward_to[0]: no exporter named "xrey" (did you mean "xray"?)',
      'receivers.xray.forward_to[1]: exporter "hc" is of type honeycomb: forward_to sends segments to X-Ray as they are, so it takes exporters of type xray; set route_as_spans: true to send X-Ray segments to hc as spans',
      'receivers.xray.forward_to[3]: "xray" is listed twice',
    ]);
  });

  it('segments must go somewhere', () => {
    const noXray = `exporters:\n  hc: { type: honeycomb, api_key: ${VALID_KEY} }\nroutes:\n  - { signals: [traces], to: [hc] }\n`;
    assert.deepEqual(problemsOf(`receivers:\n  xray: {}\n${noXray}`), [
      'receivers.xray: has nowhere to send segments: add an exporter of type xray (segments go to X-Ray as they are), or set route_as_spans: true',
    ]);
    assert.deepEqual(problemsOf(`receivers:\n  xray: { forward_to: [] }\n${EXPORTERS}`), ['receivers.xray: has nowhere to send segments: forward_to is empty and route_as_spans is false']);
    assert.deepEqual(parseConfig(`receivers:\n  xray: { route_as_spans: true }\n${noXray}`, { env: {} }).receivers.xray?.forwardTo, []);
  });

  it('refuses unknown keys and sampling modes, naming what is known', () => {
    assert.deepEqual(problemsOf(`receivers:\n  xray: { sampling: remote, forward: [xray] }\n${EXPORTERS}`), [
      'receivers.xray.sampling: expected one of "auto", "proxy", "local", got "remote"',
      'receivers.xray.forward: unknown key (known keys: endpoint, forward_to, route_as_spans, sampling)',
    ]);
  });

  it('shares no port with the OTLP receivers', () => {
    assert.deepEqual(problemsOf(`receivers:\n  otlp:\n    http: { endpoint: "0.0.0.0:2000" }\n  xray: {}\n${EXPORTERS}`), ['receivers.xray.endpoint: port 2000 is also used by receivers.otlp.http']);
  });
});
