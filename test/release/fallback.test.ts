// Promise 4: when the table cannot be used, the oldest InService instance leads (loudly), or
// with EB_MIGRATE_FALLBACK=off every instance exits 4.
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { countSeedRows, djangoEnv, migrateCommand } from "../support/django.js";
import { describeRuns, runFleet, stageDjangoApp } from "../support/fleet.js";
import { perTestResources } from "../support/resources.js";

const resources = perTestResources();

/** `processEnv` is set on the processes only (the sandbox creates the table its properties name). */
async function fleet(processEnv: Record<string, string>, fault?: Parameters<Sandbox["injectFault"]>[0]) {
  const db = await resources.database("fallback");
  const sandbox = await resources.sandbox({ instances: 3, environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand(), EB_MIGRATE_LEASE_SECONDS: "3" } });
  if (fault) sandbox.injectFault(fault);
  const instances = sandbox.state().instances;
  for (const i of instances) await stageDjangoApp(i);
  const runs = await runFleet(instances, (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env: { ...djangoEnv(db), MIGRATE_SLEEP_SECONDS: "0.2", ...processEnv } }));
  return { runs, oldest: instances[0]!.id, db };
}

describe("fallback to the oldest InService instance", () => {
  it("DynamoDB unreachable: the oldest instance runs the command, the others go on with a loud warning", async () => {
    const { runs, oldest, db } = await fleet({}, { service: "dynamodb", outage: true });
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0, 0]);
    expect(runs.find((r) => r.id === oldest)?.stats?.role, detail).toBe("fallback-leader");
    expect(runs.filter((r) => r.stats?.role === "fallback-follower"), detail).toHaveLength(2);
    for (const r of runs) expect(r.output).toMatch(/FALLBACK/);
    expect(await countSeedRows(db)).toBe(1);
  });

  it("table missing: fallback at once, naming the table", async () => {
    const { runs, oldest } = await fleet({ EB_MIGRATE_TABLE: "no-such-table" });
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0, 0]);
    expect(runs.find((r) => r.id === oldest)?.stats?.role, detail).toBe("fallback-leader");
    for (const r of runs) expect(r.output).toMatch(/"no-such-table" does not exist/);
  });

  it("access denied: fallback", async () => {
    const { runs } = await fleet({}, { service: "dynamodb", error: "AccessDeniedException" });
    expect(runs.map((r) => r.stats?.role).sort(), describeRuns(runs)).toEqual(["fallback-follower", "fallback-follower", "fallback-leader"]);
  });

  it("EB_MIGRATE_FALLBACK=off: every instance exits 4 with the cause and the fix; nothing runs", async () => {
    const { runs, db } = await fleet({ EB_MIGRATE_FALLBACK: "off", EB_MIGRATE_TABLE: "no-such-table" });
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([4, 4, 4]);
    for (const r of runs) expect(r.output).toMatch(/no-such-table.*EB_MIGRATE_FALLBACK=off/);
    for (const r of runs) expect(r.output).not.toMatch(/at .*\.cjs:\d+/); // no stack trace
    expect(await countSeedRows(db)).toBe(0);
  });

  it("table unusable and the fallback cannot elect either (Auto Scaling denied): exit 4", async () => {
    const db = await resources.database("fallback");
    const sandbox = await resources.sandbox({ instances: 2, environmentProperties: { EB_MIGRATE_COMMAND: migrateCommand() } });
    sandbox.injectFault({ service: "autoscaling", error: "AccessDenied" });
    const instances = sandbox.state().instances;
    for (const i of instances) await stageDjangoApp(i);
    const runs = await runFleet(instances, (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env: { ...djangoEnv(db), EB_MIGRATE_TABLE: "no-such-table" } }));
    expect(runs.map((r) => r.exitCode), describeRuns(runs)).toEqual([4, 4]);
    expect(await countSeedRows(db)).toBe(0);
  });
});
