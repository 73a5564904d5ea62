/** The three OTLP signals; every receiver, route and exporter speaks in these names. */
export type Signal = 'traces' | 'logs' | 'metrics';

export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

/** What one item is called per signal, for messages, metrics and partial_success. */
export const ITEM_NAME: Record<Signal, string> = { traces: 'spans', logs: 'log records', metrics: 'data points' };
