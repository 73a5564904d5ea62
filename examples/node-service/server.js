// A small instrumented Node service for the docker-compose example. The OpenTelemetry SDK here is
// configured only by the standard variables, read by the SDK itself:
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://otlp-relay:4318   where to send (the SDK appends /v1/traces, /v1/logs)
//   OTEL_SERVICE_NAME=node-service                        service.name (OTEL_RESOURCE_ATTRIBUTES for more)
// No vendor key, no vendor URL: the relay has those.
//
//   GET /api/home   calls the backend (BACKEND_URL, with the trace context), logs one line, answers JSON
//   GET /api/fail   fails on purpose: an error span with its exception (→ Rollbar through the relay)
//   GET /healthz    not traced
import http from 'node:http';
import process from 'node:process';
import { URL } from 'node:url';
import { context, propagation, SeverityNumber, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, hostDetector } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const resource = defaultResource().merge(detectResources({ detectors: [envDetector, hostDetector] }));
const tracerProvider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] });
const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })] });
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = tracerProvider.getTracer('node-service');
const logger = loggerProvider.getLogger('node-service');

const backendUrl = process.env['BACKEND_URL'] ?? '';

/** Calls the backend inside a CLIENT span, passing the trace on in a `traceparent` header. */
async function callBackend(parent, path) {
  if (!backendUrl) return { skipped: 'BACKEND_URL is not set' };
  const url = new URL(path, backendUrl);
  const span = tracer.startSpan(`GET ${url.pathname}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'url.full': url.href } }, parent);
  const headers = {};
  propagation.inject(trace.setSpan(parent, span), headers);
  try {
    const res = await globalThis.fetch(url, { headers, signal: globalThis.AbortSignal.timeout(5000) });
    span.setAttribute('http.response.status_code', res.status);
    if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.status}` });
    return await res.json();
  } catch (e) {
    span.recordException(e);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    return { error: e.message };
  } finally {
    span.end();
  }
}

async function handle(req, res) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') return send(res, 200, { ok: true });
  const route = path === '/api/home' || path === '/api/fail' ? path : '';
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(`${req.method} ${route || 'unknown route'}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path, ...(route ? { 'http.route': route } : {}) },
  }, parent);
  const ctx = trace.setSpan(parent, span);
  try {
    if (route === '/api/home') {
      const activities = await callBackend(ctx, '/api/activities/home');
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'home served', attributes: { 'http.route': route }, context: ctx });
      return send(res, 200, { service: 'node-service', activities }, span);
    }
    if (route === '/api/fail') throw new TypeError("Cannot read properties of undefined (reading 'handle')");
    return send(res, 404, { error: `no route ${path}` }, span);
  } catch (e) {
    span.recordException(e);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    // WARN, not ERROR: the span's exception already becomes the Rollbar item; an ERROR log would make a second one.
    logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `request failed: ${e.message}`, attributes: { 'http.route': route }, context: ctx });
    return send(res, 500, { error: e.message }, span);
  } finally {
    span.end();
  }
}

function send(res, status, body, span) {
  span?.setAttribute('http.response.status_code', status);
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = http.createServer((req, res) => void handle(req, res));
server.listen(Number(process.env['PORT'] ?? 8080), process.env['HOST'] ?? '0.0.0.0', () => {
  const { address, port } = server.address();
  process.stdout.write(`node-service listening on http://${address}:${port}\n`);
});

// PID 1 in its container: stop on SIGTERM (docker stop) and SIGINT, and send what the SDK still holds.
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  await Promise.allSettled([tracerProvider.shutdown(), loggerProvider.shutdown()]);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
