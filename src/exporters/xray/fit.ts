/**
 * Keeps a document within X-Ray's 64 KB: trims metadata, then annotations, then stack frames, then
 * long strings, largest first, and records what it trimmed in `metadata.otlp_relay`.
 */
import type { JsonValue, SegmentDocument } from './document.ts';
import { MAX_DOCUMENT_BYTES } from './limits.ts';

export type TrimReason = 'metadata_trimmed' | 'annotations_trimmed' | 'stack_trimmed' | 'strings_trimmed';

/** The metadata namespace that says what was trimmed. */
export const MARKER_NAMESPACE = 'otlp_relay';
/** Room kept for the marker itself while trimming. */
const MARKER_RESERVE = 512;
/** Strings longer than this are cut in the last step (exception messages, SQL, URLs). */
export const LONG_STRING_CHARS = 1024;

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** UTF-8 length of JSON text; most documents are far under the limit and skip the count (a UTF-16 unit is at most 3 bytes). */
function within(json: string, limit: number): boolean {
  return json.length * 3 <= limit || Buffer.byteLength(json, 'utf8') <= limit;
}

/** Removes entries largest first until about `excess` bytes are gone; returns how many went. */
function dropLargest<T>(items: T[], sizeOf: (item: T) => number, remove: (item: T) => void, excess: number): number {
  const sized = items.map((item) => ({ item, size: sizeOf(item) })).sort((a, b) => b.size - a.size);
  let freed = 0;
  let n = 0;
  for (const { item, size } of sized) {
    if (freed >= excess) break;
    remove(item);
    freed += size;
    n++;
  }
  return n;
}

function cut(text: string): string {
  return `${Array.from(text).slice(0, LONG_STRING_CHARS).join('')}…[trimmed]`;
}

/**
 * The document as JSON within the limit, or undefined when even a trimmed document is too large.
 * Mutates `doc` while trimming; `trimmed` receives each step that removed something.
 */
export function fitDocument(doc: SegmentDocument, trimmed: (reason: TrimReason) => void, limit = MAX_DOCUMENT_BYTES): string | undefined {
  let json = JSON.stringify(doc);
  if (within(json, limit)) return json;
  const target = limit - MARKER_RESERVE;
  const removed: Record<string, number> = {};
  // The document's size, measured again only after a step changed it.
  let size: number | undefined = Buffer.byteLength(json, 'utf8');
  const changed = (): void => {
    size = undefined;
  };
  const over = (): number => (size ??= bytes(doc)) - target;
  const steps: Array<[TrimReason, () => number]> = [
    [
      'metadata_trimmed',
      () => {
        const entries: Array<[string, string]> = [];
        for (const [ns, values] of Object.entries(doc.metadata ?? {})) for (const key of Object.keys(values)) entries.push([ns, key]);
        return dropLargest(
          entries,
          ([ns, key]) => bytes(key) + bytes(doc.metadata?.[ns]?.[key] ?? null) + 2,
          ([ns, key]) => {
            const values = doc.metadata?.[ns];
            if (!values) return;
            delete values[key];
            if (Object.keys(values).length === 0) delete doc.metadata?.[ns];
          },
          over(),
        );
      },
    ],
    [
      'annotations_trimmed',
      () =>
        dropLargest(
          Object.keys(doc.annotations ?? {}),
          (key) => bytes(key) + bytes(doc.annotations?.[key] ?? null) + 2,
          (key) => {
            delete doc.annotations?.[key];
            if (doc.annotations && Object.keys(doc.annotations).length === 0) delete doc.annotations;
          },
          over(),
        ),
    ],
    [
      'stack_trimmed',
      () => {
        let n = 0;
        const exceptions = doc.cause?.exceptions ?? [];
        // Oldest frames (the end of each stack) go first, from the largest stack.
        while (over() > 0) {
          const largest = exceptions.reduce<(typeof exceptions)[number] | undefined>((best, e) => ((e.stack?.length ?? 0) > (best?.stack?.length ?? 0) ? e : best), undefined);
          if (!largest?.stack?.length) break;
          const drop = Math.max(1, Math.ceil(largest.stack.length / 4));
          largest.stack.splice(largest.stack.length - drop, drop);
          largest.truncated = (largest.truncated ?? 0) + drop;
          if (largest.stack.length === 0) delete largest.stack;
          changed();
          n += drop;
        }
        return n;
      },
    ],
    [
      'strings_trimmed',
      () => {
        let n = 0;
        const trimString = <T extends object>(holder: T | undefined, key: keyof T): void => {
          const v = holder?.[key];
          if (holder && typeof v === 'string' && v.length > LONG_STRING_CHARS) {
            (holder as Record<keyof T, unknown>)[key] = cut(v);
            n++;
          }
        };
        for (const e of doc.cause?.exceptions ?? []) {
          trimString(e, 'message');
          trimString(e, 'type');
        }
        trimString(doc.sql, 'sanitized_query');
        trimString(doc.sql, 'url');
        trimString(doc.http?.request, 'url');
        trimString(doc.http?.request, 'user_agent');
        for (const link of doc.links ?? []) {
          if (link.attributes && bytes(link.attributes) > LONG_STRING_CHARS) {
            delete link.attributes;
            n++;
          }
        }
        return n;
      },
    ],
  ];
  for (const [reason, step] of steps) {
    if (over() <= 0) break;
    // Largest-first removal estimates sizes; a second pass catches what the estimate missed.
    let n = 0;
    for (let pass = 0; pass < 3 && over() > 0; pass++) {
      const got = step();
      n += got;
      if (got === 0) break;
      changed();
    }
    if (n > 0) {
      removed[reason] = n;
      trimmed(reason);
    }
  }
  if (Object.keys(removed).length > 0) {
    const marker: Record<string, JsonValue> = { trimmed_to_fit_64kb: removed };
    doc.metadata = { ...doc.metadata, [MARKER_NAMESPACE]: marker };
  }
  json = JSON.stringify(doc);
  return within(json, limit) ? json : undefined;
}
