/**
 * Test-side setup shared by the SDK end-to-end tests. The SDK side, which runs inside the fixture apps
 * (child processes), is fixtures/common.ts: kept apart so a test process does not load the SDK's exporters.
 */
import assert from 'node:assert/strict';
import { runNode } from '../support/relay.ts';

/** What every fixture app prints: one result per export call. */
export interface SdkAppOutput {
  results: Array<{ signal?: string; code: number; error?: string }>;
}

/** Runs a fixture app exporting to `endpoint` over `protocol`; asserts it exited 0 and that every export succeeded. */
export async function runSdkApp<T extends SdkAppOutput>(app: string, endpoint: string, protocol: string, env: Record<string, string> = {}): Promise<T> {
  const { code, stdout, stderr } = await runNode(app, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, ...env });
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout) as T;
  assert.ok(out.results.length > 0 && out.results.every((r) => r.code === 0), `the SDK reported export failures: ${JSON.stringify(out.results)}`);
  return out;
}

/**
 * The start of a relay config: OTLP over gRPC and HTTP on ephemeral ports, and a `honeycomb` exporter
 * (key from HONEYCOMB_API_KEY) sending to `honeycombUrl`. More exporters follow at the same indent.
 */
export function otlpToHoneycombYaml(honeycombUrl: string): string {
  return `
receivers:
  otlp:
    grpc: { endpoint: "127.0.0.1:0" }
    http: { endpoint: "127.0.0.1:0" }
exporters:
  honeycomb:
    type: honeycomb
    api_key: \${env:HONEYCOMB_API_KEY}
    endpoint: ${honeycombUrl}
    batch: { timeout: 20ms }
`;
}
