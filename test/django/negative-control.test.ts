// The negative control: without eb-migrate, `migrate` on several instances at once damages the database.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyDjangoApp, countSeedRows, djangoEnv, duplicateMigrationRows, runManagePy, type ManageResult } from "../support/django.js";
import { createDatabase, type TestDatabase } from "../support/postgres.js";

const INSTANCES = 8;

let db: TestDatabase;
let work: string;
let appDir: string;

beforeEach(async () => {
  db = await createDatabase("negative_control");
  work = await mkdtemp(join(tmpdir(), "eb-migrate-negative-control-"));
  appDir = await copyDjangoApp(join(work, "app"));
});

afterEach(async () => {
  await db?.drop();
  await rm(work, { recursive: true, force: true });
});

const migrate = (extraEnv: Record<string, string> = {}) =>
  runManagePy(appDir, ["migrate", "--noinput"], { ...djangoEnv(db), ...extraEnv });

/**
 * Starts `INSTANCES` plain migrates together. The fixture's barrier holds each one after
 * it has planned its migrations until all have planned, so every run plans against the
 * same database state: the outcome does not depend on how the OS schedules them.
 */
function migrateOnAllInstancesAtOnce(): Promise<ManageResult[]> {
  const barrier = {
    MIGRATE_BARRIER_DIR: join(work, "barrier"),
    MIGRATE_BARRIER_PARTIES: String(INSTANCES),
    MIGRATE_MARKER_FILE: join(work, "seed-marker.log"),
  };
  return Promise.all(Array.from({ length: INSTANCES }, () => migrate(barrier)));
}

/** One line per run: exit code and the error line of its traceback, for assertion messages. */
function describeRuns(results: ManageResult[]): string {
  return results
    .map((r, i) => {
      const lines = r.stderr.trim().split("\n");
      const error = lines.filter((l) => /^[\w.]+(Error|Exception|Missing)\b/.test(l)).pop() ?? lines.pop();
      return `#${i} exit ${r.exitCode}: ${error ?? ""}`;
    })
    .join("\n");
}

describe("Django migrate without eb-migrate", () => {
  it("applies the data migration exactly once when a single process migrates (sanity)", async () => {
    const first = await migrate();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain("Applying shop.0002_seed... OK");

    const again = await migrate();
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain("No migrations to apply.");

    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
  });

  it("applies a new data migration once per instance when 8 instances deploy it at once", async () => {
    // The database of a running app: 0001 applied; the deployment brings 0002 and 0003.
    const previous = await runManagePy(appDir, ["migrate", "shop", "0001", "--noinput"], djangoEnv(db));
    expect(previous.exitCode, previous.stderr).toBe(0);
    expect(await countSeedRows(db)).toBe(0);

    const results = await migrateOnAllInstancesAtOnce();

    // No process notices anything wrong: every one exits 0 ...
    expect(results.map((r) => r.exitCode), describeRuns(results)).toEqual(Array(INSTANCES).fill(0));
    // ... yet the non-idempotent data migration ran on every instance,
    expect(await countSeedRows(db)).toBe(INSTANCES);
    const seededBy = new Set((await readFile(join(work, "seed-marker.log"), "utf8")).trim().split("\n"));
    expect(seededBy.size).toBe(INSTANCES);
    // and django_migrations records the same migration 8 times.
    expect(await duplicateMigrationRows(db)).toEqual([
      { app: "shop", name: "0002_seed", count: INSTANCES },
      { app: "shop", name: "0003_release_check", count: INSTANCES },
    ]);
  });

  it("fails the deployment on at least 7 of 8 instances that migrate a fresh database at once", async () => {
    const results = await migrateOnAllInstancesAtOnce();

    // Every run planned to create the same tables; only one can create each of them.
    const failed = results.filter((r) => r.exitCode !== 0);
    expect(failed.length, describeRuns(results)).toBeGreaterThanOrEqual(INSTANCES - 1);
    for (const run of failed) {
      expect(run.stderr).toMatch(/already exists|duplicate key value|Unable to create the django_migrations table/);
    }
  });

  it("exits non-zero with the migration's error when MIGRATE_FAIL=1", async () => {
    const failing = await migrate({ MIGRATE_FAIL: "1" });
    expect(failing.exitCode).not.toBe(0);
    expect(failing.stderr).toContain("RuntimeError: migration failed on purpose");
    const recorded = await db.query<{ name: string }>("SELECT name FROM django_migrations WHERE app = 'shop' ORDER BY id");
    expect(recorded.map((r) => r.name)).toEqual(["0001_initial", "0002_seed"]);

    const retried = await migrate();
    expect(retried.exitCode, retried.stderr).toBe(0);
    expect(retried.stdout).toContain("Applying shop.0003_release_check... OK");
    expect(await countSeedRows(db)).toBe(1);
  });
});
