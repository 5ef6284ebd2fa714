// Runs the built bundle (`node dist/eb-migrate.cjs run`) as sandbox instances, the way the
// predeploy hook does: one process per instance, cwd = its staging directory, env = the
// instance's env from the sandbox plus the app's.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sandbox, SandboxInstanceEntry } from "../../src/sandbox/index.js";
import { copyDjangoApp } from "./django.js";

export const BUNDLE = fileURLToPath(new URL("../../dist/eb-migrate.cjs", import.meta.url));

export interface RunStats {
  exitCode: number;
  role?: string;
  leader?: string;
  takeover?: string;
  durationMs: number;
  calls: Record<string, number>;
}

export interface InstanceRun {
  id: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  stats?: RunStats;
}

export interface RunningInstance {
  id: string;
  child: ChildProcess;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** Resolves once a line matching `pattern` was printed. */
  waitFor(pattern: RegExp): Promise<void>;
  done: Promise<InstanceRun>;
}

export interface StartOptions {
  cwd: string;
  env?: Record<string, string>;
  args?: string[];
  /** A command to run the bundle under, e.g. faketime. */
  wrapper?: string[];
  withStats?: boolean;
}

let statsDir: string | undefined;

export async function startInstance(instance: Pick<SandboxInstanceEntry, "id" | "env">, options: StartOptions): Promise<RunningInstance> {
  statsDir ??= await mkdtemp(join(tmpdir(), "eb-migrate-stats-"));
  const statsFile = join(statsDir, `${instance.id}-${Math.random().toString(36).slice(2)}.json`);
  const args = [BUNDLE, "run", ...(options.args ?? []), ...(options.withStats === false ? [] : ["--stats-file", statsFile])];
  const [file, ...rest] = [...(options.wrapper ?? []), process.execPath, ...args];
  const child = spawn(file!, rest, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...instance.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
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
    child.on("close", async (exitCode, signal) => {
      let stats: RunStats | undefined;
      try {
        stats = JSON.parse(await readFile(statsFile, "utf8")) as RunStats;
        await rm(statsFile, { force: true });
      } catch {
        stats = undefined;
      }
      resolve({ id: instance.id, exitCode, signal, output, ...(stats ? { stats } : {}) });
    });
  });
  return {
    id: instance.id,
    child,
    output: () => output,
    waitFor: (pattern) =>
      pattern.test(output)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pattern, resolve });
            void done.then(() => {
              if (!pattern.test(output)) reject(new Error(`${instance.id} exited before printing ${pattern}:\n${output}`));
            });
          }),
    done,
  };
}

/** A staging copy of the Django fixture app inside the instance's root, as EB lays it out. */
export async function stageDjangoApp(instance: SandboxInstanceEntry): Promise<string> {
  const staging = join(instance.env.EB_MIGRATE_ROOT!, "var/app/staging");
  await rm(staging, { recursive: true, force: true });
  return await copyDjangoApp(staging);
}

/** Starts `run` on every given instance at once and waits for all. */
export async function runFleet(instances: SandboxInstanceEntry[], options: (i: SandboxInstanceEntry) => StartOptions): Promise<InstanceRun[]> {
  const running = await Promise.all(instances.map((i) => startInstance(i, options(i))));
  return await Promise.all(running.map((r) => r.done));
}

export function roles(runs: InstanceRun[]): string[] {
  return runs.map((r) => r.stats?.role ?? "none").sort();
}

export function describeRuns(runs: InstanceRun[]): string {
  return runs.map((r) => `--- ${r.id} exit=${r.exitCode} signal=${r.signal} role=${r.stats?.role}\n${r.output}`).join("\n");
}

export type { Sandbox };
