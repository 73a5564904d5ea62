/** What one destination check found, and the hints shared by several checks. */

export interface CheckResult {
  exporter: string;
  type: string;
  outcome: 'ok' | 'failed' | 'skipped';
  /** One line: what was checked and what came back. */
  summary: string;
  /** Further facts worth printing (team, region, account, …). */
  details: string[];
  /** The likely cause and the fix, when it failed. */
  hint?: string;
}

/** A path an OTLP SDK or exporter appends itself, found in a configured base URL. */
export function doubledPathHint(endpoint: string | undefined): string | undefined {
  if (!endpoint || !URL.canParse(endpoint)) return undefined;
  const path = new URL(endpoint).pathname;
  const m = /\/v1\/(traces|logs|metrics)/.exec(path);
  if (m) return `the endpoint ends in ${m[0]}: give the base URL only; the path is appended for each request, so it would be ${m[0]}${m[0]} or another wrong path`;
  if (path !== '/' && path !== '') return `the endpoint has a path (${path}): give the base URL only (scheme, host and port)`;
  return undefined;
}

/** The useful words of a network failure, and what usually causes it. */
export function networkHint(err: unknown, endpoint: string): { text: string; hint: string } | undefined {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string; name?: string };
  const code = e.code ?? e.cause?.code ?? '';
  const host = URL.canParse(endpoint) ? new URL(endpoint).host : endpoint;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { text: `${host} does not resolve (${code})`, hint: `check the host in the endpoint (${endpoint}) for typos, and that this machine has DNS` };
    case 'ECONNREFUSED':
      return { text: `nothing listens at ${host} (ECONNREFUSED)`, hint: `check the endpoint's host and port (${endpoint}); a local fake or proxy may not be running` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { text: `${host} closed the connection (${code})`, hint: 'an http:// endpoint given for an https:// service, or a proxy in between, is the usual cause' };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { text: `no answer from ${host} in time (${code})`, hint: 'a firewall or a proxy that drops the connection; check HTTPS_PROXY and outbound access' };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { text: `TLS certificate problem with ${host} (${code})`, hint: 'a TLS-intercepting proxy: give its CA to Node with NODE_EXTRA_CA_CERTS=/path/to/ca.pem' };
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return { text: `no answer from ${host} in time`, hint: 'a firewall or proxy dropping the connection, or a very slow network' };
  return undefined;
}
