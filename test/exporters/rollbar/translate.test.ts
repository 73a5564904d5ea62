/** Building Rollbar items from OTLP: what becomes an item, each field's source, ids, and malformed input. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { translateLogs, translateTraces, typeOfLabel, type TranslateOptions } from '../../../src/exporters/rollbar/translate.ts';
import { itemProblem } from '../../support/fake-rollbar.ts';
import { dataOf, exception, fixture, KIND, logs, OPTIONS, TRACE, traces, traceBytes } from './helpers.ts';
import { decodeRequest } from '../../../src/otlp/codec.ts';

type Trace = { frames: Array<Record<string, unknown>>; exception: Record<string, unknown> };
const RESOURCE = { 'service.name': 'backend-flask', 'telemetry.sdk.language': 'python' };

function items(t: ReturnType<typeof translateTraces>): Array<ReturnType<typeof dataOf>> {
  for (const i of t.items) assert.equal(itemProblem(JSON.parse(i.json)), undefined, `${i.where} passes Rollbar's schema`);
  return t.items.map((i) => dataOf(i.json));
}

const traceOf = (d: ReturnType<typeof dataOf>): Trace => d.body['trace'] as Trace;
const opts = (o: Partial<TranslateOptions>): TranslateOptions => ({ ...OPTIONS, ...o });

describe('what becomes an item: spans', () => {
  test('one item per exception event, in event order, each with its own uuid', () => {
    const t = translateTraces(
      traces(RESOURCE, [
        {
          spanId: 'a000000000000001',
          status: { code: 2 },
          events: [exception('KeyError', "'a'"), { name: 'cache.miss' }, exception('ValueError', 'b')],
        },
      ]),
      OPTIONS,
    );
    const out = items(t);
    assert.deepEqual(
      out.map((d) => traceOf(d).exception['class']),
      ['KeyError', 'ValueError'],
    );
    assert.equal(new Set(out.map((d) => d['uuid'])).size, 2);
    assert.equal(t.records, 1);
    assert.equal(t.skipped, 0);
  });

  test('status ERROR without an exception event: one message naming the span and the status message', () => {
    const out = items(translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001', name: 'INSERT messages', status: { code: 2, message: 'duplicate key' } }]), OPTIONS));
    assert.deepEqual(out[0]?.body, { message: { body: 'INSERT messages: duplicate key' } });
    assert.equal(out[0]?.['title'], 'INSERT messages: duplicate key');
    assert.equal(out[0]?.['level'], 'error');
  });

  test('an exception on a span that did not fail is a warning (it was handled)', () => {
    const out = items(translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001', events: [exception('TimeoutError', 'retrying')] }]), OPTIONS));
    assert.equal(out[0]?.['level'], 'warning');
  });

  test('spans that are not errors make no item and are counted as skipped', () => {
    const t = translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001' }, { spanId: 'a000000000000002', status: { code: 1 } }, { spanId: 'a000000000000003', events: [{ name: 'log' }] }]), OPTIONS);
    assert.deepEqual([t.items.length, t.records, t.skipped], [0, 3, 3]);
  });

  test('HTTP 5xx SERVER spans only with http_server_errors; CLIENT spans never by this rule', () => {
    const req = traces(RESOURCE, [
      { spanId: 'a000000000000001', name: 'GET /api', kind: KIND.SERVER, attributes: { 'http.response.status_code': 503 } },
      { spanId: 'a000000000000002', name: 'GET upstream', kind: KIND.CLIENT, attributes: { 'http.response.status_code': 503 } },
      { spanId: 'a000000000000003', name: 'GET /old', kind: KIND.SERVER, attributes: { 'http.status_code': '500' } },
    ]);
    assert.equal(translateTraces(req, OPTIONS).items.length, 0);
    const out = items(translateTraces(req, opts({ httpServerErrors: true })));
    assert.deepEqual(
      out.map((d) => d.body),
      [{ message: { body: 'GET /api: HTTP 503' } }, { message: { body: 'GET /old: HTTP 500' } }],
    );
  });

  test('a status ERROR without a message says the HTTP status when there is one', () => {
    const out = items(translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001', name: 'GET', kind: KIND.CLIENT, status: { code: 2 }, attributes: { 'http.response.status_code': 429 } }, { spanId: 'a000000000000002', name: 'work', status: { code: 2 } }]), OPTIONS));
    assert.deepEqual(
      out.map((d) => d.body),
      [{ message: { body: 'GET: HTTP 429' } }, { message: { body: 'work: status ERROR' } }],
    );
  });
});

describe('what becomes an item: log records', () => {
  test('severity at or above min_severity (default ERROR), or exception.* attributes at any severity', () => {
    const req = logs(RESOURCE, [
      { severityNumber: 17, body: 'send failed' },
      { severityNumber: 13, body: 'slow' },
      { severityNumber: 9, body: 'handled', attributes: { 'exception.type': 'KeyError', 'exception.message': "'x'" } },
      { severityNumber: 21, body: 'out of memory' },
    ]);
    const t = translateLogs(req, OPTIONS);
    assert.deepEqual([t.records, t.skipped], [4, 1]);
    const out = items(t);
    assert.deepEqual(
      out.map((d) => d['level']),
      ['error', 'info', 'critical'],
    );
    assert.deepEqual(out[0]?.body, { message: { body: 'send failed' } });
    assert.equal(traceOf(out[1]!).exception['class'], 'KeyError');
    assert.equal(traceOf(out[1]!).exception['description'], 'handled', 'the log message describes the exception');
    const warn = translateLogs(req, opts({ minSeverity: 13 }));
    assert.equal(warn.items.length, 4);
    assert.equal(dataOf(warn.items[1]!.json)['level'], 'warning');
  });

  test('an unset severity number reads the severity text; map bodies are JSON', () => {
    const out = items(
      translateLogs(
        logs(RESOURCE, [
          { severityNumber: 0, severityText: 'CRITICAL', body: { message: 'disk full', free: 0 }, attributes: { 'exception.type': 'OSError' } },
          { severityNumber: 0, body: 'x', attributes: { 'exception.message': 'no type' } },
        ]),
        OPTIONS,
      ),
    );
    assert.equal(out[0]?.['level'], 'critical');
    assert.equal(traceOf(out[0]!).exception['description'], '{"message":"disk full","free":0}');
    assert.equal(out[1]?.['level'], 'error');
    assert.deepEqual(traceOf(out[1]!).exception, { class: '<unknown>', message: 'no type', description: 'x' });
  });

  test('the trace and span a record was emitted in link it to its trace', () => {
    const out = items(translateLogs(logs(RESOURCE, [{ body: 'x', traceId: TRACE, spanId: 'b000000000000001' }, { body: 'y' }]), opts({ traceUrl: 'https://ui.example/t/{trace_id}' })));
    assert.equal(out[0]?.custom?.['trace_id'], TRACE);
    assert.equal(out[0]?.custom?.['span_id'], 'b000000000000001');
    assert.equal(out[0]?.custom?.['trace_url'], `https://ui.example/t/${TRACE}`);
    assert.equal(out[1]?.custom?.['trace_id'], undefined, 'no trace, no link');
    assert.equal(out[1]?.custom?.['trace_url'], undefined);
  });
});

describe('fields', () => {
  const SPAN = {
    spanId: 'a000000000000001',
    parentSpanId: '0000000000000000',
    name: 'POST /api/messages',
    kind: KIND.SERVER,
    status: { code: 2, message: 'boom' },
    attributes: {
      'http.request.method': 'POST',
      'url.scheme': 'https',
      'server.address': 'api.cruddur.test',
      'server.port': 443,
      'url.path': '/api/messages',
      'url.query': 'page=2',
      'http.route': '/api/messages',
      'client.address': '203.0.113.9',
      'http.request.header.user-agent': ['curl/8'],
      'http.request.header.authorization': ['Bearer s3cr3t'],
      'enduser.id': 'andrewbrown',
      'user.email': 'andrew@example.com',
      'app.api_key': 'k-123',
    },
    events: [exception('ValueError', 'bad input\nsecond line', undefined, { 'exception.escaped': true })],
  };

  test('environment: the config, else deployment.environment.name, else deployment.environment, else "unknown"', () => {
    const env = (resource: Record<string, string>, o: Partial<TranslateOptions> = {}) => dataOf(translateTraces(traces({ ...RESOURCE, ...resource }, [SPAN]), opts(o)).items[0]!.json)['environment'];
    assert.equal(env({ 'deployment.environment.name': 'prod' }, { environment: 'staging' }), 'staging');
    assert.equal(env({ 'deployment.environment.name': 'prod', 'deployment.environment': 'old' }), 'prod');
    assert.equal(env({ 'deployment.environment': 'old' }), 'old');
    assert.equal(env({}), 'unknown');
  });

  test('resource: code_version (≤ 40), language, platform (never a client platform), framework, server', () => {
    const d = dataOf(
      translateTraces(
        traces({ 'service.name': 'svc', 'service.version': 'v'.repeat(50), 'telemetry.sdk.language': 'nodejs', 'os.type': 'linux', 'process.runtime.name': 'nodejs', 'host.name': 'web-1' }, [SPAN]),
        OPTIONS,
      ).items[0]!.json,
    );
    assert.equal(d['code_version'], 'v'.repeat(40));
    assert.equal(d['language'], 'javascript');
    assert.equal(d['platform'], 'linux');
    assert.equal(d['framework'], 'nodejs');
    assert.deepEqual(d['server'], { host: 'web-1', code_version: 'v'.repeat(40) });
    const android = dataOf(translateTraces(traces({ 'service.name': 'app', 'os.type': 'android', 'telemetry.sdk.language': 'dotnet' }, [SPAN]), OPTIONS).items[0]!.json);
    assert.equal(android['platform'], undefined, 'a client platform needs a post_client_item token');
    assert.equal(android['language'], 'c#');
    assert.deepEqual(android['server'], { host: 'app' }, 'no host.name: the service name');
  });

  test('request from HTTP attributes, sensitive headers scrubbed; person from enduser.id; context from http.route', () => {
    const d = dataOf(translateTraces(traces(RESOURCE, [SPAN]), OPTIONS).items[0]!.json);
    assert.deepEqual(d['request'], {
      url: 'https://api.cruddur.test/api/messages?page=2',
      method: 'POST',
      headers: { 'User-Agent': 'curl/8', Authorization: '[scrubbed]' },
      query_string: 'page=2',
      user_ip: '203.0.113.9',
    });
    assert.deepEqual(d['person'], { id: 'andrewbrown', email: 'andrew@example.com' });
    assert.equal(d['context'], '/api/messages');
    assert.equal(d['timestamp'], 1_700_000_000, 'the exception event time, in unix seconds');
    assert.equal(d['title'], 'ValueError: bad input', 'the first line of the message');
  });

  test('old conventions, passwords in URLs removed; the client address is not the user on CLIENT spans', () => {
    const d = dataOf(
      translateTraces(
        traces(RESOURCE, [{ spanId: 'a000000000000001', kind: KIND.CLIENT, status: { code: 2 }, attributes: { 'http.method': 'GET', 'http.url': 'https://bob:hunter2@api.test/x', 'client.address': '10.0.0.1', 'enduser.id': 'u'.repeat(60) } }]),
        OPTIONS,
      ).items[0]!.json,
    );
    assert.deepEqual(d['request'], { url: 'https://bob@api.test/x', method: 'GET' });
    assert.deepEqual(d['person'], { id: 'u'.repeat(40) }, 'person.id is at most 40 characters');
  });

  test('custom: ids, service, span, status, attributes (secrets scrubbed), other exception attributes, scope, resource', () => {
    const d = dataOf(translateTraces(traces(RESOURCE, [SPAN]), opts({ traceUrl: 'https://console.aws.amazon.com/xray/home#/traces/{xray_trace_id}?s={service.name}' })).items[0]!.json);
    const custom = d.custom!;
    assert.equal(custom['trace_id'], TRACE);
    assert.equal(custom['span_id'], 'a000000000000001');
    assert.equal(custom['parent_span_id'], undefined, 'an all-zero parent is no parent');
    const child = dataOf(translateTraces(traces(RESOURCE, [{ ...SPAN, parentSpanId: 'b000000000000009' }]), OPTIONS).items[0]!.json);
    assert.equal(child.custom?.['parent_span_id'], 'b000000000000009');
    assert.equal(custom['trace_url'], 'https://console.aws.amazon.com/xray/home#/traces/1-6553f100-0123456789abcdef01234567?s=backend-flask');
    assert.equal(custom['service'], 'backend-flask');
    assert.deepEqual(custom['span'], { name: 'POST /api/messages', kind: 'SERVER' });
    assert.deepEqual(custom['status'], { code: 'ERROR', message: 'boom' });
    const attrs = custom['attributes'] as Record<string, unknown>;
    assert.equal(attrs['app.api_key'], '[scrubbed]');
    assert.deepEqual(attrs['http.request.header.authorization'], '[scrubbed]');
    assert.equal(attrs['server.port'], 443);
    assert.deepEqual(custom['exception_attributes'], { 'exception.escaped': true });
    assert.deepEqual(custom['scope'], { name: 'test', version: '1.0.0' });
    assert.deepEqual(custom['resource'], RESOURCE);
  });

  test('a repeated key (OTLP forbids it, senders do it): its first value, in the resource and on the span', () => {
    const req = traces({ ...RESOURCE, 'deployment.environment.name': 'prod' }, [SPAN]);
    const dup = (key: string, value: string) => ({ key, value: { stringValue: value }, keyStrindex: 0 });
    req.resourceSpans[0]!.resource!.attributes.push(dup('service.name', 'second'), dup('deployment.environment.name', 'dev'));
    req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.push(dup('http.route', '/second'), dup('enduser.id', 'someone-else'));
    const d = dataOf(translateTraces(req, OPTIONS).items[0]!.json);
    assert.equal(d.custom?.['service'], 'backend-flask');
    assert.equal(d['environment'], 'prod');
    assert.deepEqual(d.custom?.['resource'], { ...RESOURCE, 'deployment.environment.name': 'prod' });
    assert.equal(d['context'], '/api/messages');
    assert.deepEqual(d['person'], { id: 'andrewbrown', email: 'andrew@example.com' });
    assert.equal((d.custom?.['attributes'] as Record<string, unknown>)['http.route'], '/api/messages');
  });
});

describe('stack traces', () => {
  test('frames oldest call first: the parser gives the most recent first, Rollbar wants it last', () => {
    const d = dataOf(translateTraces(traces({ 'service.name': 'web', 'telemetry.sdk.language': 'nodejs' }, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('TypeError', 'x', fixture('nodejs-async.txt'))] }]), OPTIONS).items[0]!.json);
    assert.deepEqual(traceOf(d).frames, [
      { filename: 'file:///tmp/st/app.mjs', lineno: 10, colno: 7 },
      { filename: 'file:///tmp/st/app.mjs', lineno: 8, colno: 35, method: 'handler' },
      { filename: 'file:///tmp/st/app.mjs', lineno: 7, colno: 80, method: 'loadHome' },
      { filename: 'file:///tmp/st/app.mjs', lineno: 5, colno: 36, method: 'new ActivityRepo' },
    ]);
  });

  test('Python frames carry their source line as `code`', () => {
    const d = dataOf(translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('ZeroDivisionError', 'division by zero', fixture('python-simple.txt'))] }]), OPTIONS).items[0]!.json);
    assert.deepEqual(traceOf(d).frames.at(-1), { filename: '/tmp/st/chained.py', lineno: 23, method: 'render', code: 'return 10 / n' });
  });

  test('what the parser could not read, and frames the runtime left out, are in the description', () => {
    const go = dataOf(translateTraces(traces({ 'service.name': 'api', 'telemetry.sdk.language': 'go' }, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('*errors.errorString', 'nil map', fixture('go-panic.txt'))] }]), OPTIONS).items[0]!.json);
    assert.equal(traceOf(go).exception['description'], '[signal SIGSEGV: segmentation violation code=0x1 addr=0x40 pc=0x7260d4]');
    assert.equal(traceOf(go).frames.length, 7);
    const cut = dataOf(translateTraces(traces({ 'service.name': 'api', 'telemetry.sdk.language': 'go' }, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('panic', 'x', fixture('go-truncated.txt'))] }]), OPTIONS).items[0]!.json);
    assert.equal(traceOf(cut).exception['description'], '[the stack trace was cut short before it reached the relay]');
  });

  test('a frame printed without a file (.NET release builds) is filed under its type, not "<unknown>"', () => {
    assert.equal(typeOfLabel('Npgsql.NpgsqlCommand.ExecuteReader(Boolean async, CommandBehavior behavior)'), 'Npgsql.NpgsqlCommand');
    assert.equal(typeOfLabel('DinDin.Program.<Main>()'), 'DinDin.Program');
    assert.equal(typeOfLabel('Grpc.Net.Client.Internal.GrpcCall`2.<RunCall>d__73[[GrpcCommon.ConnectRequest, GrpcCommon, Version=1.0.0.0]].MoveNext()'), 'Grpc.Net.Client.Internal.GrpcCall`2.<RunCall>d__73[[GrpcCommon.ConnectRequest, GrpcCommon, Version=1.0.0.0]]');
    assert.equal(typeOfLabel('main'), undefined);
    const d = dataOf(translateTraces(traces({ 'service.name': 'pay', 'telemetry.sdk.language': 'dotnet' }, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('System.InvalidOperationException', 'x', 'System.InvalidOperationException: x\n   at Pay.Api.Charge(Int32 cents)\n   at Pay.Api.<Main>()\n')] }]), OPTIONS).items[0]!.json);
    assert.deepEqual(traceOf(d).frames, [
      { filename: 'Pay.Api', method: 'Pay.Api.<Main>()' },
      { filename: 'Pay.Api', method: 'Pay.Api.Charge(Int32 cents)' },
    ]);
  });

  test('a stack trace no parser reads: no frames, the text kept whole in the description; the item still goes', () => {
    const text = 'something went wrong\n  somewhere deep\n  (details lost)';
    const t = translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('Weird', 'odd', text)] }]), opts({}));
    const d = items(t)[0]!;
    assert.deepEqual(traceOf(d), { frames: [], exception: { class: 'Weird', message: 'odd', description: text } });
  });

  test('malformed and hostile stack traces never throw', () => {
    const texts = ['', '   ', 'at (\n)))((( at ) in :line x\n goroutine [', '\u0000\u0001\uffff', `Traceback (most recent call last):\n${'  File "x", line 1\n'.repeat(5000)}`, 'x'.repeat(300_000)];
    for (const text of texts) {
      for (const language of ['python', 'java', 'nodejs', 'go', 'dotnet', 'cobol']) {
        const t = translateTraces(traces({ 'service.name': 's', 'telemetry.sdk.language': language }, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception(undefined, undefined, text)] }]), OPTIONS);
        assert.equal(t.items.length + t.tooLarge.length, 1);
        for (const i of t.items) assert.equal(itemProblem(JSON.parse(i.json)), undefined);
      }
    }
  });
});

describe('deterministic ids', () => {
  const req = () => decodeRequest('traces', traceBytes(RESOURCE, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception('A', 'a'), exception('B', 'b')] }, { spanId: 'a000000000000002', status: { code: 2 } }]));

  test('the same request gives the same items, byte for byte, so a retry repeats uuids Rollbar discards', () => {
    const a = translateTraces(req(), OPTIONS).items.map((i) => i.json);
    const b = translateTraces(req(), OPTIONS).items.map((i) => i.json);
    assert.deepEqual(a, b);
  });

  test('uuids are RFC 9562 version-5 UUIDs (36 characters), distinct per exception event and per span', () => {
    const uuids = translateTraces(req(), OPTIONS).items.map((i) => i.uuid);
    assert.equal(new Set(uuids).size, 3);
    for (const u of uuids) assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const other = translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000003', status: { code: 2 }, events: [exception('A', 'a'), exception('B', 'b')] }]), OPTIONS).items.map((i) => i.uuid);
    assert.ok(other.every((u) => !uuids.includes(u)), 'another span, other uuids');
  });

  test('log records: the same content gives the same uuid; another time, another uuid', () => {
    const uuid = (time: string) => translateLogs(logs(RESOURCE, [{ body: 'x', time }]), OPTIONS).items[0]!.uuid;
    assert.equal(uuid('1700000000000000001'), uuid('1700000000000000001'));
    assert.notEqual(uuid('1700000000000000001'), uuid('1700000000000000002'));
  });
});

describe('fingerprint (optional)', () => {
  const fp = (stack: string, type = 'KeyError', fingerprint = true) =>
    dataOf(translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001', status: { code: 2 }, events: [exception(type, 'm', stack)] }]), opts({ fingerprint })).items[0]!.json)['fingerprint'];

  test('type and top frames, not line numbers: an edit elsewhere in the file keeps the group', () => {
    const stack = fixture('python-simple.txt');
    const a = fp(stack);
    assert.match(String(a), /^[0-9a-f]{40}$/);
    assert.equal(fp(stack.replace('line 23', 'line 29')), a);
    assert.notEqual(fp(stack, 'ValueError'), a);
    assert.notEqual(fp(stack.replace('in render', 'in draw')), a);
    assert.equal(fp(stack, 'KeyError', false), undefined, 'off by default');
  });

  test('messages get none: Rollbar groups them itself', () => {
    const d = dataOf(translateTraces(traces(RESOURCE, [{ spanId: 'a000000000000001', status: { code: 2 } }]), opts({ fingerprint: true })).items[0]!.json);
    assert.equal(d['fingerprint'], undefined);
  });
});
