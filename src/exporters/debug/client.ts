import { decodeRequest } from '../../otlp/codec.ts';
import type { Signal } from '../../otlp/signal.ts';
import { SUCCESS, type Outcome } from '../../pipeline/outcome.ts';
import type { ExportClient } from '../../pipeline/types.ts';
import { summarize } from './summary.ts';

/** Writes a readable summary of each batch to a stream (stdout by default). */
export class DebugClient implements ExportClient {
  readonly #detailed: boolean;
  readonly #out: NodeJS.WritableStream;
  constructor(detailed: boolean, out: NodeJS.WritableStream = process.stdout) {
    this.#detailed = detailed;
    this.#out = out;
  }
  async send(signal: Signal, bytes: Uint8Array): Promise<Outcome> {
    const lines = summarize(signal, decodeRequest(signal, bytes) as Record<string, unknown>, this.#detailed);
    this.#out.write(lines.join('\n') + '\n');
    return SUCCESS;
  }
}
