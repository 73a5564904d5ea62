import { decodeRequest, encodeRequest } from '../otlp/codec.ts';
import { resourceAttributes } from '../otlp/attributes.ts';
import type { Signal } from '../otlp/signal.ts';
import type { ResourceSlice, ScanResult } from '../otlp/wire.ts';
import type { Payload } from '../pipeline/types.ts';
import { filterDecoded } from './filter.ts';
import { isResourceLevel, resourceMatches, type MatchSpec } from './match.ts';
import { filterWire, wireFilterable } from './wire-filter.ts';

export interface RouteSpec {
  signals: readonly Signal[];
  match?: MatchSpec;
  to: readonly string[];
}

/** One destination of a signal: the union (OR) of every route that sends the signal there. */
interface Target<T> {
  dest: T;
  /** undefined: everything; otherwise keep items that satisfy any spec. */
  specs: MatchSpec[] | undefined;
}

/**
 * Decides, per request, what each destination gets. It works on the cheapest view that answers the
 * routes: the raw bytes when nothing is matched, byte slices per resource when only resource
 * attributes are matched, and one decode shared by every destination when item attributes are.
 * A destination named by several matching routes gets each item once.
 */
export class Router<T> {
  readonly #targets = new Map<Signal, Target<T>[]>();

  constructor(routes: readonly RouteSpec[], lookup: (name: string) => T) {
    for (const r of routes) {
      for (const signal of r.signals) {
        let list = this.#targets.get(signal);
        if (!list) this.#targets.set(signal, (list = []));
        for (const name of r.to) {
          const dest = lookup(name);
          let t = list.find((x) => x.dest === dest);
          if (!t) list.push((t = { dest, specs: [] }));
          if (!r.match || Object.keys(r.match).length === 0) t.specs = undefined;
          else t.specs?.push(r.match);
        }
      }
    }
  }

  hasRoutes(signal: Signal): boolean {
    return (this.#targets.get(signal)?.length ?? 0) > 0;
  }

  /** The destinations that get every item of the signal, whatever the request holds. */
  unconditional(signal: Signal): T[] {
    return (this.#targets.get(signal) ?? []).filter((t) => !t.specs).map((t) => t.dest);
  }

  /** `gzip`: the sender's gzip of exactly `bytes`, attached to the payloads that carry `bytes` unchanged. */
  plan(signal: Signal, bytes: Uint8Array, scan: ScanResult, gzip?: Uint8Array): Array<{ dest: T; payload: Payload }> {
    const targets = this.#targets.get(signal);
    if (!targets || scan.items === 0) return [];
    const out: Array<{ dest: T; payload: Payload }> = [];
    let attrsBySlice: Array<(k: string) => unknown> | undefined;
    let decoded: Record<string, unknown> | undefined;
    for (const t of targets) {
      if (!t.specs) {
        out.push({ dest: t.dest, payload: gzip ? { signal, bytes, items: scan.items, gzip } : { signal, bytes, items: scan.items } });
        continue;
      }
      const specs = t.specs;
      if (specs.every(isResourceLevel)) {
        attrsBySlice ??= scan.resources.map((slice) => lookupFor(bytes, slice));
        const keep = scan.resources.filter((_, i) => specs.some((m) => resourceMatches(m, attrsBySlice![i]!)));
        const payload = sliceConcat(signal, bytes, scan.resources, keep, gzip);
        if (payload) out.push({ dest: t.dest, payload });
        continue;
      }
      if ((signal === 'traces' || signal === 'logs') && specs.every(wireFilterable)) {
        // `error` matches read a few fields per item: no decode, kept items copied as bytes.
        const f = filterWire(signal, bytes, scan.resources, specs);
        if (f.items > 0) out.push({ dest: t.dest, payload: f.bytes === bytes && gzip ? { signal, bytes, items: f.items, gzip } : { signal, bytes: f.bytes, items: f.items } });
        continue;
      }
      decoded ??= decodeRequest(signal, bytes) as Record<string, unknown>;
      const filtered = filterDecoded(signal, decoded, specs);
      if (filtered.items > 0) out.push({ dest: t.dest, payload: { signal, bytes: encodeRequest(signal, filtered.request), items: filtered.items } });
    }
    return out;
  }
}

function lookupFor(bytes: Uint8Array, slice: ResourceSlice): (k: string) => unknown {
  const attrs = resourceAttributes(bytes, slice);
  return (k) => attrs[k];
}

function sliceConcat(signal: Signal, bytes: Uint8Array, all: readonly ResourceSlice[], keep: readonly ResourceSlice[], gzip: Uint8Array | undefined): Payload | undefined {
  if (keep.length === 0) return undefined;
  const items = keep.reduce((s, r) => s + r.items, 0);
  if (keep.length === all.length) return gzip ? { signal, bytes, items, gzip } : { signal, bytes, items };
  const parts = keep.map((r) => bytes.subarray(r.start, r.end));
  return { signal, bytes: Buffer.concat(parts), items };
}
