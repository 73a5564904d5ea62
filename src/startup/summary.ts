/**
 * The start-up summary (what listens, what is exported where, by which routes) and the warnings about
 * routes that can never match or change nothing: said once at start and after each reload.
 */
import type { ExporterConfig, ResolvedConfig, ResolvedRoute } from '../config/types.ts';
import type { Signal } from '../otlp/signal.ts';

/** Where an exporter sends, for people: a URL, a region, a file. Never a credential. */
export function destinationOf(ex: ExporterConfig): string {
  switch (ex.type) {
    case 'honeycomb':
      return ex.endpoint;
    case 'debug':
      return 'the console (stdout)';
    case 'file':
      return ex.path;
    case 'xray':
      return ex.endpoint ?? `AWS X-Ray, region ${ex.region ?? 'from the AWS chain'}`;
    case 'cloudwatch_logs':
      return ex.endpoint ?? `CloudWatch Logs, region ${ex.region ?? 'from the AWS chain'}${ex.logGroup ? `, group ${ex.logGroup}` : ''}`;
    case 'rollbar':
      return ex.endpoint ?? 'Rollbar';
  }
}

/** A route's match in one short phrase. */
export function describeMatch(route: ResolvedRoute): string {
  const m = route.match;
  if (!m) return 'everything';
  const parts: string[] = [];
  if (m.service) parts.push(`service ${m.service.join(' or ')}`);
  for (const [k, v] of Object.entries(m.resource ?? {})) parts.push(`resource ${k}=${String(v)}`);
  for (const [k, v] of Object.entries(m.attributes ?? {})) parts.push(`${k}=${String(v)}`);
  if (m.error !== undefined) parts.push(m.error ? 'errors only' : 'non-errors only');
  return parts.join(', ');
}

/** The signals the configured receivers can take at all. */
function receivable(config: ResolvedConfig): Set<Signal> {
  const out = new Set<Signal>();
  if (config.receivers.otlp?.grpc || config.receivers.otlp?.http) for (const s of ['traces', 'logs', 'metrics'] as const) out.add(s);
  if (config.receivers.xray) out.add('traces');
  return out;
}

/** Routes (or parts of routes) that can never match, or that send nothing an earlier route does not already send. */
export function routeWarnings(config: ResolvedConfig): string[] {
  const warnings: string[] = [];
  const canReceive = receivable(config);
  config.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    const m = route.match;
    for (const signal of route.signals) {
      if (!canReceive.has(signal)) warnings.push(`${at}: never matches ${signal}: no configured receiver takes ${signal} (add receivers.otlp)`);
    }
    if (m?.error === true && route.signals.includes('metrics')) {
      warnings.push(`${at}: match.error: true never matches metrics (data points carry no error status); route metrics separately`);
    }
    const named = m?.resource?.['service.name'];
    if (m?.service && named !== undefined && !m.service.includes(String(named))) {
      warnings.push(`${at}: never matches: match.service (${m.service.join(', ')}) and match.resource service.name (${String(named)}) cannot both hold`);
    }
    // A destination named by several matching routes gets each item once: an earlier catch-all route makes this one redundant.
    for (const signal of route.signals) {
      const redundant = route.to.filter((name) => config.routes.slice(0, i).some((earlier) => !earlier.match && earlier.signals.includes(signal) && earlier.to.includes(name)));
      if (m && redundant.length > 0 && redundant.length === route.to.length) {
        warnings.push(`${at}: changes nothing for ${signal}: an earlier route already sends every ${signal === 'logs' ? 'log record' : signal === 'metrics' ? 'data point' : 'span'} to ${redundant.join(', ')}`);
      }
    }
  });
  return warnings;
}

export interface ListeningReceiver {
  name: string;
  endpoint: string;
}

/** One line a developer reads at start: receivers listening, exporters and routes active, the admin URL. */
export function summaryLine(config: ResolvedConfig, receivers: readonly ListeningReceiver[], admin: string | undefined): string {
  const rx = receivers.length > 0 ? receivers.map((r) => `${r.name} on ${r.endpoint}`).join(', ') : 'none';
  const ex = Object.values(config.exporters).map((e) => `${e.name} (${e.type} → ${destinationOf(e)})`).join(', ');
  const routes = config.routes.map((r) => `${r.signals.join('+')} [${describeMatch(r)}] → ${r.to.join(', ')}`).join('; ');
  const adminText = admin ? `; status page and /metrics on http://${admin}/` : '';
  return `receivers: ${rx}; exporters: ${ex}; routes: ${routes}${adminText}`;
}
