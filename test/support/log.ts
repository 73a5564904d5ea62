import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.ts';

/** A JSON logger whose lines a test can read back. */
export function captureLogger(level: 'debug' | 'info' | 'warn' = 'info'): { log: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ level, pretty: false, destination: dest });
  const text = () => chunks.join('');
  return {
    log,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
