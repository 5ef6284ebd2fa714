// Runs the built bundle (`node dist/eb-migrate.cjs run`) as sandbox instances, the way the
// predeploy hook does: one process per instance, cwd = its staging directory, env = the
// instance's env from the sandbox plus the app's.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SandboxInstanceEntry } from "../../src/sandbox/index.js";
import { startInstanceProcess, type InstanceProcess, type InstanceRun } from "../../src/sandbox/instance-process.js";
import { copyDjangoApp } from "./django.js";

export type { InstanceRun } from "../../src/sandbox/instance-process.js";
export type RunningInstance = InstanceProcess;

export const BUNDLE = fileURLToPath(new URL("../../dist/eb-migrate.cjs", import.meta.url));

export interface StartOptions {
  cwd: string;
  env?: Record<string, string>;
  /** More arguments after `run`. */
  args?: string[];
  /** A command to run the bundle under, e.g. faketime. */
  wrapper?: string[];
}

let statsDir: string | undefined;

export async function startInstance(instance: Pick<SandboxInstanceEntry, "id" | "env">, options: StartOptions): Promise<RunningInstance> {
  statsDir ??= await mkdtemp(join(tmpdir(), "eb-migrate-stats-"));
  return startInstanceProcess({
    id: instance.id,
    bundle: BUNDLE,
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...instance.env, ...options.env },
    statsDir,
    ...(options.args ? { args: ["run", ...options.args] } : {}),
    ...(options.wrapper ? { wrapper: options.wrapper } : {}),
  });
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

export function describeRuns(runs: InstanceRun[]): string {
  return runs.map((r) => `--- ${r.id} exit=${r.exitCode} signal=${r.signal} role=${r.stats?.role}\n${r.output}`).join("\n");
}
