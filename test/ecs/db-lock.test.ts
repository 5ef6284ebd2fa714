// ecs mode takes the database lock inside the task: the built bundle on a sandbox instance runs
// `python manage.py migrate` as an ECS task (a local process of Debian's python with Django)
// against the test PostgreSQL server, under the same advisory lock as local mode — so an
// environment in ecs mode and one in local mode on one database never migrate at once.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { readEnvironmentProperties } from "../../src/ecs/environment.js";
import { buildOverrides, MAX_OVERRIDES_CHARACTERS } from "../../src/ecs/overrides.js";
import { COMPACT_LAUNCHER_SOURCE, dbLockedArgv, PG_ADVISORY_LOCK_KEY } from "../../src/release/db-lock/launcher.js";
import { runCli } from "../support/cli.js";
import { copyDjangoApp, countSeedRows, djangoEnv, DJANGO_PYTHON } from "../support/django.js";
import { describeRuns, startInstance, type RunningInstance } from "../support/fleet.js";
import { createDatabase, type TestDatabase } from "../support/postgres.js";
import { CLUSTER, FAMILY, startEcsBed, type EcsBed } from "./helpers.js";

let bed: EcsBed | undefined;
let db: TestDatabase | undefined;
let other: ChildProcess | undefined;
afterEach(async () => {
  other?.kill("SIGKILL");
  await bed?.stop();
  await db?.drop();
  bed = undefined;
  db = undefined;
  other = undefined;
});

const MIGRATE = [DJANGO_PYTHON, "manage.py", "migrate", "--noinput"];
const LOCK = `PostgreSQL advisory lock ${PG_ADVISORY_LOCK_KEY}`;

/** One instance in ecs mode whose task runs `python manage.py migrate` (an argv, no shell) in the app's directory, the image's WORKDIR. */
async function setUp(extra: Record<string, string> = {}) {
  const database = (db = await createDatabase("ecslock"));
  const properties = {
    EB_MIGRATE_MODE: "ecs",
    EB_MIGRATE_ECS_CLUSTER: CLUSTER,
    EB_MIGRATE_ECS_TASK_DEFINITION: FAMILY,
    EB_MIGRATE_COMMAND: MIGRATE.join(" "),
    EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "90",
    ...djangoEnv(database),
    ...extra,
  };
  bed = await startEcsBed(properties, 1);
  const appDir = await copyDjangoApp(join(await mkdtemp(join(tmpdir(), "ecs-lock-app-")), "app"));
  await bed.register({ workingDirectory: appDir });
  return { bed, db: database, appDir, properties };
}

async function start(b: EcsBed): Promise<RunningInstance> {
  const cwd = await mkdtemp(join(tmpdir(), "ecs-lock-staging-"));
  return await startInstance(b.sandbox.state().instances[0]!, { cwd });
}

interface StatusRelease {
  result: string;
  mode: string;
  dbLock: { lock?: string; acquired: boolean; waitedMs: number; heldBy?: string } | null;
}

async function lastRelease(b: EcsBed): Promise<StatusRelease> {
  const status = await runCli(["status", "--json"], b.sandbox.state().instances[0]!.env);
  expect(status.exitCode, status.stderr).toBe(0);
  return (JSON.parse(status.stdout) as { releases: StatusRelease[] }).releases[0]!;
}

/**
 * Another environment's local-mode leader on the same database: the launcher as local mode runs
 * it (python -c <source>), holding the lock while its command waits for `releaseFile`.
 */
async function otherEnvironmentHoldingTheLock(appDir: string, database: TestDatabase, releaseFile: string) {
  const context = { alias: "default", environment: "shop-worker", instance: "i-0worker", deployment: "v2#1" };
  const [file, ...args] = dbLockedArgv(DJANGO_PYTHON, ["/bin/sh", "-c", `while [ ! -e '${releaseFile}' ]; do sleep 0.1; done`], context, false);
  const child = (other = spawn(file!, args, { cwd: appDir, env: { ...process.env, ...djangoEnv(database) }, stdio: ["ignore", "pipe", "pipe"] }));
  let output = "";
  const acquired = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"event": "acquired"')) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("close", () => reject(new Error(`the other environment's launcher exited before taking the lock:\n${output}`)));
  });
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await acquired;
  return { done, running: () => child.exitCode === null && child.signalCode === null };
}

describe("the database lock in ecs mode", () => {
  test("`python manage.py migrate` runs in the task under the lock; the leader logs it and the release record keeps it", async () => {
    const { bed, db } = await setUp();
    const run = await (await start(bed)).done;
    const detail = describeRuns([run]);
    expect(run.exitCode, detail).toBe(0);
    expect(run.output, detail).toContain(`took the database lock (${LOCK})`);
    expect(run.output, detail).toContain("Applying shop.0003_release_check... OK");
    // The container's own python runs the compact launcher; manage.py is found in the image's WORKDIR.
    const [task] = bed.ecs.tasks();
    const environment = bed.sandbox.state().environment.name;
    expect(task?.command.slice(0, 4)).toEqual([DJANGO_PYTHON, "-c", COMPACT_LAUNCHER_SOURCE, "migrate"]);
    expect(task?.command.slice(4)).toEqual(["default", expect.stringMatching(new RegExp(`^eb-migrate ${environment} ecs-task \\S+$`)), "manage.py", "migrate", "--noinput"]);
    expect(await countSeedRows(db)).toBe(1);
    expect(await lastRelease(bed)).toMatchObject({ result: "succeeded", mode: "ecs", dbLock: { lock: LOCK, acquired: true, waitedMs: 0 } });
  });

  test("an ecs-mode environment waits while a local-mode environment on the same database holds the lock, and migrates once it is let go", async () => {
    const { bed, db, appDir } = await setUp();
    const releaseFile = join(appDir, "..", "let-go");
    const holder = await otherEnvironmentHoldingTheLock(appDir, db, releaseFile);
    const leader = await start(bed);
    await leader.waitFor(/waiting for the database lock/);
    const detail = () => describeRuns([]) + leader.output();
    expect(leader.output(), detail()).toMatch(new RegExp(`waiting for the database lock \\(${LOCK}\\), held by eb-migrate shop-worker i-0worker v2#1 \\(pid \\d+`));
    // Waiting, not migrating: nothing applied while the other environment holds the lock.
    expect(bed.ecs.tasks()[0]?.lastStatus, detail()).toBe("RUNNING");
    expect(await countSeedRows(db)).toBe(0);
    expect(leader.output()).not.toContain("Applying");

    await writeFile(releaseFile, "");
    expect(await holder.done).toBe(0);
    const run = await leader.done;
    expect(run.exitCode, describeRuns([run])).toBe(0);
    expect(run.output).toMatch(new RegExp(`took the database lock \\(${LOCK}\\) after waiting \\d+(\\.\\d)? s for eb-migrate shop-worker i-0worker v2#1`));
    expect(await countSeedRows(db)).toBe(1);
    const release = await lastRelease(bed);
    expect(release.dbLock).toMatchObject({ acquired: true, heldBy: expect.stringContaining("eb-migrate shop-worker i-0worker v2#1") });
    expect(release.dbLock!.waitedMs).toBeGreaterThan(0);
    const text = await runCli(["status"], bed.sandbox.state().instances[0]!.env);
    expect(text.stdout).toMatch(/the leader waited \d+(\.\d)? s for the database lock held by eb-migrate shop-worker i-0worker v2#1/);
  });

  test("negative control: with EB_MIGRATE_DB_LOCK=off the task migrates while the other environment holds the lock", async () => {
    const { bed, db, appDir } = await setUp({ EB_MIGRATE_DB_LOCK: "off" });
    const holder = await otherEnvironmentHoldingTheLock(appDir, db, join(appDir, "..", "let-go"));
    const run = await (await start(bed)).done;
    const detail = describeRuns([run]);
    expect(run.exitCode, detail).toBe(0);
    expect(run.output, detail).not.toMatch(/database lock/);
    expect(bed.ecs.tasks()[0]?.command).toEqual(MIGRATE);
    // The two overlapped: the migration applied while the other environment still held the lock.
    expect(holder.running()).toBe(true);
    expect(await countSeedRows(db)).toBe(1);
    expect((await lastRelease(bed)).dbLock).toBeNull();
  });

  test("overrides that fit without the launcher but not with it: exit 2 naming the launcher and the fixes; no task started", async () => {
    // Sized from the overrides the task would get without the lock: 100 characters to spare.
    const { bed } = await setUp();
    const sized = async () => JSON.stringify(buildOverrides("app", MIGRATE, await readEnvironmentProperties(bed.clients.elasticBeanstalk, bed.identity))).length;
    await bed.sandbox.setEnvironmentProperties({ TLS_BUNDLE: "" });
    await bed.sandbox.setEnvironmentProperties({ TLS_BUNDLE: "c".repeat(MAX_OVERRIDES_CHARACTERS - (await sized()) - 100) });
    expect(await sized()).toBe(MAX_OVERRIDES_CHARACTERS - 100);

    const run = await (await start(bed)).done;
    const detail = describeRuns([run]);
    expect(run.exitCode, detail).toBe(2);
    expect(run.output, detail).toMatch(/are \d+ characters, \d+ of them the database lock's launcher \(EB_MIGRATE_DB_LOCK\); RunTask allows 8192\. Largest: TLS_BUNDLE/);
    expect(run.output, detail).toContain("task definition's secrets");
    expect(run.output, detail).toContain("EB_MIGRATE_DB_LOCK=off");
    expect(bed.ecs.tasks(), detail).toHaveLength(0);
  });
});
