/**
 * The one result type between stages: an exporter only classifies what happened, and the generic
 * retry / queue wrappers decide what to do with it.
 */
export type Outcome =
  /** `rejected`: items the destination accepted the request but refused (OTLP partial_success). */
  | { kind: 'success'; rejected?: number; reason?: string }
  | { kind: 'retryable'; reason: string; afterMs?: number }
  /**
   * `split`: the runner splits the batch and sends the halves: `size`, refused for its size (413);
   * `content`, refused for what it holds (one request's bad bytes), so the rest is delivered.
   */
  | { kind: 'permanent'; reason: string; rejected?: number; split?: 'size' | 'content' };

export const SUCCESS: Outcome = Object.freeze({ kind: 'success' });

export function retryable(reason: string, afterMs?: number): Outcome {
  return afterMs === undefined ? { kind: 'retryable', reason } : { kind: 'retryable', reason, afterMs };
}

export function permanent(reason: string, rejected?: number): Outcome {
  return rejected === undefined ? { kind: 'permanent', reason } : { kind: 'permanent', reason, rejected };
}

/** The destination refused the request for its size: split it and try the halves. */
export function tooLarge(reason: string, rejected?: number): Outcome {
  return rejected === undefined ? { kind: 'permanent', reason, split: 'size' } : { kind: 'permanent', reason, rejected, split: 'size' };
}

/** The destination refused the request for its content: split it to refuse only the bad part (within a budget). */
export function refusedContent(reason: string, rejected?: number): Outcome {
  return rejected === undefined ? { kind: 'permanent', reason, split: 'content' } : { kind: 'permanent', reason, rejected, split: 'content' };
}
