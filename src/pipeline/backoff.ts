export interface RetrySettings {
  enabled: boolean;
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** 0 means retry forever. */
  maxElapsedMs: number;
}

/**
 * Exponential backoff with full jitter in [d/2, d): spreads retries from many relays apart while
 * never waiting less than half the nominal delay.
 */
export function backoffDelay(attempt: number, s: RetrySettings, random: () => number = Math.random): number {
  const nominal = Math.min(s.maxIntervalMs, s.initialIntervalMs * 2 ** Math.min(attempt, 30));
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}

/** The delay before the next try: the server's word (Retry-After) wins, capped by the retry budget. */
export function nextDelay(attempt: number, s: RetrySettings, afterMs: number | undefined, random?: () => number): number {
  if (afterMs !== undefined) return Math.max(0, afterMs);
  return backoffDelay(attempt, s, random);
}
