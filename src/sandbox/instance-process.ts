// One sandbox instance running the bundle (`node eb-migrate.cjs run`, the predeploy hook's
// command) in the instance's directory with its environment, in its own process group so that a
// "crash" kills it with everything it started, as a dying machine would. Its output is kept
// whole, its JSON log records (EB_MIGRATE_LOG_FORMAT=json) parsed as they arrive, and its
// --stats-file read when it ends. The one spawner of the demo, the tests, the chaos matrix and
// the bench.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { LineSplitter } from "../release/output-tail.js";
import { signalChildGroup } from "../release/process-group.js";
import type { RunStats } from "../release/run-stats.js";

/** One JSON log line (EB_MIGRATE_LOG_FORMAT=json), with the wall time this process saw it. */
export interface LogLine {
  time: string;
  elapsedMs: number;
  level: string;
  msg: string;
  instance?: string;
  role?: string;
  state?: string;
  /** Date.now() in this process when the line arrived. */
  seenAt: number;
  [field: string]: unknown;
}

/** How an instance process ended. */
export interface InstanceRun {
  id: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  startedAt: number;
  exitedAt: number;
  /** stdout and stderr as they arrived. */
  output: string;
  /** The JSON log records on stderr. */
  lines: LogLine[];
  /** The stderr lines that were not log records (crashes, the SDK's own warnings). */
  text: string;
  stats?: RunStats;
}

export interface InstanceProcess {
  id: string;
  /** The `node` process alone (signals to it do not reach the command it supervises). */
  child: ChildProcess;
  startedAt: number;
  /** The process has ended and its output with it. */
  readonly exited: boolean;
  /** The JSON log records so far. */
  readonly lines: LogLine[];
  output(): string;
  /** Resolves when the output matches `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** `signal` to the whole process group (node and the command it supervises). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the whole process group: the instance dies mid-flight. */
  crash(): void;
  done: Promise<InstanceRun>;
}

export interface StartInput {
  id: string;
  bundle: string;
  cwd: string;
  env: Record<string, string>;
  /** Where the --stats-file goes (removed once read). */
  statsDir: string;
  /** The bundle's arguments before `--stats-file`: `run` unless given. */
  args?: string[];
  /** A command to run node under, e.g. faketime. */
  wrapper?: string[];
  /** Each JSON log record as it arrives. */
  onLine?: (proc: InstanceProcess, line: LogLine) => void;
}

export function startInstanceProcess(input: StartInput): InstanceProcess {
  const statsFile = join(input.statsDir, `${input.id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
  const [file, ...args] = [...(input.wrapper ?? []), process.execPath, input.bundle, ...(input.args ?? ["run"]), "--stats-file", statsFile];
  const child: ChildProcess = spawn(file!, args, {
    cwd: input.cwd,
    env: input.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const startedAt = Date.now();
  let output = "";
  let text = "";
  let exited = false;
  const lines: LogLine[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(output)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const records = new LineSplitter((raw) => {
    const line = parseLine(raw);
    if (!line) {
      text += `${raw}\n`;
      return;
    }
    lines.push(line);
    input.onLine?.(proc, line);
  }, Number.POSITIVE_INFINITY);
  child.stdout!.on("data", onData);
  child.stderr!.on("data", (chunk: Buffer) => {
    onData(chunk);
    records.push(chunk);
  });
  const done = new Promise<InstanceRun>((resolve) => {
    // "close" comes after the process exited and its output ended.
    child.on("close", (exitCode, signal) => {
      const exitedAt = Date.now();
      exited = true;
      records.end();
      void readFile(statsFile, "utf8")
        .then((content) => JSON.parse(content) as RunStats, () => undefined)
        .then(async (stats) => {
          await rm(statsFile, { force: true });
          resolve({ id: input.id, exitCode, signal, startedAt, exitedAt, output, lines, text, ...(stats ? { stats } : {}) });
        });
    });
  });
  const signal = (name: NodeJS.Signals) => {
    if (!exited) signalChildGroup(child, name);
  };
  const proc: InstanceProcess = {
    id: input.id,
    child,
    startedAt,
    get exited() {
      return exited;
    },
    lines,
    output: () => output,
    waitFor: (pattern) =>
      pattern.test(output)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void done.then(() => (pattern.test(output) ? resolve() : reject(new Error(`${input.id} ended before printing ${pattern}`))));
          }),
    signal,
    crash: () => signal("SIGKILL"),
    done,
  };
  return proc;
}

function parseLine(raw: string): LogLine | undefined {
  if (!raw.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    if (typeof value.msg !== "string") return undefined;
    return { ...(value as Omit<LogLine, "seenAt">), seenAt: Date.now() } as LogLine;
  } catch {
    return undefined;
  }
}
