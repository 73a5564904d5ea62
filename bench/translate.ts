/**
 * The exporters' translations on the bench payloads, decoded once: CPU per span (per log record for
 * CloudWatch Logs; process.cpuUsage, so GC threads count), after warm-up. What config/cruddur.yaml fans out to besides
 * Honeycomb: X-Ray for every span, Rollbar for error spans and error logs, CloudWatch Logs for logs.
 * `node bench/translate.ts [seconds per line] [only lines naming this]`; add --cpu-prof to find the hot spots.
 */
import { decodeRequest } from '../src/otlp/codec.ts';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest } from '../src/otlp/types.ts';
import { planBatches } from '../src/exporters/cloudwatch_logs/batcher.ts';
import { toEvents } from '../src/exporters/cloudwatch_logs/events.ts';
import { NameTemplate } from '../src/exporters/cloudwatch_logs/names.ts';
import { MAX_EVENT_BYTES } from '../src/exporters/cloudwatch_logs/limits.ts';
import { translateLogs, translateTraces, type TranslateOptions as RollbarOptions } from '../src/exporters/rollbar/translate.ts';
import { AnnotationBudget } from '../src/exporters/xray/annotations.ts';
import type { SegmentDocument } from '../src/exporters/xray/document.ts';
import { Notes, resourceView, spanToDocument, translateRequest, type TranslateContext, type TranslateOptions as XrayOptions, type Translation } from '../src/exporters/xray/translate.ts';
import { attrMap } from '../src/otlp/attributes.ts';
import { buildPayloads, ITEMS_PER_REQUEST } from './payloads.ts';

const seconds = Number(process.argv[2] ?? 2);
/** Only the lines whose name contains this (case-insensitive), to profile one piece. */
const only = (process.argv[3] ?? '').toLowerCase();
const nowMs = Date.now();
const payloads = buildPayloads({ traces: 8, logs: 4, nowMs });
const traces = payloads.filter((p) => p.signal === 'traces').map((p) => decodeRequest('traces', p.raw));
const logs = payloads.filter((p) => p.signal === 'logs').map((p) => decodeRequest('logs', p.raw));

/** What the router's `match: { error: true }` hands Rollbar: error spans only (status ERROR or an exception event). */
function errorSpans(r: ExportTraceServiceRequest): ExportTraceServiceRequest {
  return {
    resourceSpans: r.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.filter((s) => s.status?.code === 2 || s.events.some((e) => e.name === 'exception')) })),
    })),
  };
}

function errorLogs(r: ExportLogsServiceRequest): ExportLogsServiceRequest {
  return {
    resourceLogs: r.resourceLogs.map((rl) => ({
      ...rl,
      scopeLogs: rl.scopeLogs.map((sl) => ({ ...sl, logRecords: sl.logRecords.filter((l) => l.severityNumber >= 17 || l.attributes.some((kv) => kv.key.startsWith('exception.'))) })),
    })),
  };
}

const errorTraces = traces.map(errorSpans);
const errorLogRequests = logs.map(errorLogs);
const count = (rs: ExportTraceServiceRequest[]): number => rs.reduce((n, r) => n + r.resourceSpans.reduce((m, x) => m + x.scopeSpans.reduce((k, s) => k + s.spans.length, 0), 0), 0);
const countLogs = (rs: ExportLogsServiceRequest[]): number => rs.reduce((n, r) => n + r.resourceLogs.reduce((m, x) => m + x.scopeLogs.reduce((k, s) => k + s.logRecords.length, 0), 0), 0);

// config/cruddur.yaml's settings, with the exporters' defaults for the rest.
const xrayOptions: XrayOptions = { indexedAttributes: [], indexAllAttributes: false, strictTraceIds: false, annotationKeyDots: 'keep', nowSeconds: Math.floor(nowMs / 1000) };
const budget = new AnnotationBudget();
const rollbarOptions: RollbarOptions = { environment: 'development', minSeverity: 17, httpServerErrors: false, fingerprint: false, version: '0.1.0' };
function template(text: string, kind: 'group' | 'stream'): NameTemplate {
  const t = NameTemplate.parse(text, kind);
  if ('problems' in t) throw new Error(t.problems.join('; '));
  return t.template;
}
const group = template('/cruddur/{service.name}', 'group');
const stream = template('{host.name}', 'stream');

let sink = 0; // keeps results alive so nothing is optimised away

/** CPU µs per unit of `each` over `inputs`, round robin, after warm-up. */
function measure(name: string, inputs: readonly unknown[], unitsPerInput: number, each: (input: never) => number): number {
  if (!name.toLowerCase().includes(only)) return 0;
  const run = each as (input: unknown) => number;
  const warm = performance.now() + 300;
  for (let i = 0; performance.now() < warm; i++) sink += run(inputs[i % inputs.length]);
  const cpu0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) sink += run(inputs[n++ % inputs.length]);
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / (n * unitsPerInput);
  process.stdout.write(`${name.padEnd(60)} ${us.toFixed(2).padStart(7)} µs\n`);
  return us;
}

/** X-Ray documents without the 64 KB fit (and its JSON.stringify): the build alone. */
function xrayDocuments(r: ExportTraceServiceRequest, out: SegmentDocument[] = []): SegmentDocument[] {
  const notes = new Notes({ documents: [], spans: 0, dropped: {}, adjusted: {}, examples: {}, renamedKeys: new Map() } satisfies Translation);
  const ctx: TranslateContext = { options: xrayOptions, indexed: new Set(xrayOptions.indexedAttributes), budget, notes };
  for (const rs of r.resourceSpans) {
    const view = resourceView(attrMap(rs.resource?.attributes));
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const doc = spanToDocument(span, view, ctx);
        if (doc) out.push(doc);
      }
    }
  }
  return out;
}

const spansPerRequest = ITEMS_PER_REQUEST;
const errorsPerRequest = count(errorTraces) / errorTraces.length;
const errorLogsPerRequest = countLogs(errorLogRequests) / errorLogRequests.length;
process.stdout.write(`${traces.length} traces requests of ${spansPerRequest} spans (${errorsPerRequest.toFixed(1)} error spans each), ${logs.length} logs requests of ${ITEMS_PER_REQUEST} records (${errorLogsPerRequest.toFixed(1)} error records each)\n\n`);

const xray = measure('X-Ray translateRequest (build + 64 KB fit + JSON), per span', traces, spansPerRequest, (r: ExportTraceServiceRequest) => translateRequest(r, xrayOptions, budget).documents.length);
measure('  X-Ray, of which building the documents (spanToDocument)', traces, spansPerRequest, (r: ExportTraceServiceRequest) => xrayDocuments(r).length);
const built = traces.map((r) => xrayDocuments(r));
measure('  X-Ray, of which their JSON.stringify (built once)', built, spansPerRequest, (docs: SegmentDocument[]) => {
  let n = 0;
  for (const d of docs) n += JSON.stringify(d).length;
  return n;
});
const cwEvents = measure('CloudWatch Logs toEvents, per record', logs, ITEMS_PER_REQUEST, (r: ExportLogsServiceRequest) => toEvents(r, { raw: false, group, stream, instance: 'bench-0', receivedAt: nowMs, maxEventBytes: MAX_EVENT_BYTES }).events.length);
const converted = logs.map((r) => toEvents(r, { raw: false, group, stream, instance: 'bench-0', receivedAt: nowMs, maxEventBytes: MAX_EVENT_BYTES }).events);
const cwPlan = measure('CloudWatch Logs planBatches, per record', converted, ITEMS_PER_REQUEST, (events: typeof converted[number]) => planBatches(events, { now: nowMs, maxEventBytes: MAX_EVENT_BYTES }).batches.length);
const rbSpans = measure('Rollbar translateTraces, per error span', errorTraces, errorsPerRequest, (r: ExportTraceServiceRequest) => translateTraces(r, rollbarOptions).items.length);
const rbLogs = measure('Rollbar translateLogs, per error record', errorLogRequests, errorLogsPerRequest, (r: ExportLogsServiceRequest) => translateLogs(r, rollbarOptions).items.length);

process.stdout.write(`\nper span of the traces stream: X-Ray ${xray.toFixed(2)} + Rollbar ${((rbSpans * errorsPerRequest) / spansPerRequest).toFixed(2)} µs\n`);
process.stdout.write(`per record of the logs stream: CloudWatch Logs ${(cwEvents + cwPlan).toFixed(2)} + Rollbar ${((rbLogs * errorLogsPerRequest) / ITEMS_PER_REQUEST).toFixed(2)} µs\n`);
if (sink === 0) process.stdout.write('(nothing translated?)\n');
