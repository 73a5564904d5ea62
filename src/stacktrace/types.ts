/**
 * Language-neutral stack traces: what every exporter that shows frames (X-Ray `cause`, Rollbar
 * `trace_chain`) needs, parsed once from the text an OpenTelemetry SDK records in `exception.stacktrace`.
 */

/** One call site. Fields the runtime did not print are absent. */
export interface StackFrame {
  /** The file as printed ("Chained.java", "/app/x.py", "file:///app/x.mjs", "C:\\src\\a.cs"), or what stands in for it ("Native Method", "<anonymous>"). */
  path?: string;
  /** 1-based. */
  line?: number;
  /** 1-based; only runtimes that print one (V8). */
  column?: number;
  /** The function as printed, without Go's argument values ("Chained.handle", "new ActivityRepo", "main.(*App).Start"). */
  label?: string;
  /** The source line the runtime printed under the frame (Python), only with `ParseOptions.source`. */
  code?: string;
}

/** One exception of a chain, with its frames most recent call first whatever order the runtime printed. */
export interface ParsedException {
  type?: string;
  message?: string;
  frames: StackFrame[];
  /** Frames the runtime left out ("... 8 more", "[Previous line repeated 996 more times]"). */
  omittedFrames?: number;
  /** The exception behind this one: Java "Caused by:", Python "from" / "During handling", a .NET inner exception, a JS `[cause]`. */
  cause?: ParsedException;
  /** The text ended mid-trace (OTel Go reads stacks into a fixed-size buffer). */
  truncated?: boolean;
  /** Lines no rule of the format understood, verbatim (bounded: MAX_UNPARSED_LINES), so nothing printed is lost. */
  unparsed?: string[];
}

/** What to keep beyond frames and chains. */
export interface ParseOptions {
  /** Keep the source line printed under each frame (Python's traceback) as `StackFrame.code`. */
  source?: boolean;
}

/** The text formats the parsers know; several languages share one (PHP's OTel SDK prints Java's format). */
export type StackFormat = 'java' | 'python' | 'v8' | 'dotnet' | 'go';
