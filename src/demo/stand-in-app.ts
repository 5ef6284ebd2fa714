// The demo's migration stand-in, for a machine whose Python cannot import Django: a manage.py
// written for the demo with only the standard library (sqlite3). Like Django's migrate it
// applies the numbered migrations not yet recorded in a table, each in one transaction, and
// takes no lock — so two copies at once apply the same migration twice, the hazard eb-migrate
// prevents. Same migration names, tables and log rows as the Django app (django-app.ts), so
// every scene plays and is judged the same way. Not Django: the demo says so.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { VERSION_MIGRATIONS } from "./django-app.js";

/** Where the stand-in records applied migrations (Django's own table is django_migrations). */
export const STAND_IN_MIGRATIONS_TABLE = "standin_migrations";

const MANAGE_PY = `#!/usr/bin/env python3
"""eb-migrate demo: a stand-in for Django's "manage.py migrate" (stdlib only; NOT Django).

Applies shop/migrations/NNNN_*.py in order, skipping those recorded in ${STAND_IN_MIGRATIONS_TABLE};
each migration and its record in one transaction. No lock, as in Django: two copies at once
would both apply the same migration.
"""
import glob
import importlib.util
import os
import sqlite3
import sys
import time

TABLE = "${STAND_IN_MIGRATIONS_TABLE}"


def main(argv):
    if argv[1:2] != ["migrate"]:
        print("this demo stand-in only knows: manage.py migrate [--noinput]", file=sys.stderr)
        return 2
    db = sqlite3.connect(os.environ["DEMO_DATABASE"], timeout=30, isolation_level=None)
    db.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL, name TEXT NOT NULL, applied REAL NOT NULL)")
    applied = {name for (name,) in db.execute(f"SELECT name FROM {TABLE} WHERE app = 'shop'")}
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(glob.glob(os.path.join(here, "shop", "migrations", "[0-9][0-9][0-9][0-9]_*.py")))
    pending = [f for f in files if os.path.basename(f)[:-3] not in applied]
    print("Operations to perform (demo stand-in for Django's migrate):\\n  Apply all migrations: shop")
    print("Running migrations:")
    if not pending:
        print("  No migrations to apply.")
    for path in pending:
        name = os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.stdout.write(f"  Applying shop.{name}...")
        sys.stdout.flush()
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in module.SQL:
                db.execute(statement)
            if module.LOGGED:
                if module.SLOW:
                    # The crash scene kills the leader here (a whole line on stderr, as in the Django app).
                    print(f"{name}: backfilling as pid {os.getpid()}", file=sys.stderr, flush=True)
                    time.sleep(float(os.environ.get("DEMO_MIGRATE_SLEEP_SECONDS", "0")))
                db.execute("INSERT INTO shop_appliedlog (migration, pid) VALUES (?, ?)", (name, os.getpid()))
            db.execute(f"INSERT INTO {TABLE} (app, name, applied) VALUES ('shop', ?, ?)", (name, time.time()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        print(" OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;

interface StandInMigration {
  name: string;
  sql: string[];
  logged?: boolean;
  slow?: boolean;
}

/** The Django app's migrations (django-app.ts MIGRATIONS), as SQL for SQLite. */
const MIGRATIONS: StandInMigration[] = [
  {
    name: "0001_initial",
    sql: [
      "CREATE TABLE shop_product (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(100) NOT NULL)",
      "CREATE TABLE shop_appliedlog (id INTEGER PRIMARY KEY AUTOINCREMENT, migration varchar(100) NOT NULL, pid integer NOT NULL)",
    ],
  },
  { name: "0002_seed", sql: [], logged: true },
  { name: "0003_product_sku", sql: ["ALTER TABLE shop_product ADD COLUMN sku varchar(32) NOT NULL DEFAULT ''"] },
  { name: "0004_order", sql: ["CREATE TABLE shop_order (id INTEGER PRIMARY KEY AUTOINCREMENT, total_cents integer NOT NULL DEFAULT 0)"] },
  { name: "0005_backfill_totals", sql: [], logged: true, slow: true },
  { name: "0006_order_status", sql: ["ALTER TABLE shop_order ADD COLUMN status varchar(16) NOT NULL DEFAULT 'new'"] },
];

export const STAND_IN_MIGRATION_NAMES = MIGRATIONS.map((m) => m.name);

function migrationFile(m: StandInMigration): string {
  const py = (b: boolean | undefined) => (b ? "True" : "False");
  return `# eb-migrate demo stand-in migration (not Django).\nSQL = ${JSON.stringify(m.sql)}\nLOGGED = ${py(m.logged)}\nSLOW = ${py(m.slow)}\n`;
}

/** Writes version `version` (1-based) of the stand-in app into `dir` (replacing what is there). */
export async function writeStandInApp(dir: string, version: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "shop", "migrations"), { recursive: true });
  await writeFile(join(dir, "manage.py"), MANAGE_PY);
  const count = VERSION_MIGRATIONS[Math.min(version, VERSION_MIGRATIONS.length) - 1]!;
  for (const m of MIGRATIONS.slice(0, count)) await writeFile(join(dir, "shop", "migrations", `${m.name}.py`), migrationFile(m));
}
