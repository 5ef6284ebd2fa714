// The argv to run: the setting as given, except that the default command's `python` falls back
// to the EB platform's virtualenv python when `python` is not on PATH (Amazon Linux 2/2023
// Python platforms keep the app's venv at /var/app/venv/<name>/bin — documented as the
// platform's virtual environment; the directory name varies, e.g. staging-LQM1lest).
import { access, readdir } from "node:fs/promises";
import { constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Settings } from "../config/settings.js";

export async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (name.includes("/")) return (await isExecutable(name)) ? name : undefined;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function resolveCommand(settings: Settings, env: NodeJS.ProcessEnv, root: string): Promise<string[]> {
  const argv = settings.command;
  if (settings.shell || !settings.commandIsDefault || argv[0] !== "python") return argv;
  if (await onPath("python", env)) return argv;
  const venvPython = await platformVenvPython(root);
  return venvPython ? [venvPython, ...argv.slice(1)] : argv;
}

async function platformVenvPython(root: string): Promise<string | undefined> {
  const venvs = join(root, "var/app/venv");
  let names: string[];
  try {
    names = (await readdir(venvs)).sort();
  } catch {
    return undefined;
  }
  for (const name of names) {
    for (const exe of ["python", "python3"]) {
      const candidate = join(venvs, name, "bin", exe);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
