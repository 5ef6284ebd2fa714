// Runs the built bundle as sandbox instances, one process per instance (JSON log lines on
// stderr, --stats-file), and watches their log records; shared by the chaos matrix and the bench.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { instanceRoot } from "../config/environment.js";
import type { SandboxInstanceEntry } from "../sandbox/index.js";
import type { RunStats } from "../sandbox/instance-process.js";

export type { RunStats };

/** One JSON log line (EB_MIGRATE_LOG_FORMAT=json), with the wall time this process saw it. */
export interface LogLine {
  time: string;
  elapsedMs: number;
  level: string;
  msg: string;
  instance?: string;
  role?: string;
  state?: string;
  /** Date.now() in the chaos process when the line arrived. */
  seenAt: number;
  [field: string]: unknown;
}

export interface ProcessExit {
  instance: string;
  deployment: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  startedAt: number;
  exitedAt: number;
  stats?: RunStats;
  lines: LogLine[];
  /** Lines that were not JSON (crashes, the SDK's own warnings). */
  text: string;
}

export interface InstanceProcess {
  instance: string;
  deployment: string;
  child: ChildProcess;
  startedAt: number;
  lines: LogLine[];
  exited: boolean;
  done: Promise<ProcessExit>;
}

export interface SpawnOptions {
  bundle: string;
  /** The chaos label of the deployment (marker lines, invariants). */
  deployment: string;
  statsDir: string;
  cwd?: string;
  env?: Record<string, string>;
  args?: string[];
  /** Wall-clock offset via libfaketime (e.g. "+15m"); the monotonic clock stays real. */
  fakeTime?: string;
  onLine?: (proc: InstanceProcess, line: LogLine) => void;
}

export const FAKETIME_LIBRARY = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
let sequence = 0;

/** Starts `node <bundle> run` as `instance` in its own process group. */
export function spawnInstance(instance: Pick<SandboxInstanceEntry, "id" | "env">, options: SpawnOptions): InstanceProcess {
  const statsFile = join(options.statsDir, `${instance.id}-${++sequence}.json`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    ...instance.env,
    EB_MIGRATE_LOG_FORMAT: "json",
    CHAOS_INSTANCE: instance.id,
    CHAOS_DEPLOYMENT: options.deployment,
    ...options.env,
    ...(options.fakeTime ? { LD_PRELOAD: FAKETIME_LIBRARY, FAKETIME: options.fakeTime, DONT_FAKE_MONOTONIC: "1" } : {}),
  };
  const args = [options.bundle, ...(options.args ?? ["run"]), "--stats-file", statsFile];
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? instanceRoot(instance.env), env, stdio: ["ignore", "ignore", "pipe"], detached: true });
  const proc: InstanceProcess = { instance: instance.id, deployment: options.deployment, child, startedAt: Date.now(), lines: [], exited: false, done: undefined as unknown as Promise<ProcessExit> };
  let buffer = "";
  let text = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const raw = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const line = parseLine(raw);
      if (!line) {
        text += `${raw}\n`;
        continue;
      }
      proc.lines.push(line);
      options.onLine?.(proc, line);
    }
  });
  proc.done = new Promise<ProcessExit>((resolve) => {
    child.on("close", (exitCode, signal) => {
      const exitedAt = Date.now();
      proc.exited = true;
      void readFile(statsFile, "utf8")
        .then((t) => JSON.parse(t) as RunStats)
        .catch(() => undefined)
        .then((stats) => resolve({ instance: instance.id, deployment: options.deployment, exitCode, signal, startedAt: proc.startedAt, exitedAt, ...(stats ? { stats } : {}), lines: proc.lines, text: text + buffer }));
    });
  });
  return proc;
}

/** Signals the instance process's whole group (node and its supervisor). */
export function signalGroup(proc: InstanceProcess, signal: NodeJS.Signals): void {
  if (proc.exited || proc.child.pid === undefined) return;
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // already gone
  }
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
