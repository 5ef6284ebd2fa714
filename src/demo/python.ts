// The demo's Python: EB_MIGRATE_DEMO_PYTHON when set, else /usr/bin/python3, python3, python
// (the first on PATH may lack Django while Debian's has it). The first that can import Django
// runs the real Django app; when none can, the first Python 3 runs the demo's stand-in.
import { execFile } from "node:child_process";

export const PYTHON_CANDIDATES = ["/usr/bin/python3", "python3", "python"];

export const INSTALL_HINT =
  "the demo needs Python 3 (with Django for the real app); install it (Debian/Ubuntu: apt-get install python3 python3-django; elsewhere: install Python 3, then pip install django) or set EB_MIGRATE_DEMO_PYTHON to a Python 3";

export interface DemoPython {
  python: string;
  /** The Django version, or undefined when this Python cannot import Django (the stand-in plays). */
  djangoVersion?: string;
}

export async function findDemoPython(env: NodeJS.ProcessEnv): Promise<DemoPython | undefined> {
  const candidates = env.EB_MIGRATE_DEMO_PYTHON ? [env.EB_MIGRATE_DEMO_PYTHON] : PYTHON_CANDIDATES;
  let plain: string | undefined;
  for (const python of candidates) {
    const djangoVersion = await ask(python, "import django; print(django.get_version())", env);
    if (djangoVersion) return { python, djangoVersion };
    // A Python 3 with the standard library's sqlite3 is enough for the stand-in.
    if (!plain && (await ask(python, "import sys, sqlite3; print(sys.version_info[0])", env)) === "3") plain = python;
  }
  return plain ? { python: plain } : undefined;
}

function ask(python: string, code: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ["-c", code], { env, timeout: 15_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.trim() || undefined);
    });
  });
}
