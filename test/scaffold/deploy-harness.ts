// Deploys an app to sandbox instances the way Elastic Beanstalk's platform engine does on
// Amazon Linux 2/2023: a fresh staging copy of the source bundle per instance, container_commands
// first, then .platform/hooks/predeploy/* in lexical order, each with the staging directory as
// working directory, the environment's properties in its environment, and a 600 s limit.
import { spawn } from "node:child_process";
import { access, constants, cp, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { Sandbox, SandboxInstanceEntry } from "../../src/sandbox/index.js";

/** EB's default deployment command timeout (aws:elasticbeanstalk:command Timeout). */
export const COMMAND_TIMEOUT_MS = 600_000;
export const STAGING_DIR = "var/app/staging";

export interface StepResult {
  /** "container_commands:<name>" or the hook's path relative to the app. */
  step: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  output: string;
}

export interface InstanceDeployment {
  instanceId: string;
  /** The instance's EB_MIGRATE_ROOT (its `/`). */
  root: string;
  staging: string;
  steps: StepResult[];
  /** Like EB: the first failing step fails the instance's deployment; later steps do not run. */
  succeeded: boolean;
}

export interface DeployOptions {
  /** The app as `eb deploy` would bundle it (init already run in it). */
  app: string;
  /** Variables every step gets besides the instance's own (PATH and the like). */
  baseEnv?: Record<string, string>;
  timeoutMs?: number;
}

/** One deployment to every InService instance at once ("all at once" deployment policy). */
export async function deployAllAtOnce(sandbox: Sandbox, options: DeployOptions): Promise<InstanceDeployment[]> {
  const instances = sandbox.state().instances;
  return Promise.all(instances.map((instance) => deployToInstance(instance, options)));
}

export async function deployToInstance(instance: SandboxInstanceEntry, options: DeployOptions): Promise<InstanceDeployment> {
  const root = instance.env.EB_MIGRATE_ROOT;
  if (!root) throw new Error(`instance ${instance.id} has no EB_MIGRATE_ROOT`);
  const staging = join(root, STAGING_DIR);
  await rm(staging, { recursive: true, force: true });
  await cp(options.app, staging, { recursive: true });

  const env = { ...options.baseEnv, ...instance.env };
  const steps: StepResult[] = [];
  const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
  const run = async (step: string, argv: string[]) => {
    const result = await runStep(step, argv, staging, env, timeoutMs);
    steps.push(result);
    return result.exitCode === 0;
  };

  for (const [name, command] of await containerCommands(staging)) {
    if (!(await run(`container_commands:${name}`, ["/bin/sh", "-c", command]))) return { instanceId: instance.id, root, staging, steps, succeeded: false };
  }
  for (const hook of await predeployHooks(staging)) {
    if (!(await run(hook, [join(staging, hook)]))) return { instanceId: instance.id, root, staging, steps, succeeded: false };
  }
  return { instanceId: instance.id, root, staging, steps, succeeded: true };
}

/** container_commands of every .ebextensions/*.config, files and entries in alphabetical order. */
async function containerCommands(staging: string): Promise<[string, string][]> {
  const dir = join(staging, ".ebextensions");
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".config")).sort();
  const out: [string, string][] = [];
  for (const file of files) {
    const doc = parse(await readFile(join(dir, file), "utf8")) as { container_commands?: Record<string, { command: string; leader_only?: boolean }> } | null;
    const entries = Object.entries(doc?.container_commands ?? {}).sort(([a], [b]) => a.localeCompare(b));
    for (const [name, entry] of entries) {
      if (entry.leader_only) throw new Error(`${file}: ${name} uses leader_only, which this harness does not emulate`);
      out.push([name, entry.command]);
    }
  }
  return out;
}

/** Files of .platform/hooks/predeploy in lexical order; a hook without its executable bit is an error here. */
async function predeployHooks(staging: string): Promise<string[]> {
  const dir = join(staging, ".platform/hooks/predeploy");
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) await access(join(dir, name), constants.X_OK);
  return names.map((n) => `.platform/hooks/predeploy/${n}`);
}

function runStep(step: string, argv: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      // The platform kills the whole command; so do we (the hook's process group).
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ step, exitCode, signal, timedOut, output });
    });
  });
}
