import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { protobufToJson } from '../../otlp/codec.ts';
import type { Signal } from '../../otlp/signal.ts';
import { permanent, SUCCESS, type Outcome } from '../../pipeline/outcome.ts';
import type { ExportClient } from '../../pipeline/types.ts';

/** Appends each batch as one line of OTLP/JSON (the form `otel-cli`/collector file exporters read). */
export class FileClient implements ExportClient {
  readonly #path: string;
  readonly #rotateBytes: number | undefined;
  #file: FileHandle | undefined;
  #size = 0;

  constructor(path: string, rotateBytes?: number) {
    this.#path = path;
    this.#rotateBytes = rotateBytes;
  }

  async #handle(): Promise<FileHandle> {
    if (this.#file) return this.#file;
    await mkdir(dirname(this.#path), { recursive: true });
    this.#file = await open(this.#path, 'a');
    this.#size = (await stat(this.#path)).size;
    return this.#file;
  }

  async send(signal: Signal, bytes: Uint8Array): Promise<Outcome> {
    const line = JSON.stringify(protobufToJson(signal, bytes)) + '\n';
    try {
      if (this.#rotateBytes !== undefined && this.#size > 0 && this.#size + line.length > this.#rotateBytes) await this.#rotate();
      const f = await this.#handle();
      await f.appendFile(line);
      this.#size += Buffer.byteLength(line);
      return SUCCESS;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A full disk may clear; a missing permission will not.
      if (code === 'ENOSPC' || code === 'EMFILE') return { kind: 'retryable', reason: `cannot write ${this.#path}: ${code}` };
      return permanent(`cannot write ${this.#path}: ${(err as Error).message}`);
    }
  }

  async #rotate(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
    await rename(this.#path, `${this.#path}.1`);
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
  }
}
