import { z } from 'zod';
import { SIGNALS } from '../../otlp/signal.ts';
import { defineKind } from '../../config/kind.ts';

/** `debug`: prints a summary of what passes through to the console, for local runs with no credentials. */
export const debugSchema = z.object({
  /** basic: one line per request; detailed: every span, log record and data point. */
  verbosity: z.enum(['basic', 'detailed']).default('basic'),
});

export interface DebugConfig {
  verbosity: 'basic' | 'detailed';
}

export const debugKind = defineKind({
  signals: SIGNALS,
  shape: debugSchema.shape,
  resolve: (parsed): DebugConfig => ({ verbosity: parsed.verbosity }),
});
