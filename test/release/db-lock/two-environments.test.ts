// Two Elastic Beanstalk environments (a web and a worker tier) on one database deploy the same
// release at once, 3 instances each: each elects its own leader, and only the database lock
// keeps the two leaders' migrations apart. With EB_MIGRATE_DB_LOCK=off the damage shows.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countSeedRows, djangoEnv, duplicateMigrationRows } from "../../support/django.js";
import { deployBoth, environmentOf, migrateToInitial, twoEnvironments } from "../../support/environments.js";
import { describeRuns } from "../../support/fleet.js";
import { runCli } from "../../support/cli.js";
import { perTestResources } from "../../support/resources.js";
import type { TestDatabase } from "../../support/postgres.js";

const resources = perTestResources();

async function runningAppDatabase(): Promise<TestDatabase> {
  const db = await resources.database("twoenv");
  await migrateToInitial(djangoEnv(db));
  return db;
}

describe("two environments, one database", () => {
  it("the data migration applies once; one leader waits for the other's database lock, naming it", async () => {
    const db = await runningAppDatabase();
    const sandboxes = await twoEnvironments(resources, {});
    // Long enough that the second leader asks for the lock while the first holds it.
    const runs = await deployBoth(sandboxes, { ...djangoEnv(db), MIGRATE_SLEEP_SECONDS: "6" });
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual(Array(6).fill(0));
    const leaders = runs.filter((r) => r.stats?.role === "leader");
    expect(leaders, detail).toHaveLength(2);
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);

    const waited = leaders.filter((r) => /waiting for the database lock/.test(r.output));
    expect(waited, detail).toHaveLength(1);
    const other = leaders.find((r) => r !== waited[0])!;
    const otherEnv = environmentOf(sandboxes, other.id).state().environment.name;
    expect(waited[0]!.output).toMatch(new RegExp(`waiting for the database lock \\(PostgreSQL advisory lock \\d+\\), held by eb-migrate ${otherEnv} ${other.id} v2`));
    expect(waited[0]!.output).toMatch(/took the database lock \(PostgreSQL advisory lock \d+\) after waiting \d+(\.\d)? s/);
    expect(waited[0]!.output).toContain("No migrations to apply.");

    // The release record and `status` say the leader waited, and for whom.
    const waitedSandbox = environmentOf(sandboxes, waited[0]!.id);
    const status = await runCli(["status", "--json"], waitedSandbox.state().instances[0]!.env);
    const release = (JSON.parse(status.stdout) as { releases: { dbLock: { acquired: boolean; waitedMs: number; heldBy: string } | null }[] }).releases[0];
    expect(release?.dbLock).toMatchObject({ acquired: true, heldBy: expect.stringContaining(`eb-migrate ${otherEnv} ${other.id}`) });
    expect(release!.dbLock!.waitedMs).toBeGreaterThan(0);
    const text = await runCli(["status"], waitedSandbox.state().instances[0]!.env);
    expect(text.stdout).toMatch(new RegExp(`the leader waited \\d+(\\.\\d)? s for the database lock held by eb-migrate ${otherEnv} ${other.id}`));
  });

  it("negative control: with EB_MIGRATE_DB_LOCK=off both leaders apply the data migration", async () => {
    const db = await runningAppDatabase();
    const sandboxes = await twoEnvironments(resources, { EB_MIGRATE_DB_LOCK: "off" });
    // The fixture's barrier holds both leaders after planning until both have planned.
    const barrier = { MIGRATE_BARRIER_DIR: join(sandboxes[0]!.baseDir, "barrier"), MIGRATE_BARRIER_PARTIES: "2" };
    const runs = await deployBoth(sandboxes, { ...djangoEnv(db), ...barrier, MIGRATE_SLEEP_SECONDS: "1" });
    const detail = describeRuns(runs);
    // Nobody notices: every instance exits 0 ...
    expect(runs.map((r) => r.exitCode), detail).toEqual(Array(6).fill(0));
    expect(runs.some((r) => /database lock/.test(r.output)), detail).toBe(false);
    // ... yet the data migration ran twice and django_migrations records it twice.
    expect(await countSeedRows(db)).toBe(2);
    expect(await duplicateMigrationRows(db)).toEqual([
      { app: "shop", name: "0002_seed", count: 2 },
      { app: "shop", name: "0003_release_check", count: 2 },
    ]);
  });
});
