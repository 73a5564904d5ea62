/** What an AWS SDK v3 client hands its http handler, for tests of request bodies and signing. */

export interface Sent {
  body: unknown;
  headers: Record<string, string>;
}

/** The part of an SDK v3 client that takes middleware (any service's client). */
interface WithMiddleware {
  middlewareStack: {
    add(mw: (next: (args: { request: unknown }) => Promise<unknown>) => (args: { request: unknown }) => Promise<unknown>, options: { step: 'deserialize'; name: string }): void;
  };
}

/** Records each request as signed and handed to the http handler. */
export function capture(client: object): Sent[] {
  const sent: Sent[] = [];
  (client as WithMiddleware).middlewareStack.add(
    (next) => async (args) => {
      const r = args.request as Sent;
      sent.push({ body: r.body, headers: { ...r.headers } });
      return next(args);
    },
    { step: 'deserialize', name: 'captureSent' },
  );
  return sent;
}

/** A captured body as UTF-8 text, read as bytes: Buffer.from(adapter) would call the SDK body's valueOf, which warns. */
export function text(body: unknown): string {
  const u = body as Uint8Array;
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('utf8');
}
