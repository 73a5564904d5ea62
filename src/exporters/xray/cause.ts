/**
 * `cause` and the error / fault / throttle flags
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-errors).
 */
import type { Span } from '../../otlp/types.ts';
import { attrMap } from '../../otlp/attributes.ts';
import { parseStackTrace, type ParsedException } from '../../stacktrace/index.ts';
import type { XrayException, XrayStackFrame } from './document.ts';
import { K, stringOf, type SpanAttrs } from './values.ts';

const STATUS_ERROR = 2;
const EXCEPTION_EVENT = 'exception';

/** 32-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/): cheap, stable, well spread. */
function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A stable exception id (16 hex digits): derived from the span id and the exception's place, so a
 * retried batch writes the same document again rather than a near-duplicate. Ids only need to be
 * distinct within one span's document.
 */
export function exceptionId(spanIdHex: string, event: number, depth: number): string {
  const key = `${spanIdHex}/${event}/${depth}`;
  return fnv1a(key, 0x811c9dc5).toString(16).padStart(8, '0') + fnv1a(key, 0x050c5d1f).toString(16).padStart(8, '0');
}

function frames(parsed: ParsedException): XrayStackFrame[] {
  return parsed.frames.map((f) => {
    const out: XrayStackFrame = {};
    if (f.path !== undefined) out.path = f.path;
    if (f.line !== undefined) out.line = f.line;
    if (f.label !== undefined) out.label = f.label;
    return out;
  });
}

function fromParsed(id: string, parsed: ParsedException | undefined, type: string | undefined, message: string | undefined, remote: boolean): XrayException {
  const e: XrayException = { id };
  const t = type ?? parsed?.type;
  const m = message ?? parsed?.message;
  if (t !== undefined && t !== '') e.type = t;
  if (m !== undefined && m !== '') e.message = m;
  if (remote) e.remote = true;
  if (parsed?.omittedFrames) e.truncated = parsed.omittedFrames;
  if (parsed && parsed.frames.length > 0) e.stack = frames(parsed);
  return e;
}

/**
 * One exception (and its chained causes) per `exception` event, frames parsed by the SDK's
 * language; a status ERROR without such events gives one exception from the status message.
 */
export function causeOf(span: Span, attrs: SpanAttrs, spanIdHex: string, language: string | undefined, remote: boolean): { exceptions: XrayException[] } | undefined {
  let exceptions: XrayException[] | undefined;
  for (let index = 0; index < span.events.length; index++) {
    const event = span.events[index]!;
    if (event.name !== EXCEPTION_EVENT) continue;
    const ea = attrMap(event.attributes);
    const text = stringOf(ea, 'exception.stacktrace');
    const parsed = text === undefined ? undefined : parseStackTrace(text, language);
    let depth = 0;
    let e = fromParsed(exceptionId(spanIdHex, index, depth), parsed, stringOf(ea, 'exception.type'), stringOf(ea, 'exception.message'), remote);
    (exceptions ??= []).push(e);
    for (let c = parsed?.cause; c; c = c.cause) {
      const next = fromParsed(exceptionId(spanIdHex, index, ++depth), c, undefined, undefined, remote);
      e.cause = next.id;
      exceptions.push(next);
      e = next;
    }
  }
  if (exceptions) return { exceptions };
  if (span.status?.code !== STATUS_ERROR) return undefined;
  const statusText = attrs.string(K['http.status_text']);
  const message = span.status.message !== '' ? span.status.message : statusText;
  if (message === undefined) return undefined;
  if (statusText !== undefined) attrs.use(K['http.status_text']);
  const only: XrayException = { id: exceptionId(spanIdHex, -1, 0), message };
  if (remote) only.remote = true;
  return { exceptions: [only] };
}

/** HTTP 4xx → error (429 also throttle), 5xx → fault; otherwise status ERROR → fault. */
export function flagsOf(httpStatus: number | undefined, statusCode: number | undefined): { error?: true; fault?: true; throttle?: true } {
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus <= 499) return httpStatus === 429 ? { error: true, throttle: true } : { error: true };
  if (httpStatus !== undefined && httpStatus >= 500 && httpStatus <= 599) return { fault: true };
  return statusCode === STATUS_ERROR ? { fault: true } : {};
}
