// The database of the chaos rows that need one: the server the tests use when its address is
// in the environment (EB_MIGRATE_TEST_PG*), else a throw-away cluster started on first use and
// stopped when the chaos run ends; plus a minimal Django project whose default database it is,
// so the database lock's launcher can take its lock there.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startPostgresCluster, type Cluster, type PostgresServer } from "../dev/postgres-cluster.js";

/** Debian's interpreter, with Django and psycopg2 (the first python on PATH may lack them). */
export const CHAOS_PYTHON = process.env.EB_MIGRATE_TEST_PYTHON || "/usr/bin/python3";

let cluster: Promise<Cluster> | undefined;

export async function chaosPostgres(): Promise<PostgresServer> {
  const host = process.env.EB_MIGRATE_TEST_PGHOST;
  const port = process.env.EB_MIGRATE_TEST_PGPORT;
  if (host && port) return { host, port: Number(port), user: process.env.EB_MIGRATE_TEST_PGUSER || "postgres" };
  cluster ??= startPostgresCluster();
  return (await cluster).server;
}

export async function stopChaosPostgres(): Promise<void> {
  if (cluster) await (await cluster).stop();
  cluster = undefined;
}

export interface ChaosDjangoProject {
  dir: string;
  /** What each instance process adds to its environment: the database, and a `python3`/`python` with Django first on PATH. */
  env: Record<string, string>;
}

/** manage.py and a settings module in `dir`; the `postgres` database of `server` is its default. */
export async function writeChaosDjangoProject(dir: string, server: PostgresServer): Promise<ChaosDjangoProject> {
  await mkdir(join(dir, "bin"), { recursive: true });
  await writeFile(join(dir, "manage.py"), 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "chaos_settings")\n');
  await writeFile(
    join(dir, "chaos_settings.py"),
    [
      "import os",
      'SECRET_KEY = "chaos"',
      "INSTALLED_APPS = []",
      'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postgres", "HOST": os.environ["CHAOS_PGHOST"], "PORT": os.environ["CHAOS_PGPORT"], "USER": os.environ["CHAOS_PGUSER"]}}',
      "",
    ].join("\n"),
  );
  // The default command takes python3 before python from PATH: both are Django's interpreter here.
  await symlink(CHAOS_PYTHON, join(dir, "bin", "python3"));
  await symlink(CHAOS_PYTHON, join(dir, "bin", "python"));
  return {
    dir,
    env: {
      PATH: `${join(dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      CHAOS_PGHOST: server.host,
      CHAOS_PGPORT: String(server.port),
      CHAOS_PGUSER: server.user,
      PYTHONDONTWRITEBYTECODE: "1",
      PYTHONUNBUFFERED: "1",
    },
  };
}
