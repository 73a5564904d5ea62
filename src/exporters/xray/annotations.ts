/**
 * Annotation keys and the per-trace annotation budget.
 *
 * Key rule (stable, documented in docs/exporters/xray.md): every character other than ASCII letters,
 * digits and `_` (and `.`, unless `annotation_key_dots: underscore`) becomes `_`; keys are cut to 500
 * characters. So `http.route` stays `http.route` (or becomes `http_route`), `app-tier` becomes `app_tier`.
 */
import { MAX_ANNOTATION_KEY_CHARS, MAX_ANNOTATIONS_PER_TRACE } from './limits.ts';

export type KeyDots = 'keep' | 'underscore';

export function annotationKey(raw: string, dots: KeyDots): string {
  const pattern = dots === 'keep' ? /[^A-Za-z0-9_.]/gu : /[^A-Za-z0-9_]/gu;
  // Code points, not UTF-16 units, so one emoji becomes one "_".
  return Array.from(raw, (ch) => ch.replace(pattern, '_'))
    .join('')
    .slice(0, MAX_ANNOTATION_KEY_CHARS);
}

/** How many traces the budget remembers; the least recently used are forgotten first. */
export const BUDGET_TRACES = 10_000;

/**
 * X-Ray indexes at most 50 annotations per trace. The budget counts distinct keys per trace id
 * across every document the exporter sends (a trace's spans arrive over many batches), remembering
 * a bounded number of recent traces.
 */
export class AnnotationBudget {
  readonly #traces = new Map<string, Set<string>>();
  readonly #maxTraces: number;
  readonly #perTrace: number;

  constructor(maxTraces = BUDGET_TRACES, perTrace = MAX_ANNOTATIONS_PER_TRACE) {
    this.#maxTraces = maxTraces;
    this.#perTrace = perTrace;
  }

  /** True when `key` may be an annotation in `traceId`: already one there, or within the budget (and now counted). */
  admit(traceId: string, key: string): boolean {
    let keys = this.#traces.get(traceId);
    if (keys) {
      this.#traces.delete(traceId); // re-insert: most recently used last
    } else {
      keys = new Set();
      if (this.#traces.size >= this.#maxTraces) {
        const oldest = this.#traces.keys().next();
        if (!oldest.done) this.#traces.delete(oldest.value);
      }
    }
    this.#traces.set(traceId, keys);
    if (keys.has(key)) return true;
    if (keys.size >= this.#perTrace) return false;
    keys.add(key);
    return true;
  }
}
