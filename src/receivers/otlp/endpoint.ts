/** Splits a `host:port` endpoint (IPv6 in brackets) for `listen`. */
export function parseHostPort(endpoint: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(endpoint.trim());
  if (!m) throw new Error(`expected host:port, got "${endpoint}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port ${port} is out of range in "${endpoint}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
