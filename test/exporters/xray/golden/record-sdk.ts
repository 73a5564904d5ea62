/**
 * Records golden/sdk-recorded.json's `request`: runs test/e2e/fixtures/xray-app.ts (the stock OTel JS
 * SDK, OTLP/JSON exporter) against a local capture server and merges what it sent into one request.
 * Run by hand when the fixture changes, then re-record the expected documents:
 *   ./node_modules/.bin/node test/exporters/xray/golden/record-sdk.ts
 *   UPDATE_GOLDEN=1 ./node_modules/.bin/node --test test/exporters/xray/golden.test.ts   (and review the diff)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runNode } from '../../../support/relay.ts';

const APP = fileURLToPath(new URL('../../../e2e/fixtures/xray-app.ts', import.meta.url));
const OUT = new URL('./sdk-recorded.json', import.meta.url);

const bodies: Array<{ resourceSpans: unknown[] }> = [];
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: unknown[] });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address() as AddressInfo;
const run = await runNode(APP, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
server.close();
if (run.code !== 0) throw new Error(run.stderr);
const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>) : {};
const recorded = {
  about:
    'spans recorded from the stock OpenTelemetry JS SDK (test/e2e/fixtures/xray-app.ts): a frontend calling a backend over HTTP, Postgres and DynamoDB calls, a thrown TypeError, an AWS error, a 429',
  now: Math.floor(Date.now() / 1000),
  request: { resourceSpans: bodies.flatMap((b) => b.resourceSpans) },
};
writeFileSync(OUT, `${JSON.stringify({ ...previous, ...recorded }, null, 2)}\n`);
process.stdout.write(`recorded ${bodies.length} export requests into ${fileURLToPath(OUT)}\n`);
