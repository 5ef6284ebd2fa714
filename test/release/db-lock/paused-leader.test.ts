// A leader paused mid-migrate (SIGSTOP of all its processes: node's group, and the group the
// supervisor leads with python in it)
// keeps its database session and lock while its lease expires. The follower that takes the
// lease over must not migrate beside it: its migrate waits for the lock until the paused
// leader, resumed, finds itself fenced and stops its command. Without the lock they overlap.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countSeedRows, djangoEnv, duplicateMigrationRows, migrateCommand } from "../../support/django.js";
import { describeRuns, stageDjangoApp, startInstance, type RunningInstance } from "../../support/fleet.js";
import { supervisorOf } from "../../support/processes.js";
import { perTestResources } from "../../support/resources.js";

const resources = perTestResources();

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function seedingPids(marker: string): Promise<number[]> {
  const text = await readFile(marker, "utf8").catch(() => "");
  return [...text.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts 3 instances, pauses the leader once its data migration runs, waits for a takeover. */
async function pauseLeaderUntilTakeover(dbLock: "auto" | "off") {
  const db = await resources.database("paused");
  const sandbox = await resources.sandbox({
    instances: 3,
    environmentName: "shop-web",
    environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand(), EB_MIGRATE_LEASE_SECONDS: "5", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "120", EB_MIGRATE_DB_LOCK: dbLock },
  });
  const marker = join(sandbox.baseDir, "seed-marker.log");
  const env = { ...djangoEnv(db), MIGRATE_SLEEP_SECONDS: "3", MIGRATE_MARKER_FILE: marker };
  const running: RunningInstance[] = [];
  for (const i of sandbox.state().instances) {
    await stageDjangoApp(i);
    running.push(await startInstance(i, { cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env }));
  }
  const paused = await Promise.race(running.map((r) => r.waitFor(/running command/).then(() => r)));
  const [pausedPid] = await until("the leader's data migration", async () => ((await seedingPids(marker)).length > 0 ? seedingPids(marker) : undefined));
  // The supervisor runs the command in a session of its own: the whole machine's pause is both groups.
  const supervisor = await until("the leader's supervisor", () => supervisorOf(paused.child.pid!));
  const groups = [supervisor, paused.child.pid!];
  for (const g of groups) process.kill(-g, "SIGSTOP");
  const successor = await Promise.race(running.filter((r) => r !== paused).map((r) => r.waitFor(/took over the lease/).then(() => r)));
  return { db, marker, running, paused, pausedPid: pausedPid!, successor, resume: () => groups.forEach((g) => process.kill(-g, "SIGCONT")) };
}

describe("a paused leader whose lease is taken over", () => {
  it("the successor's migrate waits for the database lock the paused leader holds; they never overlap", async () => {
    const { db, marker, running, paused, pausedPid, successor, resume } = await pauseLeaderUntilTakeover("auto");
    try {
      await successor.waitFor(new RegExp(`waiting for the database lock \\(PostgreSQL advisory lock \\d+\\), held by eb-migrate shop-web ${paused.id} `));
      // Long past the takeover, the successor still has not started its data migration.
      await new Promise((r) => setTimeout(r, 2000));
      expect(await seedingPids(marker)).toEqual([pausedPid]);
    } finally {
      resume();
    }
    await successor.waitFor(/took the database lock/);
    // By the time the successor holds the lock, the paused leader's migrate is gone.
    expect(alive(pausedPid)).toBe(false);
    const runs = await Promise.all(running.map((r) => r.done));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0, 0]);
    expect(paused.output(), detail).toMatch(/no longer prove it holds the lease|lost the lease|fenced/);
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
  });

  it("negative control: with EB_MIGRATE_DB_LOCK=off the successor migrates beside the paused leader", async () => {
    const { marker, running, pausedPid, resume } = await pauseLeaderUntilTakeover("off");
    try {
      const pids = await until("a second data migration", async () => ((await seedingPids(marker)).length > 1 ? seedingPids(marker) : undefined));
      // Two migrations of one database at once: the paused leader's is still there.
      expect(pids[0]).toBe(pausedPid);
      expect(alive(pausedPid)).toBe(true);
    } finally {
      resume();
    }
    await Promise.all(running.map((r) => r.done));
  });
});
