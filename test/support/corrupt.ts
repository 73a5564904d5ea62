import assert from 'node:assert/strict';

/** `bytes` with the first occurrence of `text` (ASCII) overwritten by 0xff bytes: the same wire structure, a string that is not UTF-8. */
export function invalidUtf8(bytes: Uint8Array, text: string): Uint8Array {
  const b = Buffer.from(bytes);
  const at = b.indexOf(text);
  assert.ok(at >= 0, `${text} is not in the bytes`);
  b.fill(0xff, at, at + text.length);
  return b;
}
