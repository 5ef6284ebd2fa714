// scripts/install-test-deps.sh (npm test's pretest, and .ci/run): as root it installs the
// missing Debian packages; as another user it prints the one command to run and stops.
// dpkg-query, apt-get and id are fixture scripts on PATH, so nothing is installed here.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../scripts/install-test-deps.sh", import.meta.url));

function machine(uid: number, installed: string[]) {
  const bin = mkdtempSync(join(tmpdir(), "eb-migrate-apt-"));
  const log = join(bin, "apt.log");
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  // dpkg-query -W -f='${Status}' PACKAGE
  script("dpkg-query", `case " ${installed.join(" ")} " in *" $3 "*) printf 'install ok installed' ;; *) exit 1 ;; esac`);
  script("apt-get", `echo "$*" >> ${log}`);
  script("id", `echo ${uid}`);
  const run = () => spawnSync("bash", [SCRIPT], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
  return { run, aptCalls: () => { try { return readFileSync(log, "utf8").trim().split("\n"); } catch { return []; } } };
}

const ALL = ["python3-django", "python3-psycopg2", "python3-mysqldb", "postgresql", "mariadb-server", "shellcheck", "faketime"];

describe("scripts/install-test-deps.sh", () => {
  it("as root installs exactly the missing packages", () => {
    const m = machine(0, ALL.filter((p) => p !== "postgresql" && p !== "faketime"));
    const result = m.run();
    expect(result.status, result.stderr).toBe(0);
    expect(m.aptCalls()).toEqual(["update", "install -y --no-install-recommends postgresql faketime"]);
  });

  it("as another user prints the one command to run and exits 1, installing nothing", () => {
    const m = machine(1000, ALL.filter((p) => p !== "mariadb-server"));
    const result = m.run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server\n");
    expect(m.aptCalls()).toEqual([]);
  });

  it("with everything installed does nothing", () => {
    const m = machine(0, ALL);
    const result = m.run();
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe("");
    expect(m.aptCalls()).toEqual([]);
  });
});
