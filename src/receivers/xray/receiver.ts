/**
 * The X-Ray daemon drop-in on one port: UDP datagrams carrying segment documents, and TCP (HTTP) for
 * the SDKs' sampling calls. Apps keep AWS_XRAY_DAEMON_ADDRESS=otlp-relay:2000.
 *
 * UDP cannot push back: each datagram is checked and queued at once, or counted and dropped. Nothing
 * is buffered here, so memory stays within the exporters' queue budgets whatever the sender does.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Logger } from '../../log.ts';
import { OnceLogger } from '../../log.ts';
import { frameDocument } from '../../exporters/xray/documents.ts';
import { encodeRequest } from '../../otlp/codec.ts';
import type { Payload } from '../../pipeline/types.ts';
import type { Stats } from '../../telemetry/stats.ts';
import type { ExportHandler } from '../otlp/handler.ts';
import { parseHostPort } from '../otlp/endpoint.ts';
import { readDatagram } from './datagram.ts';
import { MAX_SAMPLING_BODY_BYTES, readBounded, SAMPLING_PATHS, type SamplingService } from './sampling.ts';
import { segmentToSpans } from './translate.ts';

/** A queue that takes segment documents (an ExporterRunner). */
export interface DocumentQueue {
  readonly name: string;
  hasRoom(bytes: number): boolean;
  enqueue(p: Payload): void;
}

export interface XrayReceiverSettings {
  endpoint: string;
  /** Each document goes, as sent, to every one of these (all or none, like OTLP requests). */
  forward: readonly DocumentQueue[];
  /** Also route each segment as OTLP spans, except to the exporters named in `skip` (they have the document itself). */
  spans?: { handler: ExportHandler; skip: ReadonlySet<string> };
  sampling: SamplingService;
  /** Default MAX_DATAGRAM_BYTES. */
  maxDatagramBytes?: number;
  /** The memory limiter: while it refuses, datagrams are dropped unread (UDP cannot ask the SDK to wait). */
  memory?: { readonly refusing: boolean };
}

/** Receiver label of the counters for datagrams and documents; spans made from them count under `xray/spans`. */
export const RECEIVER = 'xray';
export const SPANS_RECEIVER = 'xray/spans';

/** Room in the kernel for bursts while the event loop is busy (Linux caps it at net.core.rmem_max); drops there are invisible to the relay. */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

/** Binding UDP and TCP to one free port can race another process; try a few ports. */
const BIND_ATTEMPTS = 5;

/** Sampling calls are tiny: a client slower than this is stuck, not busy (the OTLP receiver's defaults). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Longer than the SDKs' agents keep idle sockets, so they never reuse one the relay is closing. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export class XrayReceiver {
  readonly #s: XrayReceiverSettings;
  readonly #log: Logger;
  readonly #once: OnceLogger;
  readonly #stats: Stats;
  readonly #labels = { receiver: RECEIVER, signal: 'traces' } as const;
  #udp: dgram.Socket | undefined;
  #tcp: http.Server | undefined;

  constructor(s: XrayReceiverSettings, log: Logger, stats: Stats) {
    this.#s = s;
    this.#log = log.child({ receiver: RECEIVER });
    this.#once = new OnceLogger(this.#log);
    this.#stats = stats;
  }

  /** The UDP address (TCP listens on the same port). */
  get address(): AddressInfo | undefined {
    return this.#udp?.address();
  }

  async start(): Promise<void> {
    const { host, port } = parseHostPort(this.#s.endpoint);
    let lastError: unknown;
    for (let attempt = 0; attempt < (port === 0 ? BIND_ATTEMPTS : 1); attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
      udp.on('message', (msg, rinfo) => this.#datagram(msg, rinfo));
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address: host, port, exclusive: true }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        throw err;
      }
      udp.on('error', (err) => this.#log.error({ err }, `X-Ray UDP socket error: ${err.message}`));
      try {
        udp.setRecvBufferSize(RECV_BUFFER_BYTES);
      } catch {
        // best effort: some systems refuse a larger buffer; the default still works
      }
      try {
        this.#tcp = await this.#listenTcp(host, udp.address().port);
        this.#udp = udp;
        const a = udp.address();
        this.#log.info({ endpoint: `${a.address}:${a.port}` }, 'X-Ray daemon receiver listening (UDP segments, TCP sampling)');
        return;
      } catch (err) {
        udp.close();
        lastError = err;
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    throw lastError;
  }

  #listenTcp(host: string, port: number): Promise<http.Server> {
    const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => void this.#sampling(req, res));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  async shutdown(): Promise<void> {
    const udp = this.#udp;
    const tcp = this.#tcp;
    this.#udp = undefined;
    this.#tcp = undefined;
    await Promise.all([
      udp ? new Promise<void>((resolve) => udp.close(() => resolve())) : undefined,
      tcp
        ? new Promise<void>((resolve) => {
            tcp.close(() => resolve());
            tcp.closeIdleConnections();
          })
        : undefined,
    ]);
  }

  #refuse(reason: 'bad_header' | 'invalid' | 'too_large', text: string, from: dgram.RemoteInfo): void {
    this.#stats.inc('otlp_relay_receiver_refused_requests_total', { ...this.#labels, reason });
    this.#once.warn(
      `refused:${reason}`,
      { reason, from: `${from.address}:${from.port}` },
      `X-Ray datagram refused: ${text} (from ${from.address}:${from.port}; counted in otlp_relay_receiver_refused_requests_total{receiver="xray",reason="${reason}"}, said once)`,
    );
  }

  #datagram(msg: Buffer, from: dgram.RemoteInfo): void {
    try {
      if (this.#s.memory?.refusing) return this.#dropForMemory();
      const forward = this.#s.forward;
      const frameBytes = msg.byteLength + 4;
      const room = forward.every((q) => q.hasRoom(frameBytes));
      // Parsing is only needed to check the document for X-Ray or to make spans of it.
      const d = readDatagram(msg, { parse: room || this.#s.spans !== undefined, ...(this.#s.maxDatagramBytes === undefined ? {} : { maxBytes: this.#s.maxDatagramBytes }) });
      if (d.kind !== 'segment') return this.#refuse(d.kind, d.reason, from);
      if (forward.length > 0) {
        if (room) {
          const payload: Payload = { signal: 'traces', bytes: frameDocument(d.body), items: 1 };
          for (const q of forward) q.enqueue(payload);
          this.#stats.inc('otlp_relay_receiver_accepted_items_total', this.#labels);
        } else {
          const full = forward.find((q) => !q.hasRoom(frameBytes))?.name ?? '';
          this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...this.#labels, reason: 'queue_full' });
          this.#once.warn(
            'queue_full',
            { exporter: full },
            `the queue of exporter ${full} is full: UDP cannot ask the SDK to wait, so X-Ray segments are dropped until it drains (counted in otlp_relay_receiver_refused_items_total{receiver="xray",reason="queue_full"}; said once)`,
          );
        }
      }
      if (this.#s.spans) this.#toSpans(d.doc, this.#s.spans);
    } catch (err) {
      // Never let one datagram take the socket down.
      this.#once.warn(`datagram:error:${(err as Error).message}`, { err }, `an X-Ray datagram could not be handled: ${(err as Error).message} (said once)`);
    }
  }

  #dropForMemory(): void {
    this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...this.#labels, reason: 'memory_limit' });
    this.#once.warn(
      'memory_limit',
      {},
      'the relay is over its memory limit (service.memory_limiter): UDP cannot ask the SDK to wait, so X-Ray segments are dropped until memory falls (counted in otlp_relay_receiver_refused_items_total{receiver="xray",reason="memory_limit"}; said once)',
    );
  }

  #toSpans(doc: Record<string, unknown>, spans: NonNullable<XrayReceiverSettings['spans']>): void {
    const labels = { receiver: SPANS_RECEIVER, signal: 'traces' };
    let t: ReturnType<typeof segmentToSpans>;
    let bytes: Uint8Array;
    try {
      t = segmentToSpans(doc);
      bytes = t.kind === 'spans' ? encodeRequest('traces', t.request) : new Uint8Array();
    } catch (err) {
      // A document the translation cannot take (metadata nested too deep to print as JSON): the document itself was forwarded already.
      this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'invalid' });
      this.#once.warn('spans:error', {}, `an X-Ray segment could not become spans: ${(err as Error).message} (counted in otlp_relay_receiver_refused_items_total{receiver="xray/spans",reason="invalid"}; said once)`);
      return;
    }
    if (t.kind === 'in_progress') return;
    if (t.kind === 'invalid') {
      this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'invalid' });
      this.#once.warn('spans:invalid', { reason: t.reason }, `an X-Ray segment could not become spans: ${t.reason} (counted in otlp_relay_receiver_refused_items_total{receiver="xray/spans",reason="invalid"}; said once)`);
      return;
    }
    if (t.skipped > 0) {
      this.#stats.inc('otlp_relay_receiver_refused_items_total', { ...labels, reason: 'invalid' }, t.skipped);
      this.#once.warn('spans:skipped', { reason: t.skipReason }, `X-Ray subsegments could not become spans: ${t.skipReason ?? 'invalid'} (counted in otlp_relay_receiver_refused_items_total{receiver="xray/spans",reason="invalid"}; said once)`);
    }
    spans.handler.handle('traces', bytes, 'protobuf', SPANS_RECEIVER, spans.skip);
  }

  async #sampling(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const operation = SAMPLING_PATHS[path];
    try {
      if (req.method !== 'POST' || operation === undefined) {
        req.resume();
        this.#once.warn(`tcp:${req.method} ${path}`, { method: req.method, path }, `X-Ray TCP request ${req.method} ${path} refused: this port serves POST /GetSamplingRules and POST /SamplingTargets (said once per path)`);
        return send(res, 404, JSON.stringify({ __type: 'UnknownOperationException', message: `otlp-relay serves POST /GetSamplingRules and POST /SamplingTargets here, not ${req.method} ${path}` }), 'application/json');
      }
      const body = await readBounded(req, MAX_SAMPLING_BODY_BYTES);
      if (body === undefined) return send(res, 413, JSON.stringify({ __type: 'InvalidRequestException', message: `the body is larger than ${MAX_SAMPLING_BODY_BYTES} bytes` }), 'application/json');
      const out = await this.#s.sampling.answer(operation, path, body);
      send(res, out.status, out.body, out.contentType);
    } catch (err) {
      this.#log.error({ err }, `X-Ray sampling request failed: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, JSON.stringify({ __type: 'InternalFailure', message: 'otlp-relay could not answer' }), 'application/json');
    }
  }
}

function send(res: http.ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
}
