/**
 * The one result type between stages: an exporter only classifies what happened, and the generic
 * retry / queue wrappers decide what to do with it.
 */
export type Outcome =
  /** `rejected`: items the destination accepted the request but refused (OTLP partial_success). */
  | { kind: 'success'; rejected?: number; reason?: string }
  | { kind: 'retryable'; reason: string; afterMs?: number }
  | { kind: 'permanent'; reason: string; rejected?: number };

export const SUCCESS: Outcome = Object.freeze({ kind: 'success' });

export function retryable(reason: string, afterMs?: number): Outcome {
  return afterMs === undefined ? { kind: 'retryable', reason } : { kind: 'retryable', reason, afterMs };
}

export function permanent(reason: string, rejected?: number): Outcome {
  return rejected === undefined ? { kind: 'permanent', reason } : { kind: 'permanent', reason, rejected };
}
