/** Plain JS values as OTLP/JSON AnyValue / KeyValue lists, for tests that build requests as JSON. */
export type Plain = string | number | boolean | Plain[] | { [k: string]: Plain };

/** OTLP span kinds (the API's kind + 1). */
export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

export function anyValue(v: Plain): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: attributes(v) } };
}

export function attributes(o: Record<string, Plain>): Array<{ key: string; value: Record<string, unknown> }> {
  return Object.entries(o).map(([key, v]) => ({ key, value: anyValue(v) }));
}
