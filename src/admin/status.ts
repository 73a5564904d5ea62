/** What the admin endpoint shows about the running relay; the Relay builds it, the page renders it. */
import type { ExporterState } from '../pipeline/exporter-runner.ts';
import type { SamplingInfo } from './recent.ts';

export interface ReceiverStatus {
  name: string;
  endpoint: string;
  listening: boolean;
}

export interface ExporterView {
  name: string;
  type: string;
  /** Where it sends (a URL, a region, a file), never a credential. */
  destination: string;
  state: ExporterState;
  lastError?: { text: string; at: string };
  queueBytes: number;
  queueCapacity: number;
  sent: number;
  failed: number;
  dropped: number;
  retries: number;
  /** The signals the routes send here. */
  signals: string[];
}

export interface RouteView {
  signals: string[];
  to: string[];
  match: string;
}

export interface RelayStatus {
  version: string;
  startedAt: string;
  config: string;
  lastReload?: { at: string; result: 'applied' | 'refused'; message: string };
  receivers: ReceiverStatus[];
  exporters: ExporterView[];
  routes: RouteView[];
  accepted: Record<string, number>;
  refused: Record<string, number>;
  unrouted: Record<string, number>;
  warnings: string[];
  sampling: SamplingInfo;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}
