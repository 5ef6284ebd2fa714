// Promise 1 and 2 with the real parts: 8 instances run the built bundle at once against the
// sandbox, migrating a real Django project on a real PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { countSeedRows, djangoEnv, duplicateMigrationRows, migrateCommand } from "../support/django.js";
import { describeRuns, runFleet, stageDjangoApp, startInstance } from "../support/fleet.js";
import { createDatabase, type TestDatabase } from "../support/postgres.js";

describe("a fleet of 8 instances deploying at once", () => {
  let sandbox: Sandbox;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase("fleet");
    sandbox = await startSandbox({ instances: 8, environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand(), EB_MIGRATE_LEASE_SECONDS: "10" } });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await db?.drop();
  });

  it("migrates exactly once; everyone exits 0 after the leader; a later instance skips after one read", async () => {
    const instances = sandbox.state().instances;
    expect(instances).toHaveLength(8);
    const env = { ...djangoEnv(db), MIGRATE_SLEEP_SECONDS: "1" };
    for (const i of instances) await stageDjangoApp(i);
    const runs = await runFleet(instances, (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env }));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual(Array(8).fill(0));
    expect(runs.filter((r) => r.stats?.role === "leader"), detail).toHaveLength(1);
    expect(runs.filter((r) => r.stats?.role === "follower" || r.stats?.role === "skipped"), detail).toHaveLength(7);
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
    const leader = runs.find((r) => r.stats?.role === "leader")!;
    expect(leader.output).toMatch(/Applying shop\.0002/);
    // Followers waited for the leader: none of them ran migrate.
    for (const r of runs.filter((x) => x !== leader)) expect(r.output, r.id).not.toMatch(/Applying shop/);
    // Happy path cost: no Auto Scaling or EC2 call for the leader.
    expect(Object.keys(leader.stats!.calls).filter((k) => !k.startsWith("DynamoDB.")), JSON.stringify(leader.stats)).toEqual([]);

    // An instance that starts later for the same deployment skips at once, after one read.
    const late = await sandbox.launch({ wait: true });
    await stageDjangoApp(late);
    const run = await (await startInstance(late, { cwd: `${late.env.EB_MIGRATE_ROOT}/var/app/staging`, env })).done;
    expect(run.exitCode, run.output).toBe(0);
    expect(run.stats?.role).toBe("skipped");
    expect(run.stats?.calls).toEqual({ "DynamoDB.GetItem": 1 });
    expect(await countSeedRows(db)).toBe(1);
  });

  it("a new deployment migrates again, once; a failing release makes every instance exit 1", async () => {
    await sandbox.deploy();
    const instances = sandbox.state().instances;
    const fresh = await createDatabase("fleetfail");
    const env = { ...djangoEnv(fresh), MIGRATE_FAIL: "1", MIGRATE_SLEEP_SECONDS: "0" };
    const runs = await runFleet(instances.slice(0, 4), (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env }));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([1, 1, 1, 1]);
    expect(runs.filter((r) => r.stats?.role === undefined || r.stats.role === "leader")).toHaveLength(4);
    // Every follower shows the leader's last lines, with the cause.
    for (const r of runs) expect(r.output, r.id).toMatch(/migration failed on purpose/);
    expect(runs.filter((r) => /running command:/.test(r.output)), detail).toHaveLength(1);
    await fresh.drop();
  });
});
