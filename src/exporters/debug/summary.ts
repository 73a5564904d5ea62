import type { Signal } from '../../otlp/signal.ts';
import { findAttr, isErrorLog, isErrorSpan, plainValue, type KeyValueLike, type LogRecordLike, type SpanLike } from '../../router/match.ts';

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

const SHAPE = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
} as const;

const POINT_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

interface ServiceCount {
  items: number;
  errors: number;
}

function serviceOf(res: Obj): string {
  const attrs = (res['resource'] as { attributes?: KeyValueLike[] } | null | undefined)?.attributes;
  const name = findAttr(attrs, 'service.name');
  return typeof name === 'string' && name ? name : 'unknown_service';
}

function hex(v: unknown): string {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : '';
}

function nanosToMs(start: unknown, end: unknown): string {
  try {
    return `${(Number(BigInt(String(end)) - BigInt(String(start))) / 1e6).toFixed(1)}ms`;
  } catch {
    return '?';
  }
}

/**
 * One readable line per batch ("traces: 12 spans — backend-flask 9 (1 error), frontend 3"), and in
 * detailed mode one indented line per item: the local view for runs with no credentials.
 */
export function summarize(signal: Signal, request: Obj, detailed: boolean): string[] {
  const [rKey, sKey, iKey] = SHAPE[signal];
  const byService = new Map<string, ServiceCount>();
  const details: string[] = [];
  let total = 0;
  for (const res of arr(request[rKey])) {
    const service = serviceOf(res);
    const c = byService.get(service) ?? { items: 0, errors: 0 };
    byService.set(service, c);
    for (const scope of arr(res[sKey])) {
      for (const item of arr(scope[iKey])) {
        if (signal === 'metrics') {
          const points = POINT_KINDS.reduce((s, k) => s + arr((item[k] as Obj | null | undefined)?.['dataPoints']).length, 0);
          c.items += points;
          total += points;
          if (detailed) details.push(`  ${service} metric ${String(item['name'])}: ${points} points`);
          continue;
        }
        c.items++;
        total++;
        const error = signal === 'traces' ? isErrorSpan(item as SpanLike) : isErrorLog(item as LogRecordLike);
        if (error) c.errors++;
        if (!detailed) continue;
        if (signal === 'traces') {
          details.push(`  ${service} span "${String(item['name'])}" trace=${hex(item['traceId'])} span=${hex(item['spanId'])} ${nanosToMs(item['startTimeUnixNano'], item['endTimeUnixNano'])}${error ? ' ERROR' : ''}`);
        } else {
          const body = plainValue(item['body'] as never);
          details.push(`  ${service} log ${String(item['severityText'] || item['severityNumber'] || '')} ${typeof body === 'string' ? JSON.stringify(body.slice(0, 200)) : ''}${error ? ' ERROR' : ''}`);
        }
      }
    }
  }
  const noun = signal === 'traces' ? 'spans' : signal === 'logs' ? 'log records' : 'data points';
  const parts = [...byService].map(([s, c]) => `${s} ${c.items}${c.errors ? ` (${c.errors} error${c.errors === 1 ? '' : 's'})` : ''}`);
  return [`${signal}: ${total} ${noun} — ${parts.join(', ')}`, ...details];
}
