// A deployment the way the platform runs it, against the sandbox, with the real Django app and
// PostgreSQL: exactly one instance migrates, every hook waits for it and reports its outcome.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { findBundle } from "../../src/scaffold/bundle.js";
import { runInit } from "../../src/scaffold/init.js";
import { copyDjangoApp, countSeedRows, djangoEnv, duplicateMigrationRows, migrateCommand } from "../support/django.js";
import { createDatabase, type TestDatabase } from "../support/postgres.js";
import { deployAllAtOnce } from "./deploy-harness.js";

const repo = join(dirname(new URL(import.meta.url).pathname), "..", "..");
/** Only what a hook on an instance would have besides the environment's properties. */
const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), LANG: "C.UTF-8" };

async function appWithInit(options: { containerCommands?: boolean; alsoHook?: boolean } = {}): Promise<string> {
  const app = await copyDjangoApp(join(await mkdtemp(join(tmpdir(), "ebm-deploy-app-")), "app"));
  const bundle = await findBundle([join(repo, "dist", "eb-migrate.cjs")]);
  const base = { dir: app, dryRun: false, force: false, resources: true, bundle };
  if (options.alsoHook) await runInit({ ...base, containerCommands: false });
  await runInit({ ...base, containerCommands: options.containerCommands ?? false });
  return app;
}

describe("deploying to three instances like the platform does", () => {
  let sandbox: Sandbox | undefined;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    await findBundle([join(repo, "dist", "eb-migrate.cjs")]); // fails clearly without `npm run build`
  });
  afterEach(async () => {
    await sandbox?.stop();
    await db?.drop();
    sandbox = undefined;
    db = undefined;
  });

  async function environment(name: string, properties: Record<string, string> = {}) {
    db = await createDatabase(name);
    const marker = join(await mkdtemp(join(tmpdir(), "ebm-marker-")), "seed-starts");
    sandbox = await startSandbox({
      instances: 3,
      environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand(), MIGRATE_MARKER_FILE: marker, ...djangoEnv(db), ...properties },
    });
    await sandbox.deploy({ versionLabel: `${name}-v2` });
    return { db, sandbox, marker };
  }

  it("migrates on exactly one instance and every hook exits 0", async () => {
    const { db, sandbox, marker } = await environment("deploy_ok");
    const app = await appWithInit();
    const results = await deployAllAtOnce(sandbox, { app, baseEnv });

    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r.steps.map((s) => s.step), r.instanceId).toEqual([".platform/hooks/predeploy/50_eb_migrate.sh"]);
      expect(r.steps[0]!.exitCode, r.steps[0]!.output).toBe(0);
      expect(r.succeeded).toBe(true);
      // What `eb logs` collects (the ebextension adds this file to the tail and bundle logs).
      expect(await readFile(join(r.root, "var/log/eb-migrate.log"), "utf8")).not.toBe("");
    }
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
    expect((await readFile(marker, "utf8")).trim().split("\n")).toHaveLength(1);
  });

  it("makes every instance's hook exit non-zero when the migration fails", async () => {
    const { sandbox } = await environment("deploy_fail", { MIGRATE_FAIL: "1" });
    const app = await appWithInit();
    const results = await deployAllAtOnce(sandbox, { app, baseEnv });

    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r.succeeded, r.instanceId).toBe(false);
      expect(r.steps[0]!.exitCode, r.steps[0]!.output).toBe(1);
      expect(r.steps[0]!.timedOut).toBe(false);
    }
    expect(results.some((r) => r.steps[0]!.output.includes("migration failed on purpose"))).toBe(true);
  });

  it("with container_commands and the hook both installed, the second run is a no-op", async () => {
    const { db, sandbox, marker } = await environment("deploy_both");
    const app = await appWithInit({ containerCommands: true, alsoHook: true });
    const results = await deployAllAtOnce(sandbox, { app, baseEnv });

    for (const r of results) {
      expect(r.steps.map((s) => s.step)).toEqual(["container_commands:eb_migrate_release", ".platform/hooks/predeploy/50_eb_migrate.sh"]);
      for (const s of r.steps) expect(s.exitCode, `${r.instanceId} ${s.step}: ${s.output}`).toBe(0);
    }
    expect(await countSeedRows(db)).toBe(1);
    expect((await readFile(marker, "utf8")).trim().split("\n")).toHaveLength(1);
  });
});
