/** Zod building blocks shared by every config section: strict objects, endpoints, maps. */
import { z } from 'zod';

/** Marks the issue raised for a key the schema does not know; carries the known keys for "did you mean". */
export interface UnknownKeyParams {
  unknownKeyOf: string[];
}

/** An object that rejects unknown keys, one issue per key at the key's own path. */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const params: UnknownKeyParams = { unknownKeyOf: Object.keys(shape) };
  // A catchall that always fails (rather than .strict()) reports each unknown key at its own path.
  return z.object(shape).catchall(z.custom(() => false, { params, error: 'unknown key' }));
}

/** Lets an empty YAML value (`grpc:`) mean an empty mapping, i.e. all defaults. */
export function orEmpty<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? {} : value), schema);
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'an empty value' : String(value);
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])?$/;

/** `"0.0.0.0:4318"` → `{ host: "0.0.0.0", port: 4318 }`; `"[::1]:4317"` → host `::1`; `":4318"` → host `""` (every interface). */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon === -1) return undefined;
  const host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (!HOST.test(host) || !/^\d{1,5}$/.test(port) || Number(port) > 65_535) return undefined;
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(port) };
}

/** A listen address `host:port` (see splitHostPort), resolved to its trimmed text. */
export function hostPort() {
  return z.unknown().transform((value, ctx): string => {
    const text = typeof value === 'string' ? value.trim() : undefined;
    if (text === undefined || splitHostPort(text) === undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: `expected host:port (e.g. "0.0.0.0:4318"), got ${shown(value)}` });
      return z.NEVER;
    }
    return text;
  });
}

/** A block whose keys all have defaults: absent or empty (`retry:`) means every default. */
export function defaulted<T extends z.ZodType>(schema: T) {
  return orEmpty(schema).prefault({});
}

/** An absolute http(s) URL. Its text is not echoed in messages: a URL can carry credentials. */
export function httpUrl() {
  return z.string().superRefine((value, ctx) => {
    if (!URL.canParse(value)) ctx.addIssue({ code: 'custom', message: 'expected an absolute http(s) URL such as "https://example.com"' });
    else if (!['http:', 'https:'].includes(new URL(value).protocol)) ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got scheme "${new URL(value).protocol.slice(0, -1)}"` });
  });
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Extra HTTP headers: names must be valid header names, values strings. */
export function headerMap() {
  return z.record(
    z.string().regex(HEADER_NAME, { error: 'is not a valid HTTP header name' }),
    z.string(),
  );
}

/** Attribute equality conditions: `key: string | number | boolean`. */
export function attributeMap() {
  return z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }));
}

/** Drops keys whose value is undefined, so resolved objects only hold what is set. */
export function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

