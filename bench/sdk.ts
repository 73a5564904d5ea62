/**
 * What one X-Ray PutTraceSegments call costs the relay's process outside the translation: the real
 * @aws-sdk/client-xray client as the exporter builds it (sdkApi: middleware, SigV4 signing, the
 * node:http handler) sending 50 prebuilt documents (X-Ray's per-call maximum) to the bench's X-Ray sink,
 * next to the same bodies POSTed with bare node:http. CPU is this process's (process.cpuUsage: main
 * thread, GC threads, crypto); the sink runs in its own process. The floor for S2 in docs/PERFORMANCE.md.
 * `node bench/sdk.ts [seconds per line]`
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnnotationBudget } from '../src/exporters/xray/annotations.ts';
import { sdkApi } from '../src/exporters/xray/client.ts';
import { MAX_DOCUMENTS_PER_CALL } from '../src/exporters/xray/limits.ts';
import { translateEncoded } from '../src/exporters/xray/translate.ts';
import { buildPayloads } from './payloads.ts';
import type { SinkMessage } from './sinks.ts';

const seconds = Number(process.argv[2] ?? 3);
const CONCURRENCY = 4; // the exporter's PutTraceSegments calls in flight per batch

const nowMs = Date.now();
const raws = buildPayloads({ traces: 8, logs: 0, nowMs }).filter((p) => p.signal === 'traces').map((p) => p.raw);
const options = { indexedAttributes: [], indexAllAttributes: false, strictTraceIds: false, annotationKeyDots: 'keep' as const, nowSeconds: Math.floor(nowMs / 1000) };
const docs = raws.flatMap((raw) => translateEncoded(raw, options, new AnnotationBudget()).documents.map((d) => d.json));
const calls: string[][] = [];
for (let i = 0; i + MAX_DOCUMENTS_PER_CALL <= docs.length; i += MAX_DOCUMENTS_PER_CALL) calls.push(docs.slice(i, i + MAX_DOCUMENTS_PER_CALL));

// Both env vars only reach the SDK's credential chain in this process; the sink never checks a real key.
process.env['AWS_ACCESS_KEY_ID'] = 'AKIAIOSFODNN7EXAMPLE';
process.env['AWS_SECRET_ACCESS_KEY'] = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

const here = path.dirname(fileURLToPath(import.meta.url));
const sinks = fork(path.join(here, 'sinks.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve, reject) => {
  sinks.once('message', (m: SinkMessage) => (m.kind === 'ready' ? resolve(m.ports.xray) : reject(new Error('unexpected message'))));
  sinks.once('exit', () => reject(new Error('the sinks exited')));
});
const endpoint = `http://127.0.0.1:${port}`;

/** CPU µs per document and per call of `send` over the prebuilt calls, CONCURRENCY in flight, after warm-up. */
async function measure(name: string, send: (documents: string[]) => Promise<void>): Promise<number> {
  let next = 0;
  const loop = async (until: number): Promise<number> => {
    let n = 0;
    const worker = async () => {
      while (performance.now() < until) {
        await send(calls[next++ % calls.length]!);
        n++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return n;
  };
  await loop(performance.now() + 1000);
  const cpu0 = process.cpuUsage();
  const n = await loop(performance.now() + seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const perCall = (cpu.user + cpu.system) / n;
  process.stdout.write(`${name.padEnd(58)} ${(perCall / MAX_DOCUMENTS_PER_CALL).toFixed(2).padStart(7)} µs per document, ${perCall.toFixed(0).padStart(5)} µs per call (${n} calls)\n`);
  return perCall / MAX_DOCUMENTS_PER_CALL;
}

const api = sdkApi({ endpoint, region: 'us-east-1', userAgent: 'otlp-relay-bench' });
const abort = new AbortController().signal;
const sdk = await measure('PutTraceSegments through @aws-sdk/client-xray', async (documents) => {
  const out = await api.putTraceSegments(documents, abort);
  if (out.unprocessed.length > 0) throw new Error(`the sink refused ${out.unprocessed.length} documents`);
});

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const bare = await measure('the same JSON bodies over bare node:http (no SDK, unsigned)', (documents) =>
  new Promise<void>((resolve, reject) => {
    const body = JSON.stringify({ TraceSegmentDocuments: documents });
    const req = http.request(`${endpoint}/TraceSegments`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  }),
);
process.stdout.write(`\nthe SDK adds ${(sdk - bare).toFixed(2)} µs per document over bare HTTP; at 60,000 spans per CPU-second the whole relay has ${(1e6 / 60_000).toFixed(2)} µs per span\n`);
api.close?.();
agent.destroy();
sinks.kill();
