// local mode: the release command can start here — its program resolves (as `run` resolves it:
// the platform's virtualenv python first, never a Python 2), manage.py is in the app directory
// when the command uses it, and that Python can set Django up under the app's settings.
import { execFile } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import { basename, isAbsolute, join } from "node:path";
import { EbMigrateError } from "../../cli/errors.js";
import type { Settings } from "../../config/settings.js";
import { onPath, resolveCommand } from "../../release/resolve-command.js";
import { fail, pass, type CheckResult } from "../checklist.js";

export async function checkCommand(settings: Settings, env: NodeJS.ProcessEnv, root: string, appDir: string): Promise<CheckResult[]> {
  let argv: string[];
  try {
    argv = await resolveCommand(settings, env, root);
  } catch (error) {
    if (!(error instanceof EbMigrateError)) throw error;
    return [fail("command", error.message, "install Python 3 (EB's Python platforms have it in /var/app/venv), or give its full path in EB_MIGRATE_COMMAND")];
  }
  const { text, redactedText, shell } = settings.command;
  const program = argv[0]!;
  const results: CheckResult[] = [];
  const found = await onPath(program, env);
  results.push(
    found
      ? pass("command", `${redactedText} (${program === found ? found : `${program} → ${found}`})`)
      : fail("command", `${program} is not found${program.includes("/") ? "" : " on PATH"} (nor in EB's virtualenv under ${join(root, "var/app/venv")})`, "give the full path in EB_MIGRATE_COMMAND, e.g. /var/app/venv/<name>/bin/python manage.py migrate --noinput"),
  );
  const script = (shell ? text.split(/\s+/) : argv).find((w) => /(^|\/)manage\.py$/.test(w));
  if (!script) return results;
  const path = isAbsolute(script) ? script : join(appDir, script);
  const present = await access(path).then(() => true, () => false);
  results.push(present ? pass("manage.py", path) : fail("manage.py", `${path} does not exist`, `run doctor in the application directory (the hook runs in /var/app/staging; pass --dir), or fix the path in EB_MIGRATE_COMMAND`));
  if (present && found && !shell && /^python/.test(basename(found))) results.push(await checkDjango(found, path, appDir, env));
  return results;
}

const DJANGO_SETUP = "import django; django.setup(); print(django.get_version())";

/** `import django; django.setup()` with the interpreter the release would use, in the app. */
export async function checkDjango(python: string, managePy: string, appDir: string, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const settingsModule = env.DJANGO_SETTINGS_MODULE ?? settingsFromManagePy(await readFile(managePy, "utf8").catch(() => ""));
  const childEnv = { ...env, ...(settingsModule ? { DJANGO_SETTINGS_MODULE: settingsModule } : {}) };
  const under = settingsModule ? ` under ${settingsModule}` : "";
  return await new Promise((resolve) => {
    execFile(python, ["-c", DJANGO_SETUP], { cwd: appDir, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(pass("Django", `${stdout.trim()} (${python}${under})`));
      // The exception's own line (last of the traceback) names the cause.
      const cause = stderr.trim().split("\n").pop() || error.message.split("\n")[0]!;
      resolve(fail("Django", `${python} cannot set Django up${under}: ${cause}`, "install the app's requirements into that Python (EB installs requirements.txt into /var/app/venv), and set the environment properties the settings need"));
    });
  });
}

/** The module manage.py sets by default (`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.settings")`). */
export function settingsFromManagePy(text: string): string | undefined {
  return /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/.exec(text)?.[1];
}
