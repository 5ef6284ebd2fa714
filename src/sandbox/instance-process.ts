// One sandbox instance running its predeploy hook: `node eb-migrate.cjs run` in the instance's
// staging directory with its environment, in its own process group so that a "crash" can
// kill it with everything it started, as a dying machine would. Used by the demo and the tests.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RunStats } from "../release/run-stats.js";

export type { RunStats };

export interface InstanceRun {
  id: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  stats?: RunStats;
}

export interface InstanceProcess {
  id: string;
  /** The `node` process alone (signals to it do not reach the command it supervises). */
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** SIGKILL to the whole process group: the instance dies mid-flight. */
  crash(): void;
  done: Promise<InstanceRun>;
}

export interface StartInput {
  id: string;
  bundle: string;
  cwd: string;
  env: Record<string, string>;
  statsDir: string;
  /** More arguments after `run`. */
  args?: string[];
  /** A command to run node under, e.g. faketime. */
  wrapper?: string[];
}

export function startInstanceProcess(input: StartInput): InstanceProcess {
  const statsFile = join(input.statsDir, `${input.id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
  const [file, ...args] = [...(input.wrapper ?? []), process.execPath, input.bundle, "run", ...(input.args ?? []), "--stats-file", statsFile];
  const child: ChildProcess = spawn(file!, args, {
    cwd: input.cwd,
    env: input.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
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
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const done = new Promise<InstanceRun>((resolve) => {
    child.on("close", (exitCode, signal) => {
      void readFile(statsFile, "utf8")
        .then((text) => JSON.parse(text) as RunStats, () => undefined)
        .then(async (stats) => {
          await rm(statsFile, { force: true });
          resolve({ id: input.id, exitCode, signal, output, ...(stats ? { stats } : {}) });
        });
    });
  });
  return {
    id: input.id,
    child,
    output: () => output,
    waitFor: (pattern) =>
      pattern.test(output)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void done.then(() => (pattern.test(output) ? resolve() : reject(new Error(`${input.id} ended before printing ${pattern}`))));
          }),
    crash() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }
    },
    done,
  };
}
