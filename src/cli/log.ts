// Log records: compact text lines (colour on a TTY only) or JSON lines, to any number of sinks.
import { monotonicNow } from "../runtime/monotonic.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogRecord {
  time: string;
  /** Milliseconds since the logger was created (the command's start). */
  elapsedMs: number;
  level: LogLevel;
  msg: string;
  /** Instance id, role, state change and other structured fields. */
  fields: Record<string, string | number | boolean | undefined>;
}

export type LogFields = LogRecord["fields"];

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record (e.g. the instance id once known). */
  child(fields: LogFields): Logger;
}

export type LogSink = (record: LogRecord) => void;

export interface LoggerOptions {
  sinks: LogSink[];
  /** Monotonic milliseconds; injected so tests control elapsed time. */
  now?: () => number;
  wallClock?: () => Date;
  debug?: boolean;
}

export function createLogger(options: LoggerOptions, fields: LogFields = {}): Logger {
  const now = options.now ?? monotonicNow;
  const wall = options.wallClock ?? (() => new Date());
  const start = now();
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, extra?: LogFields) => {
      if (level === "debug" && !options.debug) return;
      const record: LogRecord = {
        time: wall().toISOString(),
        elapsedMs: Math.round(now() - start),
        level,
        msg,
        fields: { ...base, ...extra },
      };
      for (const sink of options.sinks) sink(record);
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (more) => make({ ...base, ...more }),
    };
  };
  return make(fields);
}

const COLOURS: Record<LogLevel, [string, string]> = {
  debug: ["\x1b[2m", "\x1b[22m"],
  info: ["", ""],
  warn: ["\x1b[33m", "\x1b[39m"],
  error: ["\x1b[31m", "\x1b[39m"],
};

/** `eb-migrate +1.2s i-0abc leader: running ...` — fields other than instance/role go at the end. */
export function formatText(record: LogRecord, colour: boolean): string {
  const { instance, role, ...rest } = record.fields;
  const seconds = (record.elapsedMs / 1000).toFixed(1);
  const who = [instance, role].filter((v) => v !== undefined && v !== "").join(" ");
  const extras = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(" ");
  const level = record.level === "info" ? "" : `${record.level.toUpperCase()} `;
  const line = `eb-migrate +${seconds}s${who ? ` ${who}` : ""}: ${level}${record.msg}${extras ? `  (${extras})` : ""}`;
  if (!colour) return line;
  const [on, off] = COLOURS[record.level];
  return `${on}${line}${off}`;
}

export function formatJson(record: LogRecord): string {
  return JSON.stringify({ time: record.time, elapsedMs: record.elapsedMs, level: record.level, msg: record.msg, ...record.fields });
}

export type LogFormat = "text" | "json";

/** Colour only on a terminal, and never with NO_COLOR set (no-color.org). */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined;
}

/** A sink writing lines to a stream (stderr by default); colour only when it is a TTY. */
export function streamSink(
  stream: { write(chunk: string): unknown; isTTY?: boolean },
  format: LogFormat,
  env: NodeJS.ProcessEnv = process.env,
): LogSink {
  const colour = format === "text" && wantsColour(stream, env);
  return (record) => {
    stream.write(`${format === "json" ? formatJson(record) : formatText(record, colour)}\n`);
  };
}

/** A sink that keeps records, for tests and for commands that report what happened. */
export function memorySink(): LogSink & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = ((record: LogRecord) => {
    records.push(record);
  }) as LogSink & { records: LogRecord[] };
  sink.records = records;
  return sink;
}
