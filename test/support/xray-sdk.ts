/** Running the X-Ray SDK app (test/e2e/fixtures/xray-sdk-app.ts) and reading what it sent. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runNode } from './relay.ts';

const APP = fileURLToPath(new URL('../e2e/fixtures/xray-sdk-app.ts', import.meta.url));

export interface AppOutput {
  sent: string[];
  sendErrors: string[];
  rules: Array<{ name: string; rate: number; priority: number }>;
  decisions: Array<string | boolean>;
  targets: { targets?: Record<string, { rate: number; quota: number; interval: number }>; error?: string };
  statuses: Record<string, number>;
  logs: string[];
}

export type Doc = Record<string, unknown> & { id: string; trace_id: string; name: string; subsegments?: Doc[] };

export async function runSdkApp(port: number): Promise<AppOutput> {
  const { code, stdout, stderr } = await runNode(APP, { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}` });
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout) as AppOutput;
  assert.deepEqual(out.statuses, { '/api/activities/home': 200, '/api/messages': 500, '/api/throttled': 429 });
  assert.deepEqual(out.sendErrors, []);
  return out;
}

/** Every segment and embedded subsegment of the documents, with the id of the entity that contains it. */
export function entities(docs: Doc[]): Array<{ doc: Doc; traceId: string; parent: string | undefined }> {
  const out: Array<{ doc: Doc; traceId: string; parent: string | undefined }> = [];
  const walk = (d: Doc, traceId: string, parent: string | undefined) => {
    out.push({ doc: d, traceId, parent });
    for (const s of d.subsegments ?? []) walk(s, traceId, d.id);
  };
  for (const d of docs) walk(d, d.trace_id, typeof d['parent_id'] === 'string' ? d['parent_id'] : undefined);
  return out;
}

export const hex = (b: unknown): string => Buffer.from(b as Uint8Array).toString('hex');
export const attr = (span: Record<string, unknown>, key: string): unknown => {
  const kv = (span['attributes'] as Array<{ key: string; value: Record<string, unknown> }>).find((a) => a.key === key);
  if (!kv) return undefined;
  const v = kv.value;
  return v['stringValue'] ?? (v['intValue'] !== undefined ? Number(v['intValue']) : undefined) ?? v['boolValue'] ?? v['doubleValue'];
};
