// Exactly once under throttling and 5xx bursts on DynamoDB and Auto Scaling, and with wall
// clocks skewed by ±15 minutes (faketime moves the wall clock only; leases never read it).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { countSeedRows, djangoEnv, duplicateMigrationRows, migrateCommand } from "../support/django.js";
import { describeRuns, runFleet, stageDjangoApp } from "../support/fleet.js";
import { perTestResources } from "../support/resources.js";

const resources = perTestResources();

async function setUp(instances: number, leaseSeconds: number, command = migrateCommand()) {
  const db = await resources.database("faults");
  const sandbox = await resources.sandbox({ instances, faultSeed: 7, environmentProperties: { EB_MIGRATE_COMMAND: command, EB_MIGRATE_LEASE_SECONDS: String(leaseSeconds) } });
  for (const i of sandbox.state().instances) await stageDjangoApp(i);
  return { sandbox, db };
}

describe("AWS answering badly", () => {
  it("DynamoDB throttling (30 %), a 5xx burst and Auto Scaling throttling: still exactly once, all exit 0", async () => {
    const { sandbox, db } = await setUp(6, 5);
    sandbox.injectFault({ service: "dynamodb", error: "ThrottlingException", rate: 0.3 });
    sandbox.injectFault({ service: "dynamodb", error: "InternalServerError", count: 12 });
    sandbox.injectFault({ service: "dynamodb", operation: "UpdateItem", error: "ServiceUnavailable", count: 3 });
    sandbox.injectFault({ service: "autoscaling", error: "Throttling", rate: 0.5 });
    const runs = await runFleet(sandbox.state().instances, (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env: { ...djangoEnv(db), MIGRATE_SLEEP_SECONDS: "1" } }));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual(Array(6).fill(0));
    expect(runs.filter((r) => r.stats?.role === "leader"), detail).toHaveLength(1);
    expect(runs.filter((r) => /running command/.test(r.output)), detail).toHaveLength(1);
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
    expect(sandbox.faults().some((f) => f.hits > 0)).toBe(true);
  });
});

const faketime = (() => {
  try {
    execFileSync("faketime", ["-f", "+1m", "true"]);
    return "faketime";
  } catch {
    throw new Error("faketime is needed for the clock-skew test: apt-get install faketime");
  }
})();

describe("wall clocks skewed by ±15 minutes", () => {
  it("never take over a live lease (3 s lease, 7 s command)", async () => {
    // Python's sleep misbehaves under libfaketime: the command itself runs with the true clock.
    const { sandbox, db } = await setUp(3, 3, `env -u LD_PRELOAD -u FAKETIME ${migrateCommand()}`);
    const skews = ["-15m", "+0", "+15m"];
    const instances = sandbox.state().instances;
    const runs = await runFleet(instances, (i) => ({
      cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`,
      env: { ...djangoEnv(db), MIGRATE_SLEEP_SECONDS: "7", DONT_FAKE_MONOTONIC: "1" },
      wrapper: [faketime, "-f", skews[instances.indexOf(i)]!],
    }));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0, 0]);
    expect(runs.filter((r) => /running command/.test(r.output)), detail).toHaveLength(1);
    expect(runs.some((r) => r.stats?.takeover), detail).toBe(false);
    expect(await countSeedRows(db)).toBe(1);
  });
});
