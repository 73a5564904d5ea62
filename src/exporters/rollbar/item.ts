/**
 * The item Rollbar's API takes (https://docs.rollbar.com/reference/create-item), as far as the relay
 * fills it. Frames are ordered oldest call first, most recent call last.
 */
import type { Level } from './limits.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface RollbarFrame {
  /** Required by Rollbar; "<unknown>" when the runtime printed none. */
  filename: string;
  lineno?: number;
  colno?: number;
  method?: string;
  /** The line of code (Python prints it). */
  code?: string;
  context?: { pre?: string[]; post?: string[] };
}

export interface RollbarException {
  /** Required by Rollbar. */
  class: string;
  message?: string;
  /** What else was printed: lines the parser could not read, omitted frames, the log message. */
  description?: string;
}

export interface RollbarTrace {
  frames: RollbarFrame[];
  exception: RollbarException;
}

/** Exactly one body kind per item (crash_report is for iOS crash reports, which OTLP never carries). */
export type RollbarBody = { trace: RollbarTrace } | { trace_chain: RollbarTrace[] } | { message: { body: string } };
export type BodyKind = 'trace' | 'trace_chain' | 'message';

export interface RollbarRequest {
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  query_string?: string;
  user_ip?: string;
}

export interface RollbarPerson {
  id: string;
  username?: string;
  email?: string;
}

export interface RollbarData {
  environment: string;
  body: RollbarBody;
  level: Level;
  /** Unix seconds. */
  timestamp?: number;
  code_version?: string;
  platform?: string;
  language?: string;
  framework?: string;
  context?: string;
  request?: RollbarRequest;
  person?: RollbarPerson;
  server?: { host?: string; code_version?: string };
  custom?: Record<string, JsonValue>;
  fingerprint?: string;
  title?: string;
  uuid: string;
  notifier: { name: string; version: string };
}

export function bodyKind(body: RollbarBody): BodyKind {
  return 'trace' in body ? 'trace' : 'trace_chain' in body ? 'trace_chain' : 'message';
}
