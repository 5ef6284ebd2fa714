// Promise 3: no lost leader. A leader killed with SIGKILL mid-migrate is replaced — at once
// when its instance left Auto Scaling, after the lease time when it is still InService — and
// the release succeeds exactly once; after scale-to-zero a new instance leads without waiting.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LeaseStore } from "../../src/election/lease.js";
import { systemClock } from "../../src/runtime/clock.js";
import { sandboxClientConfig, type Sandbox, type SandboxInstanceEntry } from "../../src/sandbox/index.js";
import { countSeedRows, djangoEnv, duplicateMigrationRows, migrateCommand } from "../support/django.js";
import { describeRuns, stageDjangoApp, startInstance, type RunningInstance } from "../support/fleet.js";
import { perTestResources } from "../support/resources.js";

const resources = perTestResources();

async function setUp(leaseSeconds: number, instances = 3) {
  const db = await resources.database("takeover");
  const sandbox = await resources.sandbox({ instances, environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand(), EB_MIGRATE_LEASE_SECONDS: String(leaseSeconds), EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "120" } });
  const marker = join(tmpdir(), `eb-migrate-marker-${process.pid}-${Date.now()}`);
  const env = { ...djangoEnv(db), MIGRATE_SLEEP_SECONDS: "4", MIGRATE_MARKER_FILE: marker };
  return { sandbox, db, env, marker };
}

async function startAll(instances: SandboxInstanceEntry[], env: Record<string, string>): Promise<RunningInstance[]> {
  for (const i of instances) await stageDjangoApp(i);
  return await Promise.all(instances.map((i) => startInstance(i, { cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env })));
}

/** Waits until the leader's data migration is under way (marker line written), then SIGKILLs it. */
async function killLeaderMidMigrate(running: RunningInstance[], marker: string): Promise<RunningInstance> {
  const leader = await Promise.race(running.map((r) => r.waitFor(/running command/).then(() => r)));
  for (;;) {
    const text = await readFile(marker, "utf8").catch(() => "");
    if (text.includes("pid=")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  leader.child.kill("SIGKILL");
  await leader.done;
  return leader;
}

/** The environment's lease as stored (no faults in the way). */
async function leaseOf(s: Sandbox) {
  const state = s.state();
  const client = new DynamoDBClient(sandboxClientConfig(state, state.endpoints.dynamodbUpstream));
  return await new LeaseStore(client, "eb-migrate", systemClock).read(state.environment.id);
}

describe("leader killed with SIGKILL mid-command", () => {
  it("its instance terminated: a follower takes over as soon as its renewals are late (Auto Scaling, not the 60 s lease); exactly one success", async () => {
    const { sandbox, db, env, marker } = await setUp(60);
    const running = await startAll(sandbox.state().instances, env);
    const dead = await killLeaderMidMigrate(running, marker);
    await sandbox.terminate(dead.id);
    const runs = await Promise.all(running.filter((r) => r !== dead).map((r) => r.done));
    const detail = describeRuns(runs) + dead.output();
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0]);
    const leaders = runs.filter((r) => r.stats?.role === "leader");
    expect(leaders, detail).toHaveLength(1);
    // With a 60 s lease, only the Auto Scaling path explains the takeover.
    expect(leaders[0]!.stats?.takeover, detail).toBe("holder-gone");
    expect(leaders[0]!.output).toMatch(/attempt 2/);
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
    expect((await leaseOf(sandbox))?.holder).toBeUndefined();
  });

  it("its instance still InService: taken over after the lease time; the killed command does not run on", async () => {
    const { sandbox, db, env, marker } = await setUp(3);
    const running = await startAll(sandbox.state().instances, env);
    const dead = await killLeaderMidMigrate(running, marker);
    const runs = await Promise.all(running.filter((r) => r !== dead).map((r) => r.done));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0]);
    const leaders = runs.filter((r) => r.stats?.role === "leader");
    expect(leaders, detail).toHaveLength(1);
    expect(leaders[0]!.stats?.takeover, detail).toBe("lease-expired");
    // The supervisor stopped the dead leader's migrate: the data migration applied once.
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
    const pids = (await readFile(marker, "utf8")).split("\n").filter((l) => l.includes("pid="));
    expect(pids, "the data migration started twice: once killed, once completed").toHaveLength(2);
    expect((await leaseOf(sandbox))?.holder).toBeUndefined();
  });
});

describe("lost leader after scale-to-zero", () => {
  it("a stale lease of a vanished instance does not block the next deployment", async () => {
    const { sandbox, db, env, marker } = await setUp(60, 2);
    const running = await startAll(sandbox.state().instances, env);
    const dead = await killLeaderMidMigrate(running, marker);
    for (const r of running) if (r !== dead) r.child.kill("SIGKILL");
    await Promise.all(running.map((r) => r.done));
    // The night: every instance goes; the lease stays held by an instance that no longer exists.
    await sandbox.setCapacity(0, { wait: true });
    expect((await leaseOf(sandbox))?.holder).toBe(dead.id);
    // The morning: new instances, a new deployment.
    await sandbox.setCapacity(2, { wait: true });
    await sandbox.deploy();
    const fresh = await startAll(sandbox.state().instances, { ...env, MIGRATE_SLEEP_SECONDS: "0.5" });
    const runs = await Promise.all(fresh.map((r) => r.done));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0]);
    const leader = runs.find((r) => r.stats?.role === "leader");
    expect(leader?.stats?.takeover, detail).toBe("holder-gone");
    expect(await countSeedRows(db)).toBe(1);
  });
});
