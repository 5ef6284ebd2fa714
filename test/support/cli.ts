// Runs a built bundle as a child process with a given environment; collects its output.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BUNDLE = fileURLToPath(new URL("../../dist/eb-migrate.cjs", import.meta.url));
export const DEV_BUNDLE = fileURLToPath(new URL("../../dist/eb-migrate-dev.cjs", import.meta.url));

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, options: { cwd?: string; bundle?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bundle ?? BUNDLE, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/** An instance's environment without what makes a process an instance: a laptop with credentials. */
export function laptopEnv(instanceEnv: Record<string, string>): Record<string, string> {
  const env = { ...instanceEnv };
  delete env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  delete env.EB_MIGRATE_ROOT;
  for (const key of Object.keys(env)) if (key.startsWith("EB_MIGRATE_")) delete env[key];
  return env;
}
