/**
 * Bulk AWS request bodies (PutTraceSegments, PutLogEvents) by JSON.stringify instead of the SDK's JavaScript JSON writer, which escapes one character at a time (docs/PERFORMANCE.md).
 * The body is a Buffer: content-length, the SigV4 payload hash and node's http take its bytes as they are, where a string is encoded to UTF-8 by each.
 */

/** The part of the SDK's protocol object (a client's `config.protocol`) that builds a request. */
interface RequestSerializer {
  serializeRequest(operation: unknown, input: unknown, context: unknown): Promise<{ body?: unknown }>;
}

/** How one operation's body is written. */
export interface JsonBody {
  /** The input's bulky list member: the SDK builds the request from the input with it empty. */
  bulk: string;
  /** The body's JSON, as the SDK's writer would emit it; undefined when the input is not of the expected shape (the SDK's writer takes it then). */
  write(input: Record<string, unknown>): string | undefined;
}

/** Per protocol object (one per client): the operations whose bodies are ours. */
const BODIES = new WeakMap<object, Map<string, JsonBody>>();

/** Writes `operation`'s bodies with `body.write`; the SDK still builds, signs and sends the request, and writes every other body. */
export function fastJsonBody(client: { config: object }, operation: string, body: JsonBody): void {
  const protocol = (client.config as { protocol?: Partial<RequestSerializer> }).protocol;
  const original = protocol?.serializeRequest;
  if (protocol == null || typeof original !== 'function') return; // another SDK shape: keep its own writer
  const known = BODIES.get(protocol);
  if (known !== undefined) {
    known.set(operation, body); // wrapped once per client, whatever the operations: a chain of wrappers would cost a call each
    return;
  }
  const bodies = new Map([[operation, body]]);
  BODIES.set(protocol, bodies);
  protocol.serializeRequest = async (op: unknown, input: unknown, context: unknown) => {
    const name = (op as { name?: unknown } | null)?.name;
    const how = typeof name === 'string' && typeof input === 'object' && input !== null ? bodies.get(name) : undefined;
    const json = how?.write(input as Record<string, unknown>);
    if (how === undefined || json === undefined) return original.call(protocol, op, input, context);
    const request = await original.call(protocol, op, { ...(input as object), [how.bulk]: [] }, context);
    request.body = Buffer.from(json, 'utf8');
    return request;
  };
}

/** Whether every key of `o` with a value is one of `keys` (the SDK's writer leaves out members it does not know; JSON.stringify would not). */
export function onlyKeys(o: object, keys: readonly string[]): boolean {
  for (const k in o) {
    if (!keys.includes(k) && (o as Record<string, unknown>)[k] !== undefined) return false;
  }
  return true;
}
