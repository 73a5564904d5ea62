/** Deterministic item ids and fingerprints: the same span or log record always gives the same values. */
import { createHash, hash } from 'node:crypto';
import type { RollbarTrace } from './item.ts';
import { MAX_FINGERPRINT_CHARS } from './limits.ts';

/** The relay's own UUID namespace (RFC 9562 §5.5): any fixed value works, this one is ours. */
const NAMESPACE = Buffer.from('6f0e7c1a2b9d4c5e8f3a1d2c4b6e8a90', 'hex');

/**
 * A name-based UUID (version 5, RFC 9562 §5.5) for `data.uuid`. Rollbar discards an item whose uuid it
 * has seen, so a retried send, or the same batch sent again after a reload, never makes a second item.
 */
export function itemUuid(name: string): string {
  // One-shot hash of namespace + name (what update(NAMESPACE).update(name) digests): no Hash object per item.
  const digest = hash('sha1', Buffer.concat([NAMESPACE, Buffer.from(name, 'utf8')]), 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const h = digest.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Frames the optional fingerprint reads, most recent first. */
export const FINGERPRINT_FRAMES = 3;

/**
 * A stable grouping key (40 hex characters, within Rollbar's limit): the exception's class and its
 * most recent frames' file and function, without line numbers, so an edit elsewhere in a file does not
 * split a group. Without frames, the class and the message's first line.
 */
export function fingerprintOf(trace: RollbarTrace): string {
  const top = trace.frames.slice(-FINGERPRINT_FRAMES).reverse();
  const parts = top.length > 0 ? top.map((f) => `${f.filename}#${f.method ?? ''}`) : [(trace.exception.message ?? '').split('\n', 1)[0] ?? ''];
  const digest = createHash('sha1').update([trace.exception.class, ...parts].join('\n'), 'utf8').digest('hex');
  return digest.slice(0, MAX_FINGERPRINT_CHARS);
}
