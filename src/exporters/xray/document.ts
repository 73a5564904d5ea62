/**
 * The X-Ray segment document fields the exporter writes (schema:
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html). Absent fields are
 * omitted, never null; flags are written only when true.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type AnnotationValue = string | number | boolean;

export interface XrayStackFrame {
  path?: string;
  line?: number;
  label?: string;
}

export interface XrayException {
  id: string;
  type?: string;
  message?: string;
  remote?: boolean;
  /** Frames left out of `stack` (by the runtime, or to fit the 64 KB document limit). */
  truncated?: number;
  stack?: XrayStackFrame[];
  /** The id of the exception that caused this one. */
  cause?: string;
}

export interface HttpBlock {
  request?: { method?: string; url?: string; user_agent?: string; client_ip?: string; x_forwarded_for?: boolean };
  response?: { status?: number; content_length?: number };
}

export interface SqlBlock {
  url?: string;
  database_type?: string;
  user?: string;
  sanitized_query?: string;
}

export interface AwsBlock {
  operation?: string;
  region?: string;
  request_id?: string;
  account_id?: string;
  queue_url?: string;
  table_name?: string;
  table_names?: string[];
  ec2?: { instance_id?: string; availability_zone?: string; instance_size?: string; ami_id?: string };
  ecs?: {
    container?: string;
    container_id?: string;
    task_arn?: string;
    task_family?: string;
    cluster_arn?: string;
    container_arn?: string;
    availability_zone?: string;
    launch_type?: string;
  };
  eks?: { cluster_name?: string; pod?: string; container_id?: string };
  elastic_beanstalk?: { environment_name?: string; version_label?: string; deployment_id?: number };
  cloudwatch_logs?: Array<{ log_group: string; arn?: string }>;
  xray?: { sdk?: string; sdk_version?: string; auto_instrumentation?: boolean };
}

export interface SpanLinkEntry {
  trace_id: string;
  id: string;
  attributes?: Record<string, JsonValue>;
}

/** A segment, or an independent subsegment (`type: "subsegment"` with `parent_id`). */
export interface SegmentDocument {
  name: string;
  id: string;
  trace_id: string;
  parent_id?: string;
  type?: 'subsegment';
  start_time: number;
  end_time?: number;
  in_progress?: true;
  namespace?: 'aws' | 'remote';
  origin?: string;
  user?: string;
  fault?: true;
  error?: true;
  throttle?: true;
  http?: HttpBlock;
  aws?: AwsBlock;
  sql?: SqlBlock;
  service?: { version: string };
  cause?: { exceptions: XrayException[] };
  annotations?: Record<string, AnnotationValue>;
  metadata?: Record<string, Record<string, JsonValue>>;
  links?: SpanLinkEntry[];
}
