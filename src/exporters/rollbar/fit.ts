/**
 * Keeps an item within Rollbar's 128 KB, trimming in a fixed order, the least useful first: `custom`'s
 * attributes, then the code lines of frames, then the middle frames of each trace (the oldest and the
 * most recent calls stay), then long strings. Each step leaves a marker saying what was left out.
 */
import type { JsonValue, RollbarData, RollbarFrame, RollbarTrace } from './item.ts';
import { MAX_ITEM_BYTES } from './limits.ts';
import { cutChars } from './values.ts';

export type TrimStage = 'custom' | 'context' | 'frames' | 'strings';
export const TRIM_STAGES: readonly TrimStage[] = ['custom', 'context', 'frames', 'strings'];

/** `custom` keys kept when it is trimmed: what links the item to its trace. */
const KEPT_CUSTOM = new Set(['trace_id', 'span_id', 'parent_span_id', 'trace_url', 'service']);
/** The filename of the frame standing in for frames left out. */
export const MARKER_FILENAME = '[otlp-relay]';
/** Frames kept at each end of a trace, tried in turn until the item fits. */
const KEEP_FRAMES = [40, 15, 5, 2, 1];
/** Longest strings kept, tried in turn. */
const STRING_LIMITS = [4096, 1024, 256];

export interface Fitted {
  /** The request body: `{"data": …}`. */
  json: string;
  trimmed: TrimStage[];
}

function serialize(data: RollbarData): string {
  return JSON.stringify({ data });
}

function fits(json: string, maxBytes: number): boolean {
  // Characters bound bytes from below: most items are far under the limit and skip the exact count.
  return json.length * 3 <= maxBytes || Buffer.byteLength(json, 'utf8') <= maxBytes;
}

function traces(data: RollbarData): RollbarTrace[] {
  const body = data.body;
  if ('trace' in body) return [body.trace];
  if ('trace_chain' in body) return body.trace_chain;
  return [];
}

function trimCustom(data: RollbarData): void {
  const custom = data.custom;
  if (!custom) return;
  const kept: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(custom)) if (KEPT_CUSTOM.has(k)) kept[k] = v;
  kept['otlp_relay_trimmed'] = `attributes left out to fit Rollbar's ${MAX_ITEM_BYTES / 1024} KB item limit`;
  data.custom = kept;
}

function trimContext(data: RollbarData): boolean {
  let changed = false;
  for (const t of traces(data)) {
    for (const f of t.frames) {
      if (f.code !== undefined || f.context !== undefined) changed = true;
      delete f.code;
      delete f.context;
    }
  }
  return changed;
}

function markerFrame(left: number): RollbarFrame {
  return { filename: MARKER_FILENAME, method: `[${left} frames left out to fit Rollbar's ${MAX_ITEM_BYTES / 1024} KB item limit]` };
}

/** Keeps `keep` of the original frames at each end of every trace, a marker for the rest; false when no trace is that long. */
function trimFrames(data: RollbarData, original: readonly RollbarFrame[][], keep: number): boolean {
  let changed = false;
  traces(data).forEach((t, i) => {
    const frames = original[i] ?? t.frames;
    if (frames.length <= keep * 2 + 1) return;
    t.frames = [...frames.slice(0, keep), markerFrame(frames.length - keep * 2), ...frames.slice(-keep)];
    changed = true;
  });
  return changed;
}

function cutStrings(value: JsonValue, max: number): { value: JsonValue; changed: boolean } {
  if (typeof value === 'string') {
    const cut = cutChars(value, max);
    return cut === value ? { value, changed: false } : { value: `${cut}… [cut to fit Rollbar's ${MAX_ITEM_BYTES / 1024} KB item limit]`, changed: true };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = cutStrings(v, max);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = cutStrings(v, max);
      changed ||= r.changed;
      out[k] = r.value;
    }
    return { value: out, changed };
  }
  return { value, changed: false };
}

/** Cuts long strings in the body, request and custom (the short identifying fields are within their own limits already). */
function trimStrings(data: RollbarData, max: number): boolean {
  let changed = false;
  for (const key of ['body', 'request', 'custom'] as const) {
    const v = data[key];
    if (v === undefined) continue;
    const r = cutStrings(v as unknown as JsonValue, max);
    if (r.changed) {
      changed = true;
      (data as unknown as Record<string, JsonValue>)[key] = r.value; // same shape, strings shorter
    }
  }
  return changed;
}

/**
 * The item's request body within `maxBytes`, with the stages that were needed; undefined when even
 * the smallest form is larger (counted as too large by the caller). `data` is changed in place.
 */
export function fitItem(data: RollbarData, maxBytes = MAX_ITEM_BYTES): Fitted | undefined {
  const trimmed: TrimStage[] = [];
  let json = serialize(data);
  if (fits(json, maxBytes)) return { json, trimmed };

  if (data.custom) {
    trimCustom(data);
    trimmed.push('custom');
    json = serialize(data);
    if (fits(json, maxBytes)) return { json, trimmed };
  }
  if (trimContext(data)) {
    trimmed.push('context');
    json = serialize(data);
    if (fits(json, maxBytes)) return { json, trimmed };
  }
  const original = traces(data).map((t) => t.frames);
  for (const keep of KEEP_FRAMES) {
    if (!trimFrames(data, original, keep)) continue;
    if (!trimmed.includes('frames')) trimmed.push('frames');
    json = serialize(data);
    if (fits(json, maxBytes)) return { json, trimmed };
  }
  for (const max of STRING_LIMITS) {
    if (!trimStrings(data, max)) continue;
    if (!trimmed.includes('strings')) trimmed.push('strings');
    json = serialize(data);
    if (fits(json, maxBytes)) return { json, trimmed };
  }
  return undefined;
}
