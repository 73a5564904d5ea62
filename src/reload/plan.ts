/**
 * What a reload changes: pure comparison of the running config with the new one. Exporters whose
 * resolved settings are identical keep running untouched; the others are replaced, added or removed.
 */
import type { ResolvedConfig } from '../config/types.ts';

export interface ReloadPlan {
  kept: string[];
  /** Settings changed: a new runner takes over the old one's undelivered data. */
  replaced: string[];
  added: string[];
  /** No longer configured: the old runner drains what it holds to its destination, then stops. */
  removed: string[];
  receivers: { http: boolean; grpc: boolean };
  admin: boolean;
  /** service.memory_limiter changed: the new limits apply from the next check. */
  memory: boolean;
  routes: boolean;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function planReload(from: ResolvedConfig, to: ResolvedConfig): ReloadPlan {
  const plan: ReloadPlan = { kept: [], replaced: [], added: [], removed: [], receivers: { http: false, grpc: false }, admin: false, memory: false, routes: false };
  for (const [name, ex] of Object.entries(to.exporters)) {
    const old = from.exporters[name];
    if (!old) plan.added.push(name);
    else if (same(old, ex)) plan.kept.push(name);
    else plan.replaced.push(name);
  }
  for (const name of Object.keys(from.exporters)) if (!(name in to.exporters)) plan.removed.push(name);
  plan.receivers.http = !same(from.receivers.otlp?.http, to.receivers.otlp?.http);
  plan.receivers.grpc = !same(from.receivers.otlp?.grpc, to.receivers.otlp?.grpc);
  plan.admin = !same(from.service.admin, to.service.admin);
  plan.memory = !same([from.service.memoryLimiter, from.service.memoryLimiterEnabled], [to.service.memoryLimiter, to.service.memoryLimiterEnabled]);
  plan.routes = !same(from.routes, to.routes);
  return plan;
}

/** One line saying what a reload did. */
export function describePlan(plan: ReloadPlan): string {
  const parts: string[] = [];
  if (plan.replaced.length) parts.push(`replaced ${plan.replaced.join(', ')} (queued data moved to the new settings)`);
  if (plan.added.length) parts.push(`added ${plan.added.join(', ')}`);
  if (plan.removed.length) parts.push(`removed ${plan.removed.join(', ')} (draining what they hold)`);
  if (plan.kept.length) parts.push(`kept ${plan.kept.join(', ')} running`);
  if (plan.routes) parts.push('routes changed');
  const rx = [plan.receivers.grpc ? 'otlp/grpc' : '', plan.receivers.http ? 'otlp/http' : ''].filter(Boolean);
  if (rx.length) parts.push(`restarted ${rx.join(', ')}`);
  if (plan.admin) parts.push('admin endpoint changed');
  if (plan.memory) parts.push('memory limiter changed');
  return parts.length > 0 ? parts.join('; ') : 'nothing changed';
}
