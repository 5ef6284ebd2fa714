// `eb-migrate release --env` against the sandbox, ecs mode and local mode (SSM Run Command), from a "laptop" (no instance
// identity, the environment's own EB_MIGRATE_* properties): the task's exit code judged, its
// logs streamed, a deploy started meanwhile waits for it, --force re-runs as a new attempt.
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { laptopEnv, runCli, BUNDLE, DEV_BUNDLE } from "../support/cli.js";
import { describeRuns, startInstance } from "../support/fleet.js";
import { ecsModeProperties, startEcsBed, type EcsBed } from "../ecs/helpers.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { perTestResources } from "../support/resources.js";

const resources = perTestResources();

let bed: EcsBed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

async function setUp(command: string, extra: Record<string, string> = {}) {
  bed = await startEcsBed(
    {
      ...ecsModeProperties(command),
      EB_MIGRATE_LEASE_SECONDS: "5",
      EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "60",
      ...extra,
    },
    2,
  );
  await bed.register({ workingDirectory: await mkdtemp(join(tmpdir(), "release-task-")) });
  return bed;
}

/** `eb-migrate release` as a pipeline would run it, its stderr collected as it streams. */
function release(b: EcsBed, args: string[] = []) {
  const env = laptopEnv(b.sandbox.state().instances[0]!.env);
  const child = spawn(process.execPath, [DEV_BUNDLE, "release", "--env", b.sandbox.state().environment.name, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const done = new Promise<{ exitCode: number | null; output: string }>((resolve) => child.on("close", (exitCode) => resolve({ exitCode, output })));
  const waitFor = async (pattern: RegExp) => {
    while (!pattern.test(output)) {
      if (child.exitCode !== null) throw new Error(`release ended before printing ${pattern}:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { done, waitFor, output: () => output };
}

describe("eb-migrate release --env (ecs mode)", () => {
  test("a failing task: exit 1 with its exit code named, its lines streamed; the release record says failed", async () => {
    const b = await setUp(`echo "migrating shop"; echo "boom: relation missing" >&2; exit 7`);
    const run = await release(b).done;
    expect(run.exitCode, run.output).toBe(1);
    expect(run.output).toMatch(/\| migrating shop/);
    expect(run.output).toMatch(/\| boom: relation missing/);
    expect(run.output).toMatch(/exit code 7/);
    expect(b.ecs.tasks()).toHaveLength(1);
    const status = await runCli(["status", "--json", "--env", b.sandbox.state().environment.name], laptopEnv(b.sandbox.state().instances[0]!.env));
    const [record] = (JSON.parse(status.stdout) as { releases: Record<string, unknown>[] }).releases;
    expect(record).toMatchObject({ result: "failed", exitCode: 7, leader: expect.stringMatching(/^release:/), attempt: 1, versionLabel: b.sandbox.state().environment.versionLabel, deploymentId: String(b.sandbox.state().environment.deploymentId) });
  });

  test("a deploy started meanwhile waits for it: one task; again is a no-op, --force a new attempt", async () => {
    const b = await setUp(`echo started; sleep 3; echo "migrated"`);
    const onDemand = release(b);
    await onDemand.waitFor(/ECS task started/);
    // The deploy's instances hook in while the on-demand release runs.
    const cwd = await mkdtemp(join(tmpdir(), "release-staging-"));
    const instances = await Promise.all(b.sandbox.state().instances.map((i) => startInstance(i, { cwd })));
    const first = await onDemand.done;
    const runs = await Promise.all(instances.map((r) => r.done));
    const detail = `${first.output}\n${describeRuns(runs)}`;
    expect(first.exitCode, detail).toBe(0);
    expect(first.output).toMatch(/\| migrated/);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0]);
    for (const r of runs) expect(r.stats?.role, detail).toMatch(/^(follower|skipped)$/);
    expect(b.ecs.tasks(), detail).toHaveLength(1);

    const again = await release(b).done;
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toMatch(/already succeeded .*--force runs it again/);
    expect(b.ecs.tasks()).toHaveLength(1);

    const forced = await release(b, ["--force"]).done;
    expect(forced.exitCode, forced.output).toBe(0);
    expect(forced.output).toMatch(/this is attempt 2/);
    expect(b.ecs.tasks()).toHaveLength(2);
  });

});

describe("eb-migrate release --env (local mode, through SSM Run Command)", () => {
  async function localBed(command: string) {
    const sandbox = await resources.sandbox({ instances: 2, environmentProperties: { EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: command, EB_MIGRATE_LEASE_SECONDS: "5" } });
    // The deployed app holds the bundle where init puts it.
    for (const i of sandbox.state().instances) {
      const dir = join(i.env.EB_MIGRATE_ROOT!, "var/app/current/.platform/eb-migrate");
      await mkdir(dir, { recursive: true });
      await copyFile(BUNDLE, join(dir, "eb-migrate.cjs"));
    }
    return sandbox;
  }
  const onDemand = (sandbox: Sandbox, args: string[] = []) =>
    runCli(["release", "--env", sandbox.state().environment.name, ...args], laptopEnv(sandbox.state().instances[0]!.env), { bundle: DEV_BUNDLE });

  test("runs `run --now` on an instance: its output shown, its exit code returned; --force runs a success again", async () => {
    const sandbox = await localBed(`echo "migrating as $EB_MIGRATE_SHELL"; test -f "$EB_MIGRATE_ROOT/ok" || { echo "schema broken" >&2; exit 9; }`);
    const failed = await onDemand(sandbox);
    expect(failed.exitCode, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(/running the release on i-\w+ through SSM Run Command/);
    expect(failed.stderr).toMatch(/\| migrating as true/);
    expect(failed.stderr).toMatch(/\| schema broken/);
    expect(failed.stderr).toMatch(/exit code 9/);

    // Fixed by hand: a failed release runs again without --force.
    for (const i of sandbox.state().instances) await writeFile(join(i.env.EB_MIGRATE_ROOT!, "ok"), "");
    const fixed = await onDemand(sandbox);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/running the release again: attempt 1 failed/);
    const again = await onDemand(sandbox);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already succeeded/);
    const forced = await onDemand(sandbox, ["--force"]);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/this is attempt 3/);
  });

  test("SSM not available: exit 2 saying so and how to enable it", async () => {
    const sandbox = await localBed("echo hi");
    sandbox.injectFault({ service: "ssm", operation: "DescribeInstanceInformation", error: "AccessDeniedException" });
    const out = await onDemand(sandbox);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/SSM is not available for .*AmazonSSMManagedInstanceCore/);
  });
});
