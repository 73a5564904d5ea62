import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsSettings {
  allowedOrigins: readonly string[];
  allowedHeaders: readonly string[];
  maxAgeSeconds: number;
}

/** Compiles origins like `https://*.example.com` or `*` into one matcher (the collector's rules). */
export function originMatcher(origins: readonly string[]): (origin: string) => boolean {
  const patterns = origins.map((o) =>
    o === '*' ? /^.*$/ : new RegExp(`^${o.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('[^/]*')}$`, 'i'),
  );
  return (origin) => patterns.some((p) => p.test(origin));
}

/** Headers every OTLP browser exporter sends. */
const BASE_HEADERS = ['content-type', 'content-encoding', 'accept', 'x-requested-with'];

export class Cors {
  readonly #allowed: (origin: string) => boolean;
  readonly #headers: string;
  readonly #maxAge: string;

  constructor(s: CorsSettings) {
    this.#allowed = originMatcher(s.allowedOrigins);
    this.#headers = [...new Set([...BASE_HEADERS, ...s.allowedHeaders.map((h) => h.toLowerCase())])].join(', ');
    this.#maxAge = String(s.maxAgeSeconds);
  }

  /** Adds the CORS response headers for an allowed Origin; returns whether it was allowed. */
  apply(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (!origin || !this.#allowed(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    return true;
  }

  /** Answers a preflight: 204 with the allowed methods and headers, or 204 bare when the origin is not allowed. */
  preflight(req: IncomingMessage, res: ServerResponse): void {
    if (this.apply(req, res)) {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', this.#headers);
      res.setHeader('Access-Control-Max-Age', this.#maxAge);
    }
    res.writeHead(204).end();
  }
}
