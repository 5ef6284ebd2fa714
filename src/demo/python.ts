// Finding a Python that can import Django: EB_MIGRATE_DEMO_PYTHON when set, else
// /usr/bin/python3, python3, python (the first on PATH may lack Django while Debian's has it).
import { execFile } from "node:child_process";

export const PYTHON_CANDIDATES = ["/usr/bin/python3", "python3", "python"];

export const INSTALL_HINT =
  "the demo needs Python with Django; install it (Debian/Ubuntu: apt-get install python3-django; elsewhere: pip install django) or set EB_MIGRATE_DEMO_PYTHON to a python that can import django";

export interface DjangoPython {
  python: string;
  djangoVersion: string;
}

export async function findDjangoPython(env: NodeJS.ProcessEnv): Promise<DjangoPython | undefined> {
  const candidates = env.EB_MIGRATE_DEMO_PYTHON ? [env.EB_MIGRATE_DEMO_PYTHON] : PYTHON_CANDIDATES;
  for (const python of candidates) {
    const version = await djangoVersion(python, env);
    if (version) return { python, djangoVersion: version };
  }
  return undefined;
}

function djangoVersion(python: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ["-c", "import django; print(django.get_version())"], { env, timeout: 15_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.trim() || undefined);
    });
  });
}
