/**
 * Golden cases: OTLP requests carrying real stack traces (test/stacktrace/fixtures, and spans recorded
 * from the stock OpenTelemetry JS SDK in test/exporters/xray/golden/sdk-recorded.json) → the exact
 * Rollbar items expected, in golden/<case>.json. Every item must also pass the local Rollbar API's
 * schema check. To re-record after a deliberate change: UPDATE_GOLDEN=1, then review the diff.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeRequest, jsonToProtobuf } from '../../../src/otlp/codec.ts';
import { translateLogs, translateTraces, type TranslateOptions, type Translation } from '../../../src/exporters/rollbar/translate.ts';
import { itemProblem } from '../../support/fake-rollbar.ts';
import { exception, fixture, KIND, logJson, OPTIONS, TRACE, traceJson } from './helpers.ts';

const DIR = new URL('./golden/', import.meta.url);
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface Case {
  name: string;
  about: string;
  options?: Partial<TranslateOptions>;
  traces?: Record<string, unknown>;
  logs?: Record<string, unknown>;
}

const HTTP_SERVER = { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.address': 'api.cruddur.test', 'server.port': 8080, 'url.path': '/api/activities/42', 'http.route': '/api/activities/{id}', 'http.response.status_code': 500 };

const CASES: Case[] = [
  {
    name: 'java',
    about: 'the OTel Java agent: a Caused by chain (with a Suppressed block and "... N more") becomes a trace_chain; a NullPointerException with (Native Method) frames a trace',
    traces: traceJson({ 'service.name': 'activities-api', 'service.version': '2.3.1', 'telemetry.sdk.language': 'java', 'host.name': 'api-1', 'deployment.environment.name': 'production', 'os.type': 'linux', 'process.runtime.name': 'OpenJDK Runtime Environment' }, [
      { spanId: '1000000000000001', name: 'GET /api/activities/{id}', kind: KIND.SERVER, status: { code: 2 }, attributes: HTTP_SERVER, events: [exception('Chained$RepositoryException', 'GET /api/activities/42 failed', fixture('java-chained.txt'), { 'exception.escaped': false })] },
      { spanId: '1000000000000002', parentSpanId: '1000000000000001', name: 'render', kind: KIND.INTERNAL, status: { code: 2 }, events: [exception('java.lang.NullPointerException', 'Cannot invoke "Object.toString()" because "<local3>" is null', fixture('java-npe.txt'))] },
    ]),
  },
  {
    name: 'python',
    about: 'the OTel Python SDK (Flask): "from" and "During handling" chains become a trace_chain with source lines as code; a recursion with "[Previous line repeated]"; fingerprint and a Honeycomb trace link',
    options: { fingerprint: true, traceUrl: 'https://ui.honeycomb.io/cruddur/environments/prod/trace?trace_id={trace_id}&span={span_id}' },
    traces: traceJson({ 'service.name': 'backend-flask', 'telemetry.sdk.language': 'python', 'deployment.environment': 'prod', 'process.runtime.name': 'cpython' }, [
      { spanId: '2000000000000001', name: 'GET /api/activities/{id}', kind: KIND.SERVER, status: { code: 2, message: "KeyError: 'missing'" }, attributes: { ...HTTP_SERVER, 'enduser.id': 'andrewbrown', 'client.address': '203.0.113.9' }, events: [exception('KeyError', "'missing'", fixture('python-chained.txt'))] },
      { spanId: '2000000000000002', name: 'recurse', kind: KIND.INTERNAL, status: { code: 2 }, events: [exception('RecursionError', 'maximum recursion depth exceeded', fixture('python-recursion.txt'))] },
    ]),
  },
  {
    name: 'nodejs',
    about: 'the OTel JS SDK: new/async frames and file URLs; <anonymous> frames; a handled exception on a span that did not fail (warning); error logs carrying util.inspect output with [cause] blocks, as loggers print it',
    traces: traceJson({ 'service.name': 'frontend-react-js', 'telemetry.sdk.language': 'nodejs', 'service.version': '0.9.0' }, [
      { spanId: '3000000000000001', name: 'GET /api/activities/home', kind: KIND.SERVER, status: { code: 2 }, events: [exception('TypeError', "Cannot read properties of undefined (reading 'query')", fixture('nodejs-async.txt'))] },
      { spanId: '3000000000000002', name: 'map activities', kind: KIND.INTERNAL, events: [exception('TypeError', "Cannot read properties of null (reading 'x')", fixture('nodejs-anon.txt'))] },
      { spanId: '3000000000000003', name: 'read settings', kind: KIND.INTERNAL, status: { code: 2 }, events: [exception('Error', "ENOENT: no such file or directory, open '/nonexistent/cruddur.json'", fixture('nodejs-fs.txt'), { 'exception.code': 'ENOENT' })] },
    ]),
    logs: logJson({ 'service.name': 'frontend-react-js', 'telemetry.sdk.language': 'nodejs' }, [
      { severityNumber: 17, severityText: 'ERROR', body: 'settings are unreadable; using defaults', traceId: TRACE, spanId: '3000000000000003', attributes: { 'exception.type': 'Error', 'exception.message': 'could not parse settings', 'exception.stacktrace': fixture('nodejs-cause.txt') } },
      { severityNumber: 18, severityText: 'ERROR2', body: 'settings are unreadable (ES module)', attributes: { 'exception.type': 'Error', 'exception.stacktrace': fixture('nodejs-cause-matching.txt') } },
    ]),
  },
  {
    name: 'dotnet',
    about: 'OpenTelemetry .NET: inner exceptions (" ---> ") become a trace_chain, outermost first, "Exception data:" kept in the description; three nested; .NET Framework CRLF',
    traces: traceJson({ 'service.name': 'payments', 'telemetry.sdk.language': 'dotnet', 'process.runtime.name': '.NET' }, [
      { spanId: '4000000000000001', name: 'SaveChanges', kind: KIND.INTERNAL, status: { code: 2 }, events: [exception('Microsoft.EntityFrameworkCore.DbUpdateException', 'An error occurred while saving the entity changes. See the inner exception for details.', fixture('dotnet-efcore.txt'))] },
      { spanId: '4000000000000002', name: 'grpc Connect', kind: KIND.CLIENT, status: { code: 2 }, events: [exception('System.Net.Http.HttpRequestException', 'The SSL connection could not be established, see inner exception.', fixture('dotnet-grpc-nested.txt'))] },
      { spanId: '4000000000000003', name: 'PutBlock', kind: KIND.CLIENT, status: { code: 2 }, events: [exception('Microsoft.WindowsAzure.Storage.StorageException', 'The remote server returned an error: (404) Not Found.', fixture('dotnet-framework-crlf.txt'))] },
    ]),
  },
  {
    name: 'go',
    about: 'OTel Go with WithStackTrace: a panic (its signal line in the description), a debug.Stack with method receivers, and a trace cut by the SDK\'s fixed buffer',
    traces: traceJson({ 'service.name': 'consensus', 'telemetry.sdk.language': 'go' }, [
      { spanId: '5000000000000001', name: 'documentSymbol', status: { code: 2 }, events: [exception('runtime.Error', 'runtime error: invalid memory address or nil pointer dereference', fixture('go-panic.txt'))] },
      { spanId: '5000000000000002', name: 'finalizeCommit', status: { code: 2 }, events: [exception('*errors.errorString', 'commit failed', fixture('go-debug-stack.txt'))] },
      { spanId: '5000000000000003', name: 'finalizeCommit', status: { code: 2 }, events: [exception('*errors.errorString', 'commit failed', fixture('go-truncated.txt'))] },
    ]),
  },
  {
    name: 'messages',
    about: 'status-only failures and plain error logs become messages; a 5xx SERVER span by option; records below min_severity are skipped',
    options: { httpServerErrors: true, environment: 'staging' },
    traces: traceJson({ 'service.name': 'backend-flask', 'service.version': '1.4.2' }, [
      { spanId: '6000000000000001', name: 'INSERT cruddur.messages', kind: KIND.CLIENT, status: { code: 2, message: 'duplicate key value violates unique constraint "messages_pkey"' }, attributes: { 'db.system.name': 'postgresql' } },
      { spanId: '6000000000000002', name: 'GET /api/messages', kind: KIND.SERVER, attributes: { 'http.method': 'GET', 'http.target': '/api/messages?user=1', 'http.host': 'localhost:4567', 'http.status_code': 502, 'user.id': 'u-17', 'user.name': 'Andrew' } },
      { spanId: '6000000000000003', name: 'GET /healthz', kind: KIND.SERVER, attributes: { 'http.response.status_code': 200 } },
    ]),
    logs: logJson({ 'service.name': 'backend-flask' }, [
      { severityNumber: 17, severityText: 'ERROR', body: 'message send failed\nuser: andrewbrown', traceId: TRACE, spanId: '6000000000000001', attributes: { 'code.function.name': 'send_message', 'app.retry': false } },
      { severityNumber: 13, severityText: 'WARN', body: 'slow query' },
      { severityNumber: 21, severityText: 'FATAL', body: { event: 'shutdown', reason: 'out of memory' } },
    ]),
  },
];

/** Spans recorded from the stock OpenTelemetry JS SDK (test/e2e/fixtures/xray-app.ts), shared with the X-Ray goldens. */
function sdkRecorded(): Case {
  const recorded = JSON.parse(readFileSync(new URL('../xray/golden/sdk-recorded.json', import.meta.url), 'utf8')) as { request: Record<string, unknown> };
  return {
    name: 'sdk-recorded',
    about: 'spans recorded from the stock OpenTelemetry JS SDK (xray golden sdk-recorded.json): a thrown TypeError, an AWS error on a CLIENT span, 4xx/5xx client spans; an X-Ray console link',
    options: { traceUrl: 'https://console.aws.amazon.com/xray/home?region=us-east-1#/traces/{xray_trace_id}' },
    traces: recorded.request,
  };
}

function run(c: Case): { items: unknown[]; skipped: number; tooLarge: number; trimmed: Translation['trimmed'] } {
  const o = { ...OPTIONS, ...c.options };
  const parts: Translation[] = [];
  if (c.traces) parts.push(translateTraces(decodeRequest('traces', jsonToProtobuf('traces', JSON.stringify(c.traces))), o));
  if (c.logs) parts.push(translateLogs(decodeRequest('logs', jsonToProtobuf('logs', JSON.stringify(c.logs))), o));
  for (const t of parts) for (const i of t.items) assert.equal(itemProblem(JSON.parse(i.json)), undefined, `${c.name}: ${i.where} passes Rollbar's schema`);
  return {
    items: parts.flatMap((t) => t.items.map((i) => (JSON.parse(i.json) as { data: unknown }).data)),
    skipped: parts.reduce((n, t) => n + t.skipped, 0),
    tooLarge: parts.reduce((n, t) => n + t.tooLarge.length, 0),
    trimmed: Object.assign({}, ...parts.map((t) => t.trimmed)) as Translation['trimmed'],
  };
}

describe('golden: OTLP errors → Rollbar items', () => {
  for (const c of [...CASES, sdkRecorded()]) {
    test(`${c.name}: ${c.about}`, () => {
      const path = new URL(`${c.name}.json`, DIR);
      const got = run(c);
      if (UPDATE) {
        writeFileSync(path, `${JSON.stringify({ about: c.about, options: c.options ?? {}, ...got }, null, 2)}\n`);
        return;
      }
      const expected = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(got.items, expected['items']);
      assert.equal(got.skipped, expected['skipped']);
      assert.equal(got.tooLarge, expected['tooLarge']);
      assert.deepEqual(got.trimmed, expected['trimmed']);
      const uuids = (got.items as Array<{ uuid: string }>).map((i) => i.uuid);
      assert.equal(new Set(uuids).size, uuids.length, 'one uuid per item');
    });
  }
});
