// A throw-away PostgreSQL cluster (127.0.0.1 only, trust auth, on a free port) for the tests
// and for the chaos rows that need a real database; removed on stop. PostgreSQL refuses to run
// as root: as root, every server tool runs as the postgres user.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { appendFile, chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const POSTGRES_INSTALL_HINT =
  "On Debian/Ubuntu: run scripts/install-test-deps.sh as root (npm test runs it first), or apt-get install postgresql python3-django python3-psycopg2";

/** How to reach a PostgreSQL server (trust auth, no password). */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
}

export interface Cluster {
  server: PostgresServer;
  stop(): Promise<void>;
}

export async function startPostgresCluster(): Promise<Cluster> {
  const bin = postgresBinDir();
  const asPostgres = process.getuid?.() === 0;
  const owner = asPostgres ? postgresUser() : undefined;
  const dir = await mkdtemp(join(tmpdir(), "eb-migrate-pg-"));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  // PostgreSQL refuses to run as root: as root, every server tool runs as the postgres user.
  const invocation = (tool: string, args: string[]): [string, string[]] =>
    asPostgres ? ["runuser", ["-u", "postgres", "--", join(bin, tool), ...args]] : [join(bin, tool), args];
  const run = (tool: string, args: string[]) => runTool(...invocation(tool, args), dir);

  const stopNow = () => {
    spawnSync(...invocation("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]), { cwd: dir, stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  // Should vitest exit without running teardown (Ctrl-C), do not leave a server behind.
  process.once("exit", stopNow);

  // --no-sync and fsync=off: the data is thrown away anyway.
  await run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
  await appendFile(
    join(data, "postgresql.conf"),
    [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "max_connections = 300",
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
      "",
    ].join("\n"),
  );

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    try {
      await run("pg_ctl", ["start", "-D", data, "-l", logFile, "-w", "-t", "60", "-o", `-p ${port}`]);
      return {
        server: { host: "127.0.0.1", port, user: "postgres" },
        stop: async () => {
          process.removeListener("exit", stopNow);
          await run("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w"]).catch(stopNow);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error; // most likely the port was taken between freePort() and the bind: try another
    }
  }
  const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : "(no server log)";
  process.removeListener("exit", stopNow);
  stopNow();
  throw new Error(`Could not start the test PostgreSQL server. Server log:\n${log}`, { cause: lastError });
}

function postgresBinDir(): string {
  const fromEnv = process.env.EB_MIGRATE_TEST_PGBIN;
  if (fromEnv) return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const chosen = versions.includes("15") ? "15" : versions[0];
  if (!chosen) {
    throw new Error(`PostgreSQL server binaries not found under ${root} (or set EB_MIGRATE_TEST_PGBIN). ${POSTGRES_INSTALL_HINT}`);
  }
  return join(root, chosen, "bin");
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) throw new Error(`Running as root but there is no 'postgres' user to run PostgreSQL as. ${POSTGRES_INSTALL_HINT}`);
  return { uid: Number(uid), gid: Number(gid) };
}

export function runTool(command: string, argv: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${argv.join(" ")} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
