// The database lock on MariaDB (GET_LOCK through Django's MySQL backend), against a throw-away
// server started for this file only: two environments deploying at once migrate once, and a
// waiting launcher names the holder from IS_USED_LOCK and the processlist.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbLockedArgv } from "../../../src/release/db-lock/launcher.js";
import { DbLockWatch } from "../../../src/release/db-lock/watch.js";
import { DJANGO_PYTHON, FIXTURE_APP_DIR } from "../../support/django.js";
import { deployBoth, migrateToInitial, twoEnvironments } from "../../support/environments.js";
import { describeRuns } from "../../support/fleet.js";
import { startMariaDb, type MariaDbDatabase, type MariaDbServer } from "../../support/mariadb.js";
import { perTestResources } from "../../support/resources.js";

const resources = perTestResources();
let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
});
afterAll(async () => {
  await server?.stop();
});

const count = async (db: MariaDbDatabase, sql: string) => Number((await db.query(sql))[0]?.[0]);

describe("the database lock on MariaDB", () => {
  it("two environments, one database: the data migration applies once; a leader waits for GET_LOCK, naming the holder", async () => {
    const db = await server.createDatabase("twoenv");
    await migrateToInitial(db.env);
    const sandboxes = await twoEnvironments(resources, {});
    const runs = await deployBoth(sandboxes, { ...db.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", MIGRATE_SLEEP_SECONDS: "6" });
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual(Array(6).fill(0));
    expect(await count(db, "SELECT count(*) FROM shop_seedlog")).toBe(1);
    expect(await db.query("SELECT app, name, count(*) FROM django_migrations GROUP BY app, name HAVING count(*) > 1")).toEqual([]);

    const leaders = runs.filter((r) => r.stats?.role === "leader");
    const waited = leaders.filter((r) => /waiting for the database lock/.test(r.output));
    expect(waited, detail).toHaveLength(1);
    const other = leaders.find((r) => r !== waited[0])!;
    expect(waited[0]!.output).toMatch(new RegExp(`waiting for the database lock \\(MySQL lock 'eb-migrate/${db.name}' \\(GET_LOCK\\)\\), held by connection \\d+ \\(root@127\\.0\\.0\\.1:\\d+, connected for \\d+ s\\)`));
    // MySQL sessions carry no name: the leader that waited is in the other environment's log.
    expect(other.output).toMatch(/took the database lock \(MySQL lock/);
  });

  it("the lock is gone with its holder's process (SIGKILL); the next launcher takes it at once", async () => {
    const db = await server.createDatabase("sigkill");
    const start = (instance: string, sleep: string) => {
      const [file, ...args] = dbLockedArgv(DJANGO_PYTHON, [DJANGO_PYTHON, "manage.py", "migrate", "--noinput"], { alias: "default", environment: "env", instance, deployment: "v1" });
      const child = spawn(file!, args, { cwd: FIXTURE_APP_DIR, env: { ...process.env, ...db.env, PYTHONDONTWRITEBYTECODE: "1", MIGRATE_SLEEP_SECONDS: sleep }, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      const done = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
      return { child, output: () => output, done };
    };
    const first = start("i-first", "60");
    while (!/seeding as pid/.test(first.output())) {
      if (first.child.exitCode !== null) throw new Error(first.output());
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await count(db, `SELECT IS_USED_LOCK('eb-migrate/${db.name}') IS NOT NULL`)).toBe(1);
    first.child.kill("SIGKILL");
    await first.done;
    const next = start("i-next", "0");
    expect(await next.done, next.output()).toBe(0);
    const events = next.output().split("\n").map((l) => DbLockWatch.parse(l)?.event).filter(Boolean);
    expect(events).toEqual(["acquired"]);
  });
});
