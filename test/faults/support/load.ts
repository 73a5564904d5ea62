import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeRequest } from '../../../src/otlp/codec.ts';
import type { FaultyDestination } from './destination.ts';

export interface Req {
  path: '/v1/traces' | '/v1/logs';
  body: Uint8Array;
  ids: string[];
  /** Sent once whatever happens (not retried): a refusal then means it must never be delivered. */
  oneShot: boolean;
}

const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });

export function spansRequest(n: number, service = 'chaos'): Req {
  const traceId = randomBytes(16);
  const ids: string[] = [];
  const spans = Array.from({ length: n }, (_, i) => {
    const spanId = randomBytes(8);
    ids.push(spanId.toString('hex'));
    return { traceId, spanId, name: `op ${i}`, kind: 2, startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_001_000_000n, attributes: [kv('http.route', '/api/x')] };
  });
  const body = encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [kv('service.name', service)] }, scopeSpans: [{ scope: { name: 'load' }, spans }] }] });
  return { path: '/v1/traces', body, ids, oneShot: false };
}

export function logsRequest(n: number, service = 'chaos'): Req {
  const ids = Array.from({ length: n }, () => `log-${randomBytes(8).toString('hex')}`);
  const body = encodeRequest('logs', {
    resourceLogs: [{ resource: { attributes: [kv('service.name', service)] }, scopeLogs: [{ scope: { name: 'load' }, logRecords: ids.map((id) => ({ timeUnixNano: 1_700_000_000_000_000_000n, severityNumber: 9, body: { stringValue: id } })) }] }],
  });
  return { path: '/v1/logs', body, ids, oneShot: false };
}

/** What the clients were told, to be checked against what the destination got. */
export class Oracle {
  readonly sent = new Set<string>();
  readonly acked = new Set<string>();
  /** Items of one-shot requests the relay explicitly refused (an HTTP answer, not a broken connection). */
  readonly refused = new Set<string>();
  /** Requests answered 200, 429, 503, and that failed in the network (a relay killed mid-request). */
  readonly answers = { ok: 0, refused: 0, broken: 0 };

  check(dest: FaultyDestination): { missing: string[]; phantom: string[]; refusedButDelivered: string[]; duplicates: number; delivered: number } {
    const got = (id: string) => dest.spans.has(id) || dest.logs.has(id);
    return {
      missing: [...this.acked].filter((id) => !got(id)),
      phantom: [...dest.spans.keys(), ...dest.logs.keys()].filter((id) => !this.sent.has(id)),
      refusedButDelivered: [...this.refused].filter(got),
      duplicates: dest.duplicates,
      delivered: dest.spans.size + dest.logs.size,
    };
  }
}

/**
 * Clients posting OTLP/HTTP like an SDK: a request that is refused (429/503) or fails in the network is
 * kept and sent again (to whichever relay is up), until it is acknowledged; one-shot requests are not.
 */
export class LoadClient {
  url = '';
  readonly pending: Req[] = [];
  readonly #oracle: Oracle;
  readonly #random: () => number;
  readonly #opts: { concurrency: number; maxItems: number; oneShotShare: number; logShare: number };
  #generating = false;
  #running = false;
  #workers: Promise<void>[] = [];
  #inFlight = 0;

  constructor(oracle: Oracle, random: () => number, opts: Partial<LoadClient['opts']> = {}) {
    this.#oracle = oracle;
    this.#random = random;
    this.#opts = { concurrency: 4, maxItems: 20, oneShotShare: 0.2, logShare: 0.3, ...opts };
  }

  get opts(): { concurrency: number; maxItems: number; oneShotShare: number; logShare: number } {
    return this.#opts;
  }

  /** Starts the clients; they make new requests until pause(). */
  start(): void {
    this.#generating = true;
    if (this.#running) return;
    this.#running = true;
    this.#workers = Array.from({ length: this.#opts.concurrency }, () => this.#work());
  }

  /** Stops making new requests; pending ones keep being retried. */
  pause(): void {
    this.#generating = false;
  }

  /** Everything sent has an answer (acknowledged, or a one-shot that got one). */
  get settled(): boolean {
    return this.pending.length === 0 && this.#inFlight === 0;
  }

  async stop(): Promise<void> {
    this.#generating = false;
    this.#running = false;
    await Promise.all(this.#workers);
  }

  #make(): Req {
    const n = 1 + Math.floor(this.#random() * this.#opts.maxItems);
    const req = this.#random() < this.#opts.logShare ? logsRequest(n) : spansRequest(n);
    req.oneShot = this.#random() < this.#opts.oneShotShare;
    for (const id of req.ids) this.#oracle.sent.add(id);
    return req;
  }

  async #work(): Promise<void> {
    while (this.#running) {
      const req = this.pending.shift() ?? (this.#generating ? this.#make() : undefined);
      if (!req || !this.url) {
        if (req) this.pending.push(req);
        await sleep(5);
        continue;
      }
      this.#inFlight++;
      try {
        const res = await fetch(this.url + req.path, { method: 'POST', body: req.body, headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status === 200) {
          this.#oracle.answers.ok++;
          for (const id of req.ids) this.#oracle.acked.add(id);
        } else {
          this.#oracle.answers.refused++;
          if (req.oneShot) for (const id of req.ids) this.#oracle.refused.add(id);
          else this.pending.push(req);
          await sleep(10 + this.#random() * 20); // a short Retry-After, so the test stays quick
        }
      } catch {
        this.#oracle.answers.broken++;
        if (!req.oneShot) this.pending.push(req);
        await sleep(5);
      } finally {
        this.#inFlight--;
      }
    }
  }
}
