// The argv to run. The setting as given, except for the default command in local mode: its
// `python` becomes the first Python 3 of (1) the EB platform's virtualenv, (2) `python3` on
// PATH, (3) `python` on PATH. Amazon Linux 2/2023 Python platforms keep the app's venv at
// /var/app/venv/<name>/bin (AWS docs, "Using the Elastic Beanstalk Python platform": the
// platform's virtual environment; the name varies, e.g. staging-LQM1lest), and on Amazon
// Linux 2 `/usr/bin/python` is Python 2.7, which must never run Django's migrate.
import { execFile } from "node:child_process";
import { access, readdir } from "node:fs/promises";
import { constants } from "node:fs";
import { delimiter, join } from "node:path";
import { ConfigError } from "../cli/errors.js";
import { DEFAULT_COMMAND, type Settings } from "../config/settings.js";

export async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (name.includes("/")) return (await isExecutable(name)) ? name : undefined;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface PythonCandidate {
  path: string;
  /** "Python 3.11.6", or what was wrong with it. */
  version: string;
  usable: boolean;
}

/** Every interpreter the default command may use, in order, each with its `--version`. */
export async function pythonCandidates(env: NodeJS.ProcessEnv, root: string): Promise<PythonCandidate[]> {
  const paths = [...(await platformVenvPythons(root))];
  for (const name of ["python3", "python"]) {
    const found = await onPath(name, env);
    if (found) paths.push(found);
  }
  const out: PythonCandidate[] = [];
  for (const path of [...new Set(paths)]) out.push({ path, ...(await pythonVersion(path, env)) });
  return out;
}

/** The first Python 3 for the default command; a ConfigError listing what was found when none is. */
export async function choosePython(env: NodeJS.ProcessEnv, root: string): Promise<string> {
  const candidates = await pythonCandidates(env, root);
  const chosen = candidates.find((c) => c.usable);
  if (chosen) return chosen.path;
  const seen = candidates.map((c) => `${c.path}: ${c.version}`).join("; ");
  throw new ConfigError(
    `no Python 3 for the release command (${seen || `none in ${join(root, "var/app/venv")}/*/bin nor python3/python on PATH`}); use a Python platform, or set EB_MIGRATE_COMMAND with the interpreter's full path`,
  );
}

export async function resolveCommand(settings: Pick<Settings, "command" | "mode">, env: NodeJS.ProcessEnv, root: string): Promise<string[]> {
  const { argv, text, shell } = settings.command;
  // In ecs mode the command runs in the task's container: nothing on this instance applies.
  if (settings.mode !== "local" || shell || text !== DEFAULT_COMMAND || argv[0] !== "python") return argv;
  return [await choosePython(env, root), ...argv.slice(1)];
}

async function platformVenvPythons(root: string): Promise<string[]> {
  const venvs = join(root, "var/app/venv");
  let names: string[];
  try {
    names = (await readdir(venvs)).sort();
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    for (const exe of ["python3", "python"]) {
      const candidate = join(venvs, name, "bin", exe);
      if (await isExecutable(candidate)) {
        found.push(candidate);
        break;
      }
    }
  }
  return found;
}

/** `python --version` (Python 2 prints it on stderr, 3 on stdout); never imports anything. */
function pythonVersion(path: string, env: NodeJS.ProcessEnv): Promise<{ version: string; usable: boolean }> {
  return new Promise((resolve) => {
    execFile(path, ["--version"], { env, timeout: 10_000 }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`.trim().split("\n")[0] ?? "";
      const match = /^Python (\d+)\.\d+/.exec(text);
      if (error && !match) return resolve({ version: `does not run (${error.message.split("\n")[0]})`, usable: false });
      if (!match) return resolve({ version: `not Python (${JSON.stringify(text.slice(0, 60))})`, usable: false });
      resolve({ version: text, usable: Number(match[1]) >= 3 });
    });
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
