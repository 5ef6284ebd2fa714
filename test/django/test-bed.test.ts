// The test bed itself: the shared PostgreSQL server and the per-test databases other tests rely on.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { DJANGO_PYTHON, copyDjangoApp, countSeedRows, djangoEnv, duplicateMigrationRows, migrateCommand, runManagePy } from "../support/django.js";
import { createDatabase, postgresServer } from "../support/postgres.js";

describe("test PostgreSQL server", () => {
  it("is the same for inject() and for child processes (environment)", () => {
    const server = inject("postgres");
    expect(server.host).toBe("127.0.0.1");
    expect(process.env.EB_MIGRATE_TEST_PGHOST).toBe(server.host);
    expect(process.env.EB_MIGRATE_TEST_PGPORT).toBe(String(server.port));
    expect(postgresServer()).toEqual(server);
  });

  it("listens on 127.0.0.1 only and allows many concurrent Django processes", async () => {
    const db = await createDatabase("testbed_settings");
    try {
      const [listen] = await db.query<{ listen_addresses: string }>("SHOW listen_addresses");
      const [connections] = await db.query<{ max_connections: string }>("SHOW max_connections");
      expect(listen?.listen_addresses).toBe("127.0.0.1");
      expect(Number(connections?.max_connections)).toBeGreaterThanOrEqual(200);
    } finally {
      await db.drop();
    }
  });

  it("gives each test its own database and drops it even while a client is connected", async () => {
    const a = await createDatabase("testbed_a");
    const b = await createDatabase("testbed_b");
    await a.query("CREATE TABLE only_in_a (id int)");
    await expect(b.query("SELECT * FROM only_in_a")).rejects.toThrow(/does not exist/);
    expect(a.url).toMatch(new RegExp(`^postgres://postgres@127\\.0\\.0\\.1:\\d+/${a.name}$`));
    expect(a.env).toEqual({ DATABASE_URL: a.url });

    await a.drop();
    await b.drop();
    const probe = await createDatabase("testbed_probe");
    try {
      const left = await probe.query("SELECT datname FROM pg_database WHERE datname = ANY($1)", [[a.name, b.name]]);
      expect(left).toEqual([]);
    } finally {
      await probe.drop();
    }
  });
});

describe("Django fixture helpers", () => {
  it("migrates a staging copy with the migrate command and reports no damage", async () => {
    const db = await createDatabase("testbed_django");
    const work = await mkdtemp(join(tmpdir(), "eb-migrate-testbed-"));
    try {
      const appDir = await copyDjangoApp(join(work, "staging"));
      expect((await readdir(appDir)).sort()).toEqual(["manage.py", "project", "shop"]);
      expect(await countSeedRows(db)).toBe(0); // nothing migrated yet: no table, no rows

      expect(migrateCommand()).toBe(`${DJANGO_PYTHON} manage.py migrate --noinput`);
      const result = await runManagePy(appDir, ["migrate", "--noinput"], djangoEnv(db));
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain("Applying shop.0001_initial... OK");
      expect(await countSeedRows(db)).toBe(1);
      expect(await duplicateMigrationRows(db)).toEqual([]);
    } finally {
      await db.drop();
      await rm(work, { recursive: true, force: true });
    }
  });
});
