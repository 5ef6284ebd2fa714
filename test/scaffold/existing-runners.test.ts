// init retires the old migrate runners: it finds each (file, line, what), stops with exit 2 and
// writes nothing unless --keep-existing; --dry-run shows the files and the diff of changed ones.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import type { InstanceBundle } from "../../src/scaffold/bundle.js";
import { EBEXTENSION_PATH } from "../../src/scaffold/ebextension.js";
import { findExistingRunners } from "../../src/scaffold/existing-runners.js";
import { formatInitReport, runInit, type InitOptions } from "../../src/scaffold/init.js";
import { runCli } from "../support/cli.js";

const bundle: InstanceBundle = { path: "/nowhere/eb-migrate.cjs", version: "1.0.0", content: Buffer.from("// eb-migrate test bundle\n") };

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ebm-runners-"));
  for (const [path, content] of Object.entries({ "manage.py": "#!/usr/bin/env python\n", ...files })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const opts = (dir: string, more: Partial<InitOptions> = {}): InitOptions => ({ dir, dryRun: false, force: false, containerCommands: false, resources: true, bundle, ...more });

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${statSync(p).mode.toString(8)}:${readFileSync(p, "base64")}`;
    }
  };
  walk(dir);
  return out;
}

const LEADER_ONLY = `option_settings:
  aws:elasticbeanstalk:application:environment:
    DJANGO_SETTINGS_MODULE: project.settings
container_commands:
  01_collectstatic:
    command: "source /var/app/venv/*/bin/activate && python manage.py collectstatic --noinput"
  02_migrate:
    # runs once per deployment, on EB's leader
    command: "source /var/app/venv/*/bin/activate && python manage.py migrate --noinput"
    leader_only: true
`;

async function refusal(dir: string): Promise<ConfigError> {
  const before = snapshot(dir);
  const error = await runInit(opts(dir)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect(snapshot(dir)).toEqual(before); // nothing written
  return error as ConfigError;
}

describe("init and the old migrate runners", () => {
  it("leader_only container_commands: named with file and line; exit 2, nothing written", async () => {
    const dir = app({ ".ebextensions/django.config": LEADER_ONLY });
    const error = await refusal(dir);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('.ebextensions/django.config:9  container_commands "02_migrate" runs migrate (leader_only: true)');
    expect(error.message).toContain('remove the "02_migrate" entry from .ebextensions/django.config');
    expect(error.message).toContain("--keep-existing");
    expect(error.message).not.toContain("collectstatic");
  });

  it("commands without leader_only, and a JSON .config", async () => {
    const dir = app({
      ".ebextensions/a.config": "commands:\n  migrate:\n    command: python manage.py migrate\n",
      ".ebextensions/b.config": JSON.stringify({ container_commands: { "10_migrate": { command: "django-admin migrate" } } }, null, 2),
    });
    expect((await findExistingRunners(dir)).map((r) => `${r.file}:${r.line} ${r.what}`)).toEqual([
      '.ebextensions/a.config:3 commands "migrate" runs migrate',
      '.ebextensions/b.config:3 container_commands "10_migrate" runs migrate',
    ]);
  });

  it("an own predeploy hook and a confighook calling manage.py migrate", async () => {
    const dir = app({
      ".platform/hooks/predeploy/01_migrate.sh": "#!/bin/bash\nset -e\nsource /var/app/venv/*/bin/activate\n# python manage.py check\npython manage.py migrate --noinput\n",
      ".platform/confighooks/predeploy/01_migrate.sh": "#!/bin/bash\n/var/app/venv/staging/bin/python /var/app/staging/manage.py migrate\n",
      ".platform/hooks/postdeploy/01_notify.sh": "#!/bin/bash\necho migrated\n",
    });
    const error = await refusal(dir);
    expect(error.message).toContain(".platform/confighooks/predeploy/01_migrate.sh:2  confighooks/predeploy hook runs manage.py migrate on every instance");
    expect(error.message).toContain(".platform/hooks/predeploy/01_migrate.sh:5  hooks/predeploy hook runs manage.py migrate on every instance");
    expect(error.message).not.toContain("01_notify");
    expect(error.message).not.toContain(":4 ");
  });

  it("a script reading EB_IS_COMMAND_LEADER", async () => {
    const dir = app({ "bin/release.sh": '#!/bin/sh\nif [ "$EB_IS_COMMAND_LEADER" = "true" ]; then\n  python manage.py migrate\nfi\n', "README.md": "We used EB_IS_COMMAND_LEADER once.\n" });
    const error = await refusal(dir);
    expect(error.message).toContain("bin/release.sh:2  reads EB_IS_COMMAND_LEADER (EB's one-time leader election)");
    expect(error.message).not.toContain("README.md");
  });

  it("Procfile and Dockerfile entries running migrate", async () => {
    const dir = app({ Procfile: "web: python manage.py migrate && gunicorn project.wsgi\nworker: celery -A project worker\n", Dockerfile: 'FROM python:3.12\nRUN pip install -r requirements.txt\nCMD ["sh", "-c", "python manage.py migrate && gunicorn project.wsgi"]\n' });
    expect((await findExistingRunners(dir)).map((r) => `${r.file}:${r.line} ${r.what}`)).toEqual([
      "Dockerfile:3 CMD runs migrate at every container start",
      'Procfile:1 Procfile process "web" runs migrate at every start, on every instance',
    ]);
  });

  it("eb-migrate's own files are not old runners: init runs again cleanly", async () => {
    const dir = app({});
    await runInit(opts(dir));
    await runInit(opts(dir, { containerCommands: true }));
    expect(await findExistingRunners(dir)).toEqual([]);
  });

  it("--keep-existing writes eb-migrate's files and lists what it kept", async () => {
    const dir = app({ ".ebextensions/django.config": LEADER_ONLY });
    const result = await runInit(opts(dir, { keepExisting: true }));
    expect(result.outcomes.map((o) => o.action)).toEqual(["create", "create", "create"]);
    expect(formatInitReport(result)).toContain("Also running migrate in this app (kept: --keep-existing):\n  .ebextensions/django.config:9");
  });
});

describe("init --dry-run", () => {
  it("shows the diff of each existing file it would change, and writes nothing", async () => {
    const dir = app({});
    await runInit(opts(dir));
    const config = join(dir, EBEXTENSION_PATH);
    writeFileSync(config, readFileSync(config, "utf8").replace("EB_MIGRATE_", "EB_MIGRATE_X_"));
    const before = snapshot(dir);
    const result = await runInit(opts(dir, { dryRun: true, force: true }));
    expect(snapshot(dir)).toEqual(before);
    expect(result.diffs.map((d) => d.path)).toEqual([EBEXTENSION_PATH]);
    const report = formatInitReport(result);
    expect(report).toContain(`would overwrite  ${EBEXTENSION_PATH}`);
    expect(report).toMatch(new RegExp(`--- ${EBEXTENSION_PATH.replace(".", "\\.")}\\tcurrent\\n\\+\\+\\+ ${EBEXTENSION_PATH.replace(".", "\\.")}\\tinit would write\\n@@ `));
    expect(report).toMatch(/\n-.*EB_MIGRATE_X_/);
    expect(report).toMatch(/\n\+.*EB_MIGRATE_(?!X_)/);
  });

  it("the CLI lists the old runners after the plan and exits 2, as init would", async () => {
    const dir = app({ ".platform/hooks/predeploy/01_migrate.sh": "#!/bin/bash\npython manage.py migrate\n" });
    const before = snapshot(dir);
    const out = await runCli(["init", "--dry-run"], {}, { cwd: dir });
    expect(out.exitCode, out.stderr).toBe(2);
    expect(out.stdout).toContain("would create");
    expect(out.stdout).toContain("init stops here unless --keep-existing");
    expect(out.stderr).toContain(".platform/hooks/predeploy/01_migrate.sh:2");
    expect(snapshot(dir)).toEqual(before);
    const kept = await runCli(["init", "--keep-existing"], {}, { cwd: dir });
    expect(kept.exitCode, kept.stderr).toBe(0);
  });
});
