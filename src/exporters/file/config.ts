import { z } from 'zod';
import { SIGNALS } from '../../otlp/signal.ts';
import { defineKind } from '../../config/kind.ts';
import { bytes } from '../../config/units.ts';

/** `file`: appends every request as one JSON line, for local runs and tests. */
export const fileSchema = z.object({
  /** Relative paths are relative to the working directory. */
  path: z.string().min(1),
  /** Start a new file once the current one reaches this size; absent = never rotate. */
  rotate_bytes: bytes({ min: 1024 }).optional(),
});

export interface FileConfig {
  path: string;
  rotateBytes?: number;
}

export const fileKind = defineKind({
  signals: SIGNALS,
  shape: fileSchema.shape,
  resolve: (parsed): FileConfig => (parsed.rotate_bytes === undefined ? { path: parsed.path } : { path: parsed.path, rotateBytes: parsed.rotate_bytes }),
});
