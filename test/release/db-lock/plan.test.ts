// EB_MIGRATE_DB_LOCK decides which commands run under the lock, and how.
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../../src/config/settings.js";
import { LAUNCHER_SOURCE } from "../../../src/release/db-lock/launcher.js";
import { planDbLock } from "../../../src/release/db-lock/plan.js";

const context = { environment: "env", instance: "i-1", deployment: "v1#1" };
const plan = (env: Record<string, string>, argv?: string[]) => {
  const settings = resolveSettings(env);
  return planDbLock(settings, argv ?? settings.command.argv, context, async () => "/venv/bin/python");
};

describe("planDbLock", () => {
  it("auto: the default command runs in-process under the lock with its own python", async () => {
    const p = await plan({}, ["/var/app/venv/v/bin/python", "manage.py", "migrate", "--noinput"]);
    expect(p?.argv).toEqual(["/var/app/venv/v/bin/python", "-c", LAUNCHER_SOURCE, "migrate", "default", "eb-migrate env i-1 v1#1", "manage.py", "migrate", "--noinput"]);
  });

  it("auto: a hand-written `<python> manage.py migrate …` too, on the configured alias", async () => {
    const p = await plan({ EB_MIGRATE_COMMAND: "/usr/bin/python3 manage.py migrate shop --noinput", EB_MIGRATE_DB_ALIAS: "direct" });
    expect(p?.argv.slice(3)).toEqual(["migrate", "direct", "eb-migrate env i-1 v1#1", "manage.py", "migrate", "shop", "--noinput"]);
  });

  it.each([
    [{ EB_MIGRATE_COMMAND: "./release.sh" }],
    [{ EB_MIGRATE_COMMAND: "python manage.py migrate && python manage.py collectstatic", EB_MIGRATE_SHELL: "true" }],
    [{ EB_MIGRATE_DB_LOCK: "off" }],
  ])("no lock for %j", async (env) => {
    expect(await plan(env)).toBeUndefined();
  });

  it("on: any other command runs as the child of the lock holder, with the default python", async () => {
    const p = await plan({ EB_MIGRATE_COMMAND: "./release.sh --fast", EB_MIGRATE_DB_LOCK: "on" });
    expect(p?.argv.slice(0, 2)).toEqual(["/venv/bin/python", "-c"]);
    expect(p?.argv.slice(3)).toEqual(["exec", "default", "eb-migrate env i-1 v1#1", "./release.sh", "--fast"]);
    const shell = await plan({ EB_MIGRATE_COMMAND: "a && b", EB_MIGRATE_SHELL: "true", EB_MIGRATE_DB_LOCK: "on" });
    expect(shell?.argv.slice(6)).toEqual(["/bin/sh", "-c", "a && b"]);
  });

  it("marker lines become log lines and the lock report; other lines pass through", async () => {
    const p = (await plan({}))!;
    const seen: string[] = [];
    const logged: string[] = [];
    const log = { debug: () => {}, info: (m: string) => logged.push(m), warn: (m: string) => logged.push(`warn ${m}`), error: (m: string) => logged.push(`error ${m}`), child: () => log };
    const hooks = p.hooks({ onLine: (l) => seen.push(l) }, log);
    hooks.onLine('eb-migrate db-lock: {"event": "waiting", "holder": "eb-migrate other i-9 v1#1 (pid 7)", "lock": "L", "waited_s": 0.0}');
    hooks.onLine("  Applying shop.0001_initial... OK");
    hooks.onLine('eb-migrate db-lock: {"event": "acquired", "holder": "me", "lock": "L", "waited_s": 12.5}');
    expect(seen).toEqual(["  Applying shop.0001_initial... OK"]);
    expect(logged).toEqual(["waiting for the database lock (L), held by eb-migrate other i-9 v1#1 (pid 7)", "took the database lock (L) after waiting 12.5 s for eb-migrate other i-9 v1#1 (pid 7)"]);
    const result = p.annotate({ exitCode: 0, outputTail: [], durationMs: 1, timedOut: false });
    expect(result.dbLock).toEqual({ lock: "L", acquired: true, waitedMs: 12_500, heldBy: "eb-migrate other i-9 v1#1 (pid 7)" });
  });
});
