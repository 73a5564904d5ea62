import type { Signal } from '../otlp/signal.ts';
import { findAttr, itemMatches, resourceMatches, type KeyValueLike, type MatchSpec } from './match.ts';

/** Field names of the three decoded request shapes (protobufjs camelCase). */
const SHAPE = {
  traces: { resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans' },
  logs: { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' },
  metrics: { resources: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics' },
} as const;

const POINT_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

type Obj = Record<string, unknown>;

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

function resourceAttrs(res: Obj): KeyValueLike[] | undefined {
  const r = res['resource'] as { attributes?: KeyValueLike[] } | null | undefined;
  return r?.attributes ?? undefined;
}

/**
 * Keeps the items of a decoded request that satisfy any of `specs`, without touching the original
 * (several exporters share one decoded view). Empty scopes and resources are left out.
 * Returns the filtered request and how many items it holds.
 */
export function filterDecoded(signal: Signal, request: Obj, specs: readonly MatchSpec[]): { request: Obj; items: number } {
  const shape = SHAPE[signal];
  let count = 0;
  const resources: Obj[] = [];
  for (const res of arr(request[shape.resources])) {
    const rattrs = resourceAttrs(res);
    const lookup = (k: string) => findAttr(rattrs, k);
    const live = specs.filter((m) => resourceMatches(m, lookup));
    if (live.length === 0) continue;
    const scopes: Obj[] = [];
    for (const scope of arr(res[shape.scopes])) {
      const kept: Obj[] = [];
      for (const item of arr(scope[shape.items])) {
        if (signal === 'metrics') {
          const m = filterMetric(item, live);
          if (m) {
            kept.push(m.metric);
            count += m.points;
          }
        } else if (live.some((m) => itemMatches(signal, m, item))) {
          kept.push(item);
          count++;
        }
      }
      if (kept.length > 0) scopes.push({ ...scope, [shape.items]: kept });
    }
    if (scopes.length > 0) resources.push({ ...res, [shape.scopes]: scopes });
  }
  return { request: { [shape.resources]: resources }, items: count };
}

function filterMetric(metric: Obj, specs: readonly MatchSpec[]): { metric: Obj; points: number } | undefined {
  for (const kind of POINT_KINDS) {
    const data = metric[kind] as Obj | null | undefined;
    if (!data) continue;
    const points = arr(data['dataPoints']).filter((p) => specs.some((m) => itemMatches('metrics', m, p)));
    if (points.length === 0) return undefined;
    return { metric: { ...metric, [kind]: { ...data, dataPoints: points } }, points: points.length };
  }
  return undefined;
}
