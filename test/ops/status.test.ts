// `eb-migrate status` against the sandbox: history written by real `run`s, on an instance and
// from a laptop (--env), --limit, --json, and the clear failures (missing table, denied).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startInstance } from "../support/fleet.js";
import { laptopEnv, runCli } from "../support/cli.js";

interface StatusDoc {
  environment: { name: string; id: string };
  lease: { state: string; holder: string | null; fencingToken: number };
  total: number;
  releases: { result: string; leader: string; election: string; attempt: number; versionLabel: string | null; startedAt: string; reason: string | null; outputTail: string[] }[];
}

describe("eb-migrate status", () => {
  let sandbox: Sandbox;
  let leaderA: string;
  let leaderB: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ instances: 2, environmentProperties: { EB_MIGRATE_COMMAND: "/bin/echo migrated", EB_MIGRATE_LEASE_SECONDS: "3" } });
    const [a, b] = sandbox.state().instances;
    const first = await (await startInstance(a!, { cwd: a!.env.EB_MIGRATE_ROOT! })).done;
    expect(first.exitCode, first.output).toBe(0);
    leaderA = a!.id;
    await sandbox.deploy({ versionLabel: "v2-broken" });
    const second = await (await startInstance(b!, { cwd: b!.env.EB_MIGRATE_ROOT!, env: { EB_MIGRATE_COMMAND: "/bin/false" } })).done;
    expect(second.exitCode, second.output).toBe(1);
    leaderB = b!.id;
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("on an instance: JSON with every release newest first and a free lease", async () => {
    const instance = sandbox.state().instances[0]!;
    const out = await runCli(["status", "--json"], instance.env);
    expect(out.exitCode, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout) as StatusDoc;
    expect(doc.environment.id).toBe(sandbox.state().environment.id);
    expect(doc.total).toBe(2);
    expect(doc.releases.map((r) => [r.result, r.leader, r.versionLabel])).toEqual([
      ["failed", leaderB, "v2-broken"],
      ["succeeded", leaderA, expect.any(String)],
    ]);
    expect(doc.releases[0]!.reason).toMatch(/exit code 1/);
    expect(doc.releases[1]!.outputTail).toContain("migrated");
    expect(doc.releases.every((r) => r.election === "lease" && r.attempt === 1)).toBe(true);
    expect(Number.isNaN(Date.parse(doc.releases[0]!.startedAt))).toBe(false);
    expect(doc.lease).toMatchObject({ state: "free", holder: null, fencingToken: 2 });
  });

  it("from a laptop with --env: a table with relative times; --limit hides older releases", async () => {
    const env = laptopEnv(sandbox.state().instances[0]!.env);
    const out = await runCli(["status", "--env", sandbox.state().environment.name, "--limit", "1"], env);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/DEPLOYMENT\s+VERSION\s+LEADER\s+ELECTION\s+RESULT\s+ATTEMPT\s+DURATION\s+STARTED\s+NOTIFIED/);
    expect(out.stdout).toMatch(new RegExp(`v2-broken\\s+${leaderB}\\s+lease\\s+failed: exit code 1`));
    expect(out.stdout).toMatch(/\d+ s ago/);
    expect(out.stdout).not.toMatch(/succeeded/);
    expect(out.stdout).toMatch(/1 older releases not shown/);
    expect(out.stdout).toMatch(/Lease: free/);
    // Not a TTY: no colour codes.
    expect(out.stdout).not.toMatch(/\x1b\[/);
  });

  it("shows the holder while a release runs", async () => {
    const [a, b] = sandbox.state().instances;
    await sandbox.deploy({ versionLabel: "v3-slow" });
    const running = await startInstance(a!, { cwd: a!.env.EB_MIGRATE_ROOT!, env: { EB_MIGRATE_COMMAND: "/bin/sleep 3" } });
    await running.waitFor(/running command/);
    const out = await runCli(["status"], b!.env);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`Lease: held by ${a!.id} \\(fencing token 3, deployment v3-slow#\\d+, renewed \\d+ s ago\\)`));
    expect(out.stdout).toMatch(/v3-slow\s+\S+\s+lease\s+running/);
    expect((await running.done).exitCode).toBe(0);
  });

  it("a missing table is exit 2 naming the table and the fix", async () => {
    const out = await runCli(["status", "--table", "no-such-table"], sandbox.state().instances[0]!.env);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/table "no-such-table" \(name from --table\) does not exist in us-east-1; it is created by the ebextension/);
  });

  it("denied access is exit 2 naming the permission", async () => {
    const fault = sandbox.injectFault({ service: "dynamodb", operation: "Scan", error: "AccessDeniedException" });
    try {
      const out = await runCli(["status"], sandbox.state().instances[0]!.env);
      expect(out.exitCode).toBe(2);
      expect(out.stderr).toMatch(/denied .*grant dynamodb:Scan/);
    } finally {
      sandbox.clearFaults();
    }
    expect(fault.id).toBeTruthy();
  });

  it("an unknown --env is exit 2", async () => {
    const out = await runCli(["status", "--env", "nope-env"], laptopEnv(sandbox.state().instances[0]!.env));
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/no Elastic Beanstalk environment named nope-env in us-east-1/);
  });
});
