/**
 * The resolved config: parsed, defaulted and validated once at start-up. Keys are camelCase;
 * every duration is in milliseconds and every size in bytes, whatever the key's name says.
 * Optional keys are absent, never undefined. Treat it as read-only.
 */
import type { Signal } from '../otlp/signal.ts';
import type { DebugConfig } from '../exporters/debug/config.ts';
import type { FileConfig } from '../exporters/file/config.ts';
import type { HoneycombConfig } from '../exporters/honeycomb/config.ts';
import type { XrayConfig } from '../exporters/xray/config.ts';
import type { CloudwatchLogsConfig } from '../exporters/cloudwatch_logs/config.ts';
import type { RollbarConfig } from '../exporters/rollbar/config.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface ServiceConfig {
  logLevel: LogLevel; // default info
  shutdownTimeout: number; // ms: drain deadline on SIGTERM; default 10s
  admin: AdminConfig;
  memoryLimiter?: MemoryLimiterConfig; // absent: 80 % of the container's memory limit if it has one, else off
  memoryLimiterEnabled: boolean; // default true; false turns even the container default off
}

/** `service.memory_limiter`: the collector's memory_limiter, on an estimate of the process's memory (src/pipeline/memory-limiter.ts). */
export interface MemoryLimiterConfig {
  limit: number; // bytes of process memory the relay means to stay under
  spike: number; // bytes; refusing starts at limit − spike; default 20 % of limit
  checkInterval: number; // ms; default 250ms
  fromContainer?: true; // derived from the cgroup memory limit, not configured
}

/** `service.admin`: /metrics, /healthz, /readyz and the status page on one port. */
export interface AdminConfig {
  enabled: boolean; // default true
  endpoint: string; // host:port; default "0.0.0.0:13133"
}

export interface ListenConfig {
  endpoint: string; // validated "host:port" ("[::1]:4317" for IPv6, ":4318" for every interface; port 0 = any free port)
}

export interface GrpcReceiverConfig extends ListenConfig {
  maxRecvMsgSize: number; // bytes; default 20MiB
}

export interface CorsConfig {
  allowedOrigins: string[]; // "*", "https://host[:port]", or with * wildcards in the host ("https://*.example.com")
  allowedHeaders: string[]; // extra request headers allowed beyond the OTLP ones; default []
  maxAgeSeconds: number; // preflight cache; default 7200
}

export interface HttpReceiverConfig extends ListenConfig {
  maxRequestBodySize: number; // bytes, after decompression; default 20MiB
  pathPrefix: string; // "" or e.g. "/otlp": /otlp/v1/traces is served as well as /v1/traces
  cors?: CorsConfig; // absent: no CORS headers
  readHeaderTimeout: number; // ms; default 10s
  readTimeout: number; // ms, whole request; default 30s
}

/** `receivers.xray`: the X-Ray daemon drop-in (UDP segments and TCP sampling on one port). */
export interface XrayReceiverConfig extends ListenConfig {
  forwardTo: string[]; // exporters of type xray that send every segment as received; YAML absent → every xray exporter
  routeAsSpans: boolean; // also route each segment as OTLP spans (never to forwardTo); default false
  sampling: 'auto' | 'proxy' | 'local'; // sampling calls: auto = proxied with AWS credentials, else the local Default rule; default auto
}

/** `receivers` absent in YAML → `{ otlp: { grpc: defaults, http: defaults } }`; otherwise only what is listed. */
export interface ReceiversConfig {
  otlp?: { grpc?: GrpcReceiverConfig; http?: HttpReceiverConfig };
  xray?: XrayReceiverConfig;
}

export interface QueueConfig {
  maxBytes: number; // default 64MiB in memory, 1GiB on disk
  consumers: number; // concurrent sends; default 2
  overflow?: 'drop_oldest'; // absent: block (refuse new data with 429 / UNAVAILABLE and a retry delay)
  disk?: DiskQueueConfig; // absent: type memory
}

/** `queue: { type: disk }`: a write-ahead log per exporter in `<dir>/<exporter name>/`. */
export interface DiskQueueConfig {
  dir: string; // as written: relative paths are relative to the working directory
  fsync: 'always' | 'interval' | 'never'; // default always: the receiver answers after fdatasync
  fsyncIntervalMs: number; // fsync: interval; default 1s
}

export interface BatchConfig {
  maxItems: number; // default 8192
  timeoutMs: number; // default 200ms; 0 = send at once
  maxBytes: number; // default 8MiB
}

export interface RetryConfig {
  enabled: boolean; // default true
  initialIntervalMs: number; // default 1s
  maxIntervalMs: number; // default 30s
  maxElapsedMs: number; // default 300s with a memory queue, 0 with a disk queue; 0 = no limit
}

/** Settings every exporter type takes (the generic pipeline wrappers read these). */
export interface ExporterCommon {
  name: string; // the key under `exporters`
  endpoint?: string; // absent: the type's own resolution (e.g. the AWS SDK chain); honeycomb always has one
  timeoutMs: number; // per request; default 10s
  queue: QueueConfig;
  batch: BatchConfig;
  retry: RetryConfig;
}

/** One exporter: the common settings and its type's own settings, side by side; `type` discriminates. */
export type ExporterConfig =
  | (ExporterCommon & HoneycombConfig & { type: 'honeycomb'; endpoint: string })
  | (ExporterCommon & DebugConfig & { type: 'debug' })
  | (ExporterCommon & FileConfig & { type: 'file' })
  | (ExporterCommon & XrayConfig & { type: 'xray' })
  | (ExporterCommon & RollbarConfig & { type: 'rollbar' })
  | (ExporterCommon & CloudwatchLogsConfig & { type: 'cloudwatch_logs' });

export type ExporterType = ExporterConfig['type'];

export type AttributeValue = string | number | boolean;

/** All given conditions must hold. */
export interface RouteMatch {
  service?: string[]; // service.name is one of these (a single YAML string becomes a one-item list)
  resource?: Record<string, AttributeValue>; // resource attribute equality
  attributes?: Record<string, AttributeValue>; // span / log record / data point attribute equality
  error?: boolean; // true: error spans (status ERROR or an exception event) and error logs (severity >= 17 or exception.*); false: the rest
}

export interface ResolvedRoute {
  signals: Signal[]; // non-empty, no duplicates, in YAML order
  match?: RouteMatch; // absent (or empty in YAML): everything
  to: string[]; // exporter names, each in `exporters`
}

export interface ResolvedConfig {
  source: string; // the file path, or the name given to parseConfig
  service: ServiceConfig;
  receivers: ReceiversConfig;
  exporters: Record<string, ExporterConfig>; // by name, in YAML order
  routes: ResolvedRoute[];
  secrets: string[]; // non-empty values of api_key, access_token, token, password, secret_access_key, aws_secret_access_key, session_token under exporters, for the logger to scrub
  warnings: string[]; // "<key path>: <message>", for the caller to log; the config is usable
}
