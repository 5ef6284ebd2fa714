// The real Django fixture app: where it is, how to run it, and how to see what its migrations did.
import { spawn } from "node:child_process";
import { cp } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { quote } from "shell-quote";
import type { TestDatabase } from "./postgres.js";

/** Debian's interpreter, which has Django and psycopg2 (the `python3` first on PATH may not). */
export const DJANGO_PYTHON = process.env.EB_MIGRATE_TEST_PYTHON || "/usr/bin/python3";

export const FIXTURE_APP_DIR = fileURLToPath(new URL("../fixtures/djangoapp", import.meta.url));

/** Copies the fixture app to `destDir` (one staging directory per instance); returns `destDir`. */
export async function copyDjangoApp(destDir: string): Promise<string> {
  await cp(FIXTURE_APP_DIR, destDir, { recursive: true, filter: (src) => basename(src) !== "__pycache__" });
  return destDir;
}

/** The app's environment for `db`; merge it over process.env when spawning. */
export function djangoEnv(db: Pick<TestDatabase, "env">): Record<string, string> {
  return { ...db.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" };
}

/** The EB_MIGRATE_COMMAND to run in the app's directory. */
export function migrateCommand(): string {
  return `${quote([DJANGO_PYTHON])} manage.py migrate --noinput`;
}

export interface ManageResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `python manage.py ...args` in `appDir`; resolves (never rejects) when it exits. */
export function runManagePy(appDir: string, args: string[], env: Record<string, string>): Promise<ManageResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(DJANGO_PYTHON, ["manage.py", ...args], {
      cwd: appDir,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}

/** Rows in shop_seedlog: how many times the data migration shop.0002_seed was applied (0 before 0001). */
export async function countSeedRows(db: Pick<TestDatabase, "query">): Promise<number> {
  const rows = await tableMayBeMissing(db.query<{ n: number }>("SELECT count(*)::int AS n FROM shop_seedlog"));
  return rows[0]?.n ?? 0;
}

export interface DuplicateMigration {
  app: string;
  name: string;
  count: number;
}

/** Migrations recorded more than once in django_migrations (Django has no unique key there). */
export function duplicateMigrationRows(db: Pick<TestDatabase, "query">): Promise<DuplicateMigration[]> {
  return tableMayBeMissing(
    db.query<DuplicateMigration>(
      "SELECT app, name, count(*)::int AS count FROM django_migrations GROUP BY app, name HAVING count(*) > 1 ORDER BY app, name",
    ),
  );
}

async function tableMayBeMissing<R>(rows: Promise<R[]>): Promise<R[]> {
  try {
    return await rows;
  } catch (error) {
    if ((error as { code?: unknown }).code === "42P01") return []; // undefined_table: nothing migrated yet
    throw error;
  }
}
