import type { z } from 'zod';
import type { Signal } from '../otlp/signal.ts';
import type { Problem } from './errors.ts';

/**
 * What the loader needs to know about one exporter type: which signals it takes, its own keys
 * (merged with the common pipeline keys into one strict object) and how to resolve them.
 */
export interface ExporterKind<Shape extends z.ZodRawShape, Settings> {
  /** Signals this type can send; a route sending it another signal is a problem. */
  signals: readonly Signal[];
  /** Type-specific keys; an `endpoint` here replaces the common one (its own default and rules). */
  shape: Shape;
  /** Parsed snake_case settings → the resolved camelCase settings. */
  resolve(parsed: z.output<z.ZodObject<Shape>>): Settings;
  /** Advice that depends on what the routes send here; paths are relative to the exporter. */
  warnings?(settings: Settings, routed: ReadonlySet<Signal>): Problem[];
}

/** Identity, so each exporter's definition is checked against its own shape and settings types. */
export function defineKind<Shape extends z.ZodRawShape, Settings>(kind: ExporterKind<Shape, Settings>): ExporterKind<Shape, Settings> {
  return kind;
}
