// A throw-away MariaDB server for the tests that need one (started in their own set-up, not for
// the whole run): as the mysql user when root, on 127.0.0.1 and a free port, removed on stop.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, runTool } from "../../src/dev/postgres-cluster.js";

const INSTALL_HINT = "On Debian/Ubuntu: apt-get install mariadb-server python3-mysqldb (or run .ci/run, which installs them)";

export interface MariaDbDatabase {
  name: string;
  /** What the Django fixture app reads to find this database. */
  env: Record<string, string>;
  /** Rows of tab-separated columns (the mariadb client's batch output). */
  query(sql: string): Promise<string[][]>;
}

export interface MariaDbServer {
  port: number;
  createDatabase(prefix: string): Promise<MariaDbDatabase>;
  stop(): Promise<void>;
}

export async function startMariaDb(): Promise<MariaDbServer> {
  if (!existsSync("/usr/sbin/mariadbd")) throw new Error(`mariadbd not found. ${INSTALL_HINT}`);
  const probe = spawnSync("/usr/bin/python3", ["-c", "import MySQLdb"], { encoding: "utf8" });
  if (probe.status !== 0) throw new Error(`/usr/bin/python3 cannot import MySQLdb. ${INSTALL_HINT}`);
  const asMysql = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), "eb-migrate-mariadb-"));
  if (asMysql) {
    const [, , uid, gid] = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("mysql:"))?.split(":") ?? [];
    if (!uid || !gid) throw new Error(`Running as root but there is no 'mysql' user to run MariaDB as. ${INSTALL_HINT}`);
    await chown(dir, Number(uid), Number(gid));
  }
  // MariaDB refuses to run as root: as root, its tools run as the mysql user.
  const as = (tool: string, args: string[]): [string, string[]] => (asMysql ? ["runuser", ["-u", "mysql", "--", tool, ...args]] : [tool, args]);
  const data = join(dir, "data");
  await runTool(...as("mariadb-install-db", ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=normal", "--skip-test-db"]), dir);

  const port = await freePort();
  const [file, args] = as("/usr/sbin/mariadbd", [
    "--no-defaults",
    `--datadir=${data}`,
    `--socket=${join(dir, "sock")}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    "--skip-name-resolve",
    "--innodb-flush-log-at-trx-commit=0",
    "--max-connections=300",
    `--pid-file=${join(dir, "mariadbd.pid")}`,
    `--log-error=${join(dir, "error.log")}`,
  ]);
  const server: ChildProcess = spawn(file, args, { cwd: dir, stdio: "ignore" });
  // The server itself, not runuser: a signal to runuser need not reach it.
  const signalServer = (signal: NodeJS.Signals) => {
    try {
      process.kill(Number(readFileSync(join(dir, "mariadbd.pid"), "utf8").trim()), signal);
    } catch {
      server.kill(signal);
    }
  };
  const stopNow = () => {
    signalServer("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopNow);
  const client = (sql: string, database?: string) => runClient(port, sql, database);
  for (let waited = 0; ; waited += 100) {
    if ((await client("SELECT 1").then(() => true, () => false))) break;
    if (server.exitCode !== null || waited > 30_000) {
      const log = existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8").slice(-2000) : "";
      stopNow();
      throw new Error(`Could not start the test MariaDB server:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let created = 0;
  return {
    port,
    async createDatabase(prefix) {
      const name = `${prefix}_${process.pid}_${++created}_${randomBytes(3).toString("hex")}`;
      await client(`CREATE DATABASE \`${name}\``);
      return { name, env: { DATABASE_URL: `mysql://root@127.0.0.1:${port}/${name}` }, query: (sql) => client(sql, name) };
    },
    async stop() {
      process.removeListener("exit", stopNow);
      const exited = new Promise((r) => server.once("exit", r));
      signalServer("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) signalServer("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runClient(port: number, sql: string, database?: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn("mariadb", ["--no-defaults", "-h", "127.0.0.1", "-P", String(port), "-u", "root", "--batch", "--skip-column-names", "-e", sql, ...(database ? [database] : [])], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out.split("\n").filter(Boolean).map((l) => l.split("\t"))) : reject(new Error(`mariadb: ${err.trim()}`))));
  });
}
