// The database lock through `eb-migrate run` (the built bundle on sandbox instances): an
// unreachable database fails the release with Django's own error; a lock held elsewhere past
// EB_MIGRATE_WAIT_TIMEOUT_SECONDS is exit 3 naming the holder, and the record says so.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PG_ADVISORY_LOCK_KEY } from "../../../src/release/db-lock/launcher.js";
import { djangoEnv, migrateCommand } from "../../support/django.js";
import { describeRuns, runFleet, stageDjangoApp } from "../../support/fleet.js";
import { postgresServer } from "../../support/postgres.js";
import { perTestResources } from "../../support/resources.js";
import { runCli } from "../../support/cli.js";

const resources = perTestResources();

interface StatusRelease {
  result: string;
  reason: string | null;
  outputTail: string[];
  dbLock: { acquired: boolean; heldBy?: string } | null;
}

describe("eb-migrate run with the database lock", () => {
  it("an unreachable database: exit 1 on every instance with Django's error; the release is marked failed", async () => {
    const sandbox = await resources.sandbox({ instances: 2, environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand(), EB_MIGRATE_LEASE_SECONDS: "5" } });
    const server = postgresServer();
    const env = { ...djangoEnv({ env: { DATABASE_URL: `postgres://${server.user}@127.0.0.1:1/nowhere` } }) };
    for (const i of sandbox.state().instances) await stageDjangoApp(i);
    const runs = await runFleet(sandbox.state().instances, (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env }));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([1, 1]);
    for (const r of runs) expect(r.output, r.id).toMatch(/OperationalError/);
    const status = await runCli(["status", "--json"], sandbox.state().instances[0]!.env);
    const [release] = (JSON.parse(status.stdout) as { releases: StatusRelease[] }).releases;
    expect(release?.result).toBe("failed");
    expect(release?.outputTail.join("\n")).toMatch(/django\.db\.utils\.OperationalError/);
  });

  it("a lock held elsewhere past the wait timeout: exit 3 naming the holder", async () => {
    const db = await resources.database("lockheld");
    const sandbox = await resources.sandbox({ instances: 1, environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand(), EB_MIGRATE_LEASE_SECONDS: "3", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "6" } });
    const server = postgresServer();
    const holder = new pg.Client({ host: server.host, port: server.port, user: server.user, database: db.name, application_name: "eb-migrate shop-worker i-0bbb v9#3" });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [PG_ADVISORY_LOCK_KEY.toString()]);
      const [instance] = sandbox.state().instances;
      await stageDjangoApp(instance!);
      const [run] = await runFleet([instance!], (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env: djangoEnv(db) }));
      expect(run?.exitCode, run?.output).toBe(3);
      expect(run?.output).toMatch(/timed out after 6 s \(EB_MIGRATE_WAIT_TIMEOUT_SECONDS\): ".*manage\.py migrate --noinput" was stopped while waiting for the database lock held by eb-migrate shop-worker i-0bbb v9#3 \(pid \d+/);
      const status = await runCli(["status", "--json"], instance!.env);
      const [release] = (JSON.parse(status.stdout) as { releases: StatusRelease[] }).releases;
      expect(release?.result).toBe("failed");
      expect(release?.dbLock).toMatchObject({ acquired: false, heldBy: expect.stringContaining("eb-migrate shop-worker i-0bbb v9#3") });
    } finally {
      await holder.end();
    }
  });
});
