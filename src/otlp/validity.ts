/** The item validity rules shared by scanRequest (wire.ts) and dropInvalid (codec.ts), so both always agree. */

/** Describes what is wrong with an id field, or undefined when it is acceptable. */
export function idProblem(field: string, len: number, zero: boolean, expected: number, optional: boolean): string | undefined {
  if (optional && len === 0) return undefined;
  if (len !== expected) return `${field} is ${len} bytes, expected ${optional ? `0 or ${expected}` : expected}`;
  if (zero && !optional) return `${field} is all zeros`;
  return undefined;
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Spans: trace_id 16 non-zero bytes, span_id 8 non-zero bytes, parent_span_id empty or 8 bytes. */
export function spanProblem(traceId: Uint8Array, spanId: Uint8Array, parentSpanId: Uint8Array): string | undefined {
  return (
    idProblem('trace_id', traceId.length, isAllZero(traceId), 16, false) ??
    idProblem('span_id', spanId.length, isAllZero(spanId), 8, false) ??
    idProblem('parent_span_id', parentSpanId.length, false, 8, true)
  );
}

/** Log records: trace_id empty or 16 bytes, span_id empty or 8 bytes. */
export function logRecordProblem(traceId: Uint8Array, spanId: Uint8Array): string | undefined {
  return idProblem('trace_id', traceId.length, false, 16, true) ?? idProblem('span_id', spanId.length, false, 8, true);
}
