import { z } from 'zod';
import type { Signal } from '../otlp/signal.ts';
import { cloudwatchLogsKind } from '../exporters/cloudwatch_logs/config.ts';
import { debugKind } from '../exporters/debug/config.ts';
import { fileKind } from '../exporters/file/config.ts';
import { honeycombKind } from '../exporters/honeycomb/config.ts';
import { rollbarKind } from '../exporters/rollbar/config.ts';
import { xrayKind } from '../exporters/xray/config.ts';
import type { Problem } from './errors.ts';
import { defaulted, httpUrl, strictObject } from './schema.ts';
import type { BatchConfig, ExporterType, QueueConfig, RetryConfig } from './types.ts';
import { bytes, duration, formatBytes, formatDuration } from './units.ts';

/** The registry: every exporter type the config accepts. */
export const EXPORTER_KINDS = {
  honeycomb: honeycombKind,
  debug: debugKind,
  file: fileKind,
  xray: xrayKind,
  rollbar: rollbarKind,
  cloudwatch_logs: cloudwatchLogsKind,
} satisfies Record<ExporterType, unknown>;

export const EXPORTER_TYPES = Object.keys(EXPORTER_KINDS) as ExporterType[];

export function isExporterType(value: unknown): value is ExporterType {
  return typeof value === 'string' && Object.hasOwn(EXPORTER_KINDS, value);
}

/** The signals an exporter type can take. */
export function acceptedSignals(type: ExporterType): readonly Signal[] {
  return EXPORTER_KINDS[type].signals;
}

/** What the loader uses of a kind, with its types erased (method syntax keeps parameters bivariant). */
export interface AnyExporterKind {
  signals: readonly Signal[];
  shape: z.ZodRawShape;
  resolve(parsed: Record<string, unknown>): unknown;
  warnings?(settings: unknown, routed: ReadonlySet<Signal>): Problem[];
}

export function exporterKind(type: ExporterType): AnyExporterKind {
  return EXPORTER_KINDS[type];
}

const MiB = 2 ** 20;

const DISK_ONLY = ['dir', 'fsync', 'fsync_interval'] as const;

const queue = defaulted(
  strictObject({
    type: z.enum(['memory', 'disk']).default('memory'),
    max_bytes: bytes().optional(), // default 64MiB in memory, 1GiB on disk
    consumers: z.int().min(1).max(256).default(2),
    overflow: z.enum(['block', 'drop_oldest']).default('block'),
    dir: z.string().trim().min(1).optional(),
    fsync: z.enum(['always', 'interval', 'never']).optional(),
    fsync_interval: duration().optional(),
  })
    .superRefine((q, ctx) => {
      if (q.type === 'disk' && q.dir === undefined) ctx.addIssue({ code: 'custom', path: ['dir'], message: 'is required with type: disk: a directory that outlives the process (in a container, a volume)' });
      if (q.type === 'memory') for (const key of DISK_ONLY) if (q[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only applies to type: disk' });
      if (q.fsync_interval !== undefined && q.fsync !== 'interval') ctx.addIssue({ code: 'custom', path: ['fsync_interval'], message: 'only applies to fsync: interval' });
    })
    .transform((parsed): QueueConfig => {
      const out: QueueConfig = { maxBytes: parsed.max_bytes ?? (parsed.type === 'disk' ? 1024 * MiB : 64 * MiB), consumers: parsed.consumers };
      if (parsed.overflow === 'drop_oldest') out.overflow = 'drop_oldest';
      if (parsed.type === 'disk') out.disk = { dir: parsed.dir ?? '', fsync: parsed.fsync ?? 'always', fsyncIntervalMs: parsed.fsync_interval ?? 1_000 };
      return out;
    }),
);

const batch = defaulted(
  strictObject({
    max_items: z.int().min(1).default(8192),
    timeout: duration({ min: 0 }).default(200),
    max_bytes: bytes().default(8 * MiB),
  }).transform((parsed): BatchConfig => ({ maxItems: parsed.max_items, timeoutMs: parsed.timeout, maxBytes: parsed.max_bytes })),
);

const retry = defaulted(
  strictObject({
    enabled: z.boolean().default(true),
    initial_interval: duration().default(1_000),
    max_interval: duration().default(30_000),
    max_elapsed: duration({ min: 0 }).optional(), // default: see resolvePipeline
  }).transform(
    (parsed): RetryInput => ({
      enabled: parsed.enabled,
      initialIntervalMs: parsed.initial_interval,
      maxIntervalMs: parsed.max_interval,
      maxElapsedMs: parsed.max_elapsed,
    }),
  ),
);

/** `retry` as parsed: `max_elapsed` stays unset until the queue type is known. */
export type RetryInput = Omit<RetryConfig, 'maxElapsedMs'> & { maxElapsedMs: number | undefined };

/** What the schema yields for the pipeline keys, before resolvePipeline. */
export interface PipelineInput {
  timeout: number;
  queue: QueueConfig;
  batch: BatchConfig;
  retry: RetryInput;
}

/**
 * Fills the defaults that depend on another key: `retry.max_elapsed` is 5 minutes with a memory queue
 * and unlimited with a disk queue (the disk holds an outage; giving up would drop what it holds).
 */
export function resolvePipeline(parsed: PipelineInput): PipelineSettings {
  const maxElapsedMs = parsed.retry.maxElapsedMs ?? (parsed.queue.disk ? 0 : 300_000);
  return { timeoutMs: parsed.timeout, queue: parsed.queue, batch: parsed.batch, retry: { ...parsed.retry, maxElapsedMs } };
}

/** Keys every exporter type takes: the generic pipeline (timeout, queue, batch, retry) and `endpoint`. */
export const commonExporterShape = {
  type: z.string(),
  endpoint: httpUrl().optional(),
  timeout: duration().default(10_000),
  queue,
  batch,
  retry,
};

/** One exporter's schema: the common keys plus its type's keys, unknown keys rejected. */
export function exporterSchema(type: ExporterType) {
  return strictObject({ ...commonExporterShape, ...exporterKind(type).shape });
}

export interface PipelineSettings {
  timeoutMs: number;
  queue: QueueConfig;
  batch: BatchConfig;
  retry: RetryConfig;
}

/** Settings that are each valid but make no sense together; paths are relative to the exporter. */
export function checkPipeline(settings: PipelineSettings): Problem[] {
  const problems: Problem[] = [];
  if (settings.batch.maxBytes > settings.queue.maxBytes) {
    problems.push({
      path: ['batch', 'max_bytes'],
      message: `(${formatBytes(settings.batch.maxBytes)}) is larger than queue.max_bytes (${formatBytes(settings.queue.maxBytes)}): such a batch could never be queued`,
    });
  }
  if (settings.retry.initialIntervalMs > settings.retry.maxIntervalMs) {
    problems.push({
      path: ['retry', 'initial_interval'],
      message: `(${formatDuration(settings.retry.initialIntervalMs)}) is longer than retry.max_interval (${formatDuration(settings.retry.maxIntervalMs)})`,
    });
  }
  return problems;
}
