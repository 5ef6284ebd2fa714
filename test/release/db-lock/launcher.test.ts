// The database lock's launcher under real Django on the test PostgreSQL server: it migrates,
// waits for a holder it names, is released by SIGKILL, reports an unreachable database with
// Django's own error, and says so when a backend gets no lock.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMPACT_LAUNCHER_SOURCE, LAUNCHER_BYTES, LAUNCHER_SOURCE, MARKER_PREFIX, PG_ADVISORY_LOCK_KEY, dbLockedArgv, isDjangoMigrate } from "../../../src/release/db-lock/launcher.js";
import { DbLockWatch, type LockEvent } from "../../../src/release/db-lock/watch.js";
import { DJANGO_PYTHON, copyDjangoApp, countSeedRows, djangoEnv, duplicateMigrationRows } from "../../support/django.js";
import { createDatabase, postgresServer, type TestDatabase } from "../../support/postgres.js";

const CONTEXT = { alias: "default", environment: "shop-web", instance: "i-0aaa", deployment: "v1#1" };

let db: TestDatabase;
let work: string;
let appDir: string;

beforeEach(async () => {
  db = await createDatabase("dblock");
  work = await mkdtemp(join(tmpdir(), "eb-migrate-dblock-"));
  appDir = await copyDjangoApp(join(work, "app"));
});

afterEach(async () => {
  await db?.drop();
  await rm(work, { recursive: true, force: true });
});

interface Launched {
  child: ChildProcess;
  output(): string;
  events(): LockEvent[];
  waitFor(pattern: RegExp): Promise<void>;
  done: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; output: string }>;
}

function launch(command: string[], env: Record<string, string> = {}, context = CONTEXT, migrate?: boolean): Launched {
  const [file, ...args] = dbLockedArgv(DJANGO_PYTHON, command, context, migrate);
  const child = spawn(file!, args, { cwd: appDir, env: { ...process.env, ...djangoEnv(db), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters]) if (w.pattern.test(output)) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const done = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on("close", (exitCode, signal) => resolve({ exitCode, signal, output })),
  );
  return {
    child,
    output: () => output,
    events: () => output.split("\n").map((l) => DbLockWatch.parse(l)).filter((e): e is LockEvent => e !== undefined),
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(output)) return resolve();
        waiters.push({ pattern, resolve });
        void done.then(() => reject(new Error(`exited before ${pattern}:\n${output}`)));
      }),
    done,
  };
}

const MIGRATE = [DJANGO_PYTHON, "manage.py", "migrate", "--noinput"];

/** A session of its own holding the lock, named as another environment's leader would be. */
async function holdLock(applicationName: string): Promise<pg.Client> {
  const server = postgresServer();
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: db.name, application_name: applicationName });
  await client.connect();
  const [row] = (await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [PG_ADVISORY_LOCK_KEY.toString()])).rows;
  expect(row?.ok).toBe(true);
  return client;
}

/** Sessions holding the lock in this test's database (advisory locks are per database; pg_locks is the whole server's). */
async function lockHolders(): Promise<string[]> {
  const rows = await db.query<{ application_name: string }>(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    [Number(PG_ADVISORY_LOCK_KEY >> 32n), Number(PG_ADVISORY_LOCK_KEY & 0xffffffffn)],
  );
  return rows.map((r) => r.application_name);
}

describe("the launcher on PostgreSQL", () => {
  it("migrates under the advisory lock, its session named after the holder", async () => {
    const run = launch(MIGRATE, { MIGRATE_SLEEP_SECONDS: "1" });
    await run.waitFor(/seeding as pid/);
    expect(await lockHolders()).toEqual(["eb-migrate shop-web i-0aaa v1#1"]);
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain("Applying shop.0003_release_check... OK");
    expect(run.events()).toEqual([{ event: "acquired", lock: `PostgreSQL advisory lock ${PG_ADVISORY_LOCK_KEY}`, holder: "eb-migrate shop-web i-0aaa v1#1", waited_s: 0 }]);
    expect(await countSeedRows(db)).toBe(1);
    expect(await lockHolders()).toEqual([]);
  });

  it("waits while another session holds the lock, naming it, and migrates once it is let go", async () => {
    const holder = await holdLock("eb-migrate shop-worker i-0bbb v1#7");
    const run = launch(MIGRATE);
    try {
      await run.waitFor(/"event": "waiting"/);
      const [waiting] = run.events();
      expect(waiting?.holder).toMatch(/^eb-migrate shop-worker i-0bbb v1#7 \(pid \d+ from 127\.0\.0\.1, connected since \d{4}-/);
      expect(run.output()).not.toContain("Applying");
    } finally {
      await holder.end();
    }
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(0);
    const acquired = run.events().find((e) => e.event === "acquired");
    expect(acquired?.waited_s).toBeGreaterThan(0);
    expect(await countSeedRows(db)).toBe(1);
  });

  it("holds the lock until SIGKILLed; the next migrate proceeds without waiting", async () => {
    const first = launch(MIGRATE, { MIGRATE_SLEEP_SECONDS: "60" });
    await first.waitFor(/seeding as pid/);
    first.child.kill("SIGKILL");
    expect((await first.done).signal).toBe("SIGKILL");

    const next = launch(MIGRATE, { MIGRATE_SLEEP_SECONDS: "0" }, { ...CONTEXT, instance: "i-0ccc" });
    const result = await next.done;
    expect(result.exitCode, result.output).toBe(0);
    expect(next.events().map((e) => e.event)).toEqual(["acquired"]);
    // The killed run's transaction was rolled back; the data migration applied once.
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
  });

  it("takes the lock on EB_MIGRATE_DB_ALIAS's connection", async () => {
    const run = launch(MIGRATE, { MIGRATE_SLEEP_SECONDS: "1" }, { ...CONTEXT, alias: "direct" });
    await run.waitFor(/seeding as pid/);
    expect(await lockHolders()).toEqual(["eb-migrate shop-web i-0aaa v1#1"]);
    expect((await run.done).exitCode).toBe(0);
  });

  it("runs any other command as its child while holding the lock, with the child's exit code", async () => {
    const marker = join(work, "held.txt");
    const script = `echo child ran; psql_state=$(cat /dev/null); echo done > ${marker}; exit 7`;
    const holder = launch(["/bin/sh", "-c", script], {}, CONTEXT, false);
    const result = await holder.done;
    expect(result.exitCode, result.output).toBe(7);
    expect(result.output).toContain("child ran");
    expect(await readFile(marker, "utf8")).toBe("done\n");
    expect(holder.events().map((e) => e.event)).toEqual(["acquired"]);
  });

  it("a child command does not outlive a SIGKILLed launcher (and with it the lock)", async () => {
    const pidFile = join(work, "child.pid");
    const holder = launch(["/bin/sh", "-c", `echo $$ > ${pidFile}; exec sleep 60`], {}, CONTEXT, false);
    await holder.waitFor(/"event": "acquired"/);
    let child = 0;
    while (!(child = Number((await readFile(pidFile, "utf8").catch(() => "")).trim()))) await new Promise((r) => setTimeout(r, 20));
    holder.child.kill("SIGKILL");
    await holder.done;
    const alive = () => {
      try {
        process.kill(child, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 250 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).toBe(false);
    expect(await lockHolders()).toEqual([]);
  });

  it("an unreachable database: exit 1 with Django's own error", async () => {
    const server = postgresServer();
    const result = await launch(MIGRATE, { DATABASE_URL: `postgres://${server.user}@127.0.0.1:1/${db.name}` }).done;
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/django\.db\.utils\.OperationalError: .*(connection|connect)/);
  });
});

describe("the launcher without a lock", () => {
  it("SQLite: says it is one file only this host uses, and migrates", async () => {
    const run = launch(MIGRATE, { DATABASE_URL: `sqlite://${join(work, "db.sqlite3")}`, MIGRATE_SLEEP_SECONDS: "0" });
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain("Applying shop.0003_release_check... OK");
    expect(run.events()).toEqual([expect.objectContaining({ event: "no-lock", vendor: "sqlite", message: expect.stringContaining("one file") })]);
  });

  it("another vendor: a warning naming it, no lock", async () => {
    const run = launch(["/bin/true"], { DATABASE_URL: "dummy://" }, CONTEXT, false);
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(0);
    expect(run.events()).toEqual([expect.objectContaining({ event: "no-lock", vendor: "unknown", warning: true, message: expect.stringContaining("unknown backend") })]);
  });
});

describe("dbLockedArgv", () => {
  it("is python -c <source> and small enough for an ECS override", () => {
    const argv = dbLockedArgv("/var/app/venv/x/bin/python", MIGRATE, CONTEXT);
    expect(argv.slice(0, 2)).toEqual(["/var/app/venv/x/bin/python", "-c"]);
    expect(argv.slice(3)).toEqual(["migrate", "default", "eb-migrate shop-web i-0aaa v1#1", "manage.py", "migrate", "--noinput"]);
    expect(argv[2]).toContain(MARKER_PREFIX);
    expect(LAUNCHER_BYTES).toBeLessThan(4096);
  });

  it("has a compact form for ECS overrides: the same source, compressed, with nothing to JSON-escape", () => {
    const [, loader, encoded] = /^(import base64,zlib;exec\(zlib\.decompress\(base64\.b64decode\(')([A-Za-z0-9+/=]+)('\)\)\))$/.exec(COMPACT_LAUNCHER_SOURCE) ?? [];
    expect(loader).toBeDefined();
    const decoded = spawnSync(DJANGO_PYTHON, ["-c", "import base64, sys, zlib; sys.stdout.write(zlib.decompress(base64.b64decode(sys.stdin.read())).decode())"], { input: encoded, encoding: "utf8" });
    expect(decoded.stdout, decoded.stderr).toBe(LAUNCHER_SOURCE);
    expect(JSON.stringify(COMPACT_LAUNCHER_SOURCE).length).toBe(COMPACT_LAUNCHER_SOURCE.length + 2);
    expect(COMPACT_LAUNCHER_SOURCE.length).toBeLessThan(2700);
    const argv = dbLockedArgv(DJANGO_PYTHON, ["/bin/sh", "-c", 'echo "child of $0"', "launched"], CONTEXT, false, COMPACT_LAUNCHER_SOURCE);
    expect(argv.slice(0, 3)).toEqual([DJANGO_PYTHON, "-c", COMPACT_LAUNCHER_SOURCE]);
    // It runs as the launcher does: sys.argv is the same under exec.
    const run = spawnSync(argv[0]!, argv.slice(1), { cwd: appDir, env: { ...process.env, DATABASE_URL: "dummy://" }, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe("child of launched\n");
    expect(run.stderr).toContain(`${MARKER_PREFIX}{"event": "no-lock"`);
  });

  it("is Python 3.6 syntax (the oldest python the launcher promises to run on)", () => {
    const check = spawnSync(DJANGO_PYTHON, ["-c", "import ast, sys; ast.parse(sys.stdin.read(), feature_version=(3, 6))"], { input: LAUNCHER_SOURCE, encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
  });

  it.each([
    [["python", "manage.py", "migrate", "--noinput"], true],
    [["/usr/bin/python3.11", "./manage.py", "migrate"], true],
    [["/var/app/venv/staging-LQM1lest/bin/python", "manage.py", "migrate", "shop", "0002"], true],
    [["python", "manage.py", "collectstatic"], false],
    [["./manage.py", "migrate"], false],
    [["django-admin", "migrate"], false],
    [["sh", "-c", "python manage.py migrate"], false],
  ])("isDjangoMigrate(%j) is %s", (argv, expected) => {
    expect(isDjangoMigrate(argv)).toBe(expected);
  });
});
