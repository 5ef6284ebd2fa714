// The demo's environment: the sandbox, the Django app per instance and version, the SQLite
// database standing in for RDS, and running every instance's hook at once.
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { Sandbox, SandboxInstanceEntry } from "../sandbox/index.js";
import { INSPECT_DATABASE_PY, writeDemoApp } from "./django-app.js";
import { writeStandInApp } from "./stand-in-app.js";
import { startInstanceProcess, type InstanceProcess, type InstanceRun } from "../sandbox/instance-process.js";
import type { Narrator } from "./narrator.js";

export interface DemoBed {
  sandbox: Sandbox;
  python: string;
  /** The real Django app, or the demo's stand-in when no Python here can import Django. */
  app: "django" | "stand-in";
  /** dist/eb-migrate.cjs: what each instance runs. */
  bundle: string;
  database: string;
  statsDir: string;
  narrator: Narrator;
  /** The app version (1-based) of the current deployment. */
  version: number;
  /** Processes still running (killed on the way out). */
  live: Set<InstanceProcess>;
}

export interface DatabaseFacts {
  applied: string[];
  /** How many times each logged data migration ran. */
  log: Record<string, number>;
}

export async function deployVersion(bed: DemoBed, version: number): Promise<void> {
  bed.version = version;
  await bed.sandbox.deploy({ versionLabel: `v${version}` });
}

/** Starts the predeploy hook on each instance (app staged for the current version). */
export async function startHooks(bed: DemoBed, instances: SandboxInstanceEntry[], env: Record<string, string> = {}): Promise<InstanceProcess[]> {
  const processes: InstanceProcess[] = [];
  for (const instance of instances) {
    const staging = join(instance.env.EB_MIGRATE_ROOT!, "var/app/staging");
    await (bed.app === "django" ? writeDemoApp : writeStandInApp)(staging, bed.version);
    const p = startInstanceProcess({
      id: instance.id,
      bundle: bed.bundle,
      cwd: staging,
      statsDir: bed.statsDir,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        PYTHONDONTWRITEBYTECODE: "1",
        PYTHONUNBUFFERED: "1",
        ...instance.env,
        ...env,
      },
    });
    bed.live.add(p);
    void p.done.then(() => bed.live.delete(p));
    processes.push(p);
  }
  return processes;
}

export async function runHooks(bed: DemoBed, instances: SandboxInstanceEntry[], env: Record<string, string> = {}): Promise<InstanceRun[]> {
  const processes = await startHooks(bed, instances, env);
  return await Promise.all(processes.map((p) => p.done));
}

export function inspectDatabase(bed: DemoBed): Promise<DatabaseFacts> {
  return new Promise((resolve, reject) => {
    execFile(bed.python, ["-c", INSPECT_DATABASE_PY], { env: { ...process.env, DEMO_DATABASE: bed.database } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`could not read the demo database: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as DatabaseFacts);
    });
  });
}

export function roleCount(runs: InstanceRun[], ...roles: string[]): number {
  return runs.filter((r) => r.exitCode === 0 && roles.includes(r.stats?.role ?? "")).length;
}
