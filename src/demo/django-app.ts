// The demo's Django project, written out per instance and version: SQLite (no server needed),
// one app whose migrations grow with each version. 0002 and 0005 are data migrations that
// log every application, so "exactly once" can be counted afterwards.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

const MANAGE_PY = `#!/usr/bin/env python3
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
`;

const SETTINGS_PY = `import os

SECRET_KEY = "eb-migrate-demo-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS = ["shop"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# One SQLite file stands in for the environment's shared database (RDS in real life).
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DEMO_DATABASE"], "OPTIONS": {"timeout": 30}}}
`;

const LOGGED_RUN_PYTHON = (name: string, sleep: boolean) => `import os
import sys
import time

from django.db import migrations


def forward(apps, schema_editor):
    ${sleep ? `# Slow on purpose (DEMO_MIGRATE_SLEEP_SECONDS): the crash scene kills the leader here.
    # stderr, a whole line: Django's own "Applying ..." line only ends once the migration is done.
    print("${name}: backfilling as pid %d" % os.getpid(), file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("DEMO_MIGRATE_SLEEP_SECONDS", "0")))
    ` : ""}apps.get_model("shop", "AppliedLog").objects.create(migration="${name}", pid=os.getpid())
`;

/** Migration files, in order; version N of the app has the first VERSION_MIGRATIONS[N-1] of them. */
export const MIGRATIONS: { name: string; text: string }[] = [
  {
    name: "0001_initial",
    text: `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel("Product", [("id", models.BigAutoField(primary_key=True)), ("name", models.CharField(max_length=100))]),
        migrations.CreateModel("AppliedLog", [("id", models.BigAutoField(primary_key=True)), ("migration", models.CharField(max_length=100)), ("pid", models.IntegerField())]),
    ]
`,
  },
  {
    name: "0002_seed",
    text: `${LOGGED_RUN_PYTHON("0002_seed", false)}

class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
`,
  },
  {
    name: "0003_product_sku",
    text: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_seed")]
    operations = [migrations.AddField("product", "sku", models.CharField(max_length=32, default=""))]
`,
  },
  {
    name: "0004_order",
    text: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_product_sku")]
    operations = [migrations.CreateModel("Order", [("id", models.BigAutoField(primary_key=True)), ("total_cents", models.IntegerField(default=0))])]
`,
  },
  {
    name: "0005_backfill_totals",
    text: `${LOGGED_RUN_PYTHON("0005_backfill_totals", true)}

class Migration(migrations.Migration):
    dependencies = [("shop", "0004_order")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
`,
  },
  {
    name: "0006_order_status",
    text: `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_backfill_totals")]
    operations = [migrations.AddField("order", "status", models.CharField(max_length=16, default="new"))]
`,
  },
];

/** How many migrations each app version (v1, v2, ...) ships. */
export const VERSION_MIGRATIONS = [2, 3, 4, 5, 6];

/** Writes version `version` (1-based) of the app into `dir` (replacing what is there). */
export async function writeDemoApp(dir: string, version: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "demo"), { recursive: true });
  await mkdir(join(dir, "shop", "migrations"), { recursive: true });
  await writeFile(join(dir, "manage.py"), MANAGE_PY);
  await writeFile(join(dir, "demo", "__init__.py"), "");
  await writeFile(join(dir, "demo", "settings.py"), SETTINGS_PY);
  await writeFile(join(dir, "shop", "__init__.py"), "");
  await writeFile(join(dir, "shop", "migrations", "__init__.py"), "");
  const count = VERSION_MIGRATIONS[Math.min(version, VERSION_MIGRATIONS.length) - 1]!;
  for (const m of MIGRATIONS.slice(0, count)) await writeFile(join(dir, "shop", "migrations", `${m.name}.py`), m.text);
}

/** Python that prints {"applied": [...], "log": {...}} for the database: what ran, how often. */
export const INSPECT_DATABASE_PY = `
import json, os, sqlite3
db = sqlite3.connect(os.environ["DEMO_DATABASE"])
def rows(sql):
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
# Django's table, or the demo stand-in's (stand-in-app.ts) when the demo runs without Django.
applied = [r[0] for r in rows("SELECT name FROM django_migrations WHERE app = 'shop' ORDER BY id") or rows("SELECT name FROM standin_migrations WHERE app = 'shop' ORDER BY id")]
log = {}
for (m,) in rows("SELECT migration FROM shop_appliedlog"):
    log[m] = log.get(m, 0) + 1
print(json.dumps({"applied": applied, "log": log}))
`;
