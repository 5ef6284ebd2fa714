// local mode: the release command can start here — its program resolves (as `run` resolves it,
// incl. EB's virtualenv python) and manage.py is in the app directory when the command uses it.
import { access } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { Settings } from "../../config/settings.js";
import { onPath, resolveCommand } from "../../release/resolve-command.js";
import { fail, pass, type CheckResult } from "../checklist.js";

export async function checkCommand(settings: Settings, env: NodeJS.ProcessEnv, root: string, appDir: string): Promise<CheckResult[]> {
  const argv = await resolveCommand(settings, env, root);
  const program = settings.shell ? "/bin/sh" : argv[0]!;
  const results: CheckResult[] = [];
  const found = await onPath(program, env);
  results.push(
    found
      ? pass("command", `${settings.commandText} (${program === found ? found : `${program} → ${found}`})`)
      : fail("command", `${program} is not found${program.includes("/") ? "" : " on PATH"} (nor in EB's virtualenv under ${join(root, "var/app/venv")})`, "give the full path in EB_MIGRATE_COMMAND, e.g. /var/app/venv/<name>/bin/python manage.py migrate --noinput"),
  );
  const script = (settings.shell ? settings.commandText.split(/\s+/) : argv).find((w) => /(^|\/)manage\.py$/.test(w));
  if (script) {
    const path = isAbsolute(script) ? script : join(appDir, script);
    const present = await access(path).then(() => true, () => false);
    results.push(present ? pass("manage.py", path) : fail("manage.py", `${path} does not exist`, `run doctor in the application directory (the hook runs in /var/app/staging; pass --dir), or fix the path in EB_MIGRATE_COMMAND`));
  }
  return results;
}
