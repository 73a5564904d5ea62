/**
 * `trace_url`: a link back to the trace, put in each item's `custom.trace_url`. Placeholders:
 * {trace_id} (32 hex), {span_id} (16 hex), {xray_trace_id} (1-XXXXXXXX-YYYY…, for the X-Ray console),
 * {service.name} and {environment}; values are URL-encoded.
 */

export interface TraceLinkValues {
  trace_id: string;
  span_id: string;
  xray_trace_id: string;
  'service.name': string;
  environment: string;
}

const PLACEHOLDERS: ReadonlySet<string> = new Set<keyof TraceLinkValues>(['trace_id', 'span_id', 'xray_trace_id', 'service.name', 'environment']);
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** What is wrong with a template, as config problems (empty when it is fine). */
export function checkTraceUrl(template: string): string[] {
  const problems: string[] = [];
  if (!/^https?:\/\/[^/]/.test(template)) problems.push('must start with http:// or https:// and a host');
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !PLACEHOLDERS.has(name));
  if (unknown.length > 0) problems.push(`has unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{${n}}`).join(', ')}; known: ${[...PLACEHOLDERS].map((n) => `{${n}}`).join(', ')}`);
  else if (!/\{(?:trace_id|xray_trace_id)\}/.test(template)) problems.push('names no trace: use {trace_id} or {xray_trace_id}');
  return problems;
}

/** The link for one item. Records without a trace id get no link (the caller checks). */
export function traceLink(template: string, values: TraceLinkValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (PLACEHOLDERS.has(name) ? encodeURIComponent(values[name as keyof TraceLinkValues]) : whole));
}
