import { z } from 'zod';
import type { Signal } from '../otlp/signal.ts';
import { attributeMap, compact, orEmpty, strictObject } from './schema.ts';
import type { ResolvedRoute, RouteMatch } from './types.ts';

const SIGNAL_NAMES = ['traces', 'logs', 'metrics'] as const satisfies readonly Signal[];

/** One service name or a list of them → a list. */
const services = z.unknown().transform((value, ctx): string[] => {
  const list = typeof value === 'string' ? [value] : value;
  if (Array.isArray(list) && list.length > 0 && list.every((item): item is string => typeof item === 'string' && item !== '')) return list;
  ctx.issues.push({ code: 'custom', input: value, message: 'expected a service name or a non-empty list of service names' });
  return z.NEVER;
});

const match = orEmpty(
  strictObject({
    service: services.optional(),
    resource: attributeMap().optional(),
    attributes: attributeMap().optional(),
    error: z.boolean().optional(),
  }),
).transform((parsed): RouteMatch => compact({ service: parsed.service, resource: parsed.resource, attributes: parsed.attributes, error: parsed.error }));

const route = strictObject({
  signals: z.array(z.enum(SIGNAL_NAMES)).min(1),
  match: match.optional(),
  to: z.array(z.string().min(1)).min(1),
}).transform((parsed): ResolvedRoute => {
  const resolved: ResolvedRoute = { signals: [...new Set(parsed.signals)], to: parsed.to };
  // An empty match matches everything: resolve it to none, so consumers test one thing.
  if (parsed.match !== undefined && Object.keys(parsed.match).length > 0) resolved.match = parsed.match;
  return resolved;
});

/** `routes`: required, at least one; every matching route gets a copy. */
export const routesSchema = z.array(route).min(1);
