// ecs mode end to end: the built bundle (`node dist/eb-migrate.cjs run`) on several sandbox
// instances; the elected leader runs migrate as one ECS task, the others wait.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTaskDefinitionCommand, DescribeTasksCommand } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, test } from "vitest";
import { copyDjangoApp, countSeedRows, djangoEnv, DJANGO_PYTHON, duplicateMigrationRows } from "../support/django.js";
import { describeRuns, startInstance, type RunningInstance } from "../support/fleet.js";
import { createDatabase, type TestDatabase } from "../support/postgres.js";
import { CLUSTER, ecsModeProperties, FAMILY, startEcsBed, type EcsBed } from "./helpers.js";

let bed: EcsBed | undefined;
let db: TestDatabase | undefined;
afterEach(async () => {
  await bed?.stop();
  await db?.drop();
  bed = undefined;
  db = undefined;
});

/** Three instances configured for ecs mode; the task runs `command` (through sh) in a copy of the Django app. */
async function setUp(command: string, extra: Record<string, string> = {}, container: Parameters<EcsBed["register"]>[0] = {}) {
  bed = await startEcsBed(
    {
      ...ecsModeProperties(command),
      EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "90",
      ...extra,
    },
    3,
  );
  const appDir = await copyDjangoApp(join(await mkdtemp(join(tmpdir(), "ecs-task-app-")), "app"));
  await bed.register({ workingDirectory: appDir, ...container });
  return bed;
}

/** setUp with a PostgreSQL database the task's Django migrates. */
async function setUpWithDatabase(command: string, extra: Record<string, string> = {}) {
  const database = (db = await createDatabase("ecsrun"));
  return { bed: await setUp(command, { ...djangoEnv(database), ...extra }), db: database };
}

async function startAll(b: EcsBed): Promise<RunningInstance[]> {
  const cwd = await mkdtemp(join(tmpdir(), "ecs-staging-"));
  return await Promise.all(b.sandbox.state().instances.map((i) => startInstance(i, { cwd })));
}

const migrate = `${DJANGO_PYTHON} manage.py migrate --noinput`;

describe("eb-migrate run in ecs mode", () => {
  test("one task runs migrate for the whole fleet; every instance exits 0", async () => {
    const { bed, db } = await setUpWithDatabase(migrate);
    const runs = await Promise.all((await startAll(bed)).map((r) => r.done));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0, 0]);
    expect(runs.filter((r) => r.stats?.role === "leader"), detail).toHaveLength(1);
    expect(bed.ecs.tasks(), detail).toHaveLength(1);
    expect(bed.ecs.tasks()[0]!.exitCode).toBe(0);
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
    // Without EB_MIGRATE_ECS_IMAGE nothing is registered, and the leader says which image runs.
    const leader = runs.find((r) => r.stats?.role === "leader")!;
    expect(leader.output, detail).toMatch(/the task runs the task definition's image as it is \(EB_MIGRATE_ECS_IMAGE is not set, so it was not changed for this deployment\).*example\/app:latest/);
    const latest = await bed.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: FAMILY }));
    expect(latest.taskDefinition?.revision).toBe(1);
  });

  test("EB_MIGRATE_ECS_IMAGE: the task runs the deployment's image from a revision that copies no property; a redeploy of the version registers nothing", async () => {
    const environment = [{ name: "DJANGO_SETTINGS_MODULE", value: "shop.settings" }];
    const secrets = [{ name: "API_KEY", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/shop/api-key" }];
    const bed = await setUp("echo migrated", { EB_MIGRATE_ECS_IMAGE: "example/app:{version_label}", SHOP_PASSWORD: "p4ss-value-xyz" }, { environment, secrets });
    const first = await Promise.all((await startAll(bed)).map((r) => r.done));
    const detail = describeRuns(first);
    expect(first.map((r) => r.exitCode), detail).toEqual([0, 0, 0]);
    expect(bed.ecs.tasks(), detail).toHaveLength(1);
    const label = bed.sandbox.state().environment.versionLabel;
    const image = async (taskArn: string) => (await bed.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks![0]!.containers![0]!.image;
    expect(await image(bed.ecs.tasks()[0]!.taskArn), detail).toBe(`example/app:${label}`);
    const revision = (ref: string) => bed.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ["TAGS"] }));
    const [original, registered] = [await revision(`${FAMILY}:1`), await revision(FAMILY)];
    expect(registered.taskDefinition!.revision).toBe(2);
    expect(registered.taskDefinition!.containerDefinitions![0]!.secrets).toEqual(original.taskDefinition!.containerDefinitions![0]!.secrets);
    expect(registered.taskDefinition!.containerDefinitions![0]!.environment).toEqual(environment);
    expect(JSON.stringify(registered)).not.toContain("p4ss-value-xyz");
    expect(registered.tags).toEqual([{ key: "eb-migrate:deployment", value: `${label}-${bed.sandbox.state().environment.deploymentId}` }]);
    // The property reached the task, as an override.
    expect(bed.ecs.tasks()[0]!.environment.SHOP_PASSWORD).toBe("p4ss-value-xyz");

    // The same version deployed again: a new deployment, the same image, no new revision.
    await bed.sandbox.deploy({ versionLabel: label });
    const second = await Promise.all((await startAll(bed)).map((r) => r.done));
    expect(second.map((r) => r.exitCode), describeRuns(second)).toEqual([0, 0, 0]);
    expect(bed.ecs.tasks()).toHaveLength(2);
    expect((await revision(FAMILY)).taskDefinition!.revision).toBe(2);
    expect(await image(bed.ecs.tasks()[1]!.taskArn)).toBe(`example/app:${label}`);
    expect(second.find((r) => r.stats?.role === "leader")?.output).toContain("already runs this deployment's image: reused");
  });

  test("EB_MIGRATE_ECS_IMAGE with an unknown placeholder: every instance exits 2 with one clear message, nothing started", async () => {
    const bed = await setUp("echo never", { EB_MIGRATE_ECS_IMAGE: "example/app:{tag}" });
    const runs = await Promise.all((await startAll(bed)).map((r) => r.done));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([2, 2, 2]);
    for (const r of runs) {
      const errors = r.output.split("\n").filter((l) => l.includes("EB_MIGRATE_ECS_IMAGE"));
      expect(errors, detail).toHaveLength(1);
      expect(errors[0], detail).toContain('EB_MIGRATE_ECS_IMAGE="example/app:{tag}" is not valid (unknown placeholder {tag}): expected an image reference, with the placeholders {version_label}, {deployment_id}, {environment}');
      expect(r.output, detail).not.toMatch(/^\s+at /m);
    }
    expect(bed.ecs.tasks()).toHaveLength(0);
  });

  test("a failing migrate task fails every instance (exit 1); the leader shows the task's last lines", async () => {
    const bed = await setUp(`echo applying; echo "django.db.utils.ProgrammingError: relation does not exist" >&2; exit 1`);
    const runs = await Promise.all((await startAll(bed)).map((r) => r.done));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([1, 1, 1]);
    // The leader is the one that ran the task (a failed run writes no role to its stats).
    const leaders = runs.filter((r) => r.output.includes("ECS task started"));
    expect(leaders, detail).toHaveLength(1);
    expect(leaders[0]!.output, detail).toMatch(/\| django\.db\.utils\.ProgrammingError: relation does not exist/);
    expect(bed.ecs.tasks(), detail).toHaveLength(1);
  });

  test("run --now --force on an instance re-runs a succeeded release as a task of its own (not the finished task handed back by its clientToken)", async () => {
    const bed = await setUp(`echo "run $(date +%s%N)"`);
    const deploy = await Promise.all((await startAll(bed)).map((r) => r.done));
    expect(deploy.map((r) => r.exitCode), describeRuns(deploy)).toEqual([0, 0, 0]);
    expect(bed.ecs.tasks()).toHaveLength(1);
    const instance = bed.sandbox.state().instances[0]!;
    const cwd = await mkdtemp(join(tmpdir(), "ecs-staging-"));
    const again = await (await startInstance(instance, { cwd, args: ["--now", "--force"] })).done;
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toMatch(/this is attempt 2/);
    // A second task ran; the re-run did not take the first task's exit code as its own.
    expect(bed.ecs.tasks(), again.output).toHaveLength(2);
    expect(again.output).toContain(`ECS task started`);
  });

  test("a re-run's leader SIGKILLed before it recorded its task: the deploy run that takes over follows the re-run's task, not the deploy's finished one", async () => {
    const bed = await setUp("echo waiting; sleep 3; echo finished", { EB_MIGRATE_LEASE_SECONDS: "60" });
    const deploy = await Promise.all((await startAll(bed)).map((r) => r.done));
    expect(deploy.map((r) => r.exitCode), describeRuns(deploy)).toEqual([0, 0, 0]);
    const [a, b] = bed.sandbox.state().instances;
    const cwd = await mkdtemp(join(tmpdir(), "ecs-staging-"));
    // The re-run's RunTask starts its task and answers only 30 s later: its leader dies in between.
    bed.ecs.injectRunTaskAnswerDelay({ delayMs: 30_000, count: 1 });
    const rerun = await startInstance(a!, { cwd, args: ["--now", "--force"] });
    for (let n = 0; n < 200 && bed.ecs.tasks().length < 2; n++) await new Promise((r) => setTimeout(r, 50));
    expect(bed.ecs.tasks(), rerun.output()).toHaveLength(2);
    rerun.child.kill("SIGKILL");
    await rerun.done;
    await bed.sandbox.terminate(a!.id);
    // An instance's deploy hook runs again (e.g. a failed deploy retried): it takes over the re-run.
    const successor = await (await startInstance(b!, { cwd })).done;
    const detail = `${rerun.output()}\n${successor.output}`;
    expect(successor.exitCode, detail).toBe(0);
    expect(successor.output, detail).toMatch(/left running by .* \(attempt 2\); this is attempt 3/);
    expect(bed.ecs.tasks(), detail).toHaveLength(2);
    expect(successor.output, detail).toContain(bed.ecs.tasks()[1]!.taskArn);
    expect(successor.output, detail).not.toContain(bed.ecs.tasks()[0]!.taskArn);
  });

  test("leader killed while its task runs: the new leader waits on the same task ARN; exactly one task ran", async () => {
    const { bed, db } = await setUpWithDatabase(`echo waiting; sleep 4; ${migrate}`, { EB_MIGRATE_LEASE_SECONDS: "60" });
    const running = await startAll(bed);
    const leader = await Promise.race(running.map((r) => r.waitFor(/ECS task started/).then(() => r)));
    const taskArn = bed.ecs.tasks()[0]!.taskArn;
    leader.child.kill("SIGKILL");
    await leader.done;
    // Its instance leaves Auto Scaling: the lease is taken over at once, not after 60 s.
    await bed.sandbox.terminate(leader.id);
    const runs = await Promise.all(running.filter((r) => r !== leader).map((r) => r.done));
    const detail = describeRuns(runs) + leader.output();
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0]);
    const successor = runs.find((r) => r.stats?.role === "leader");
    expect(successor?.output, detail).toContain("waiting for the ECS task started by the previous leader");
    expect(successor?.output, detail).toContain(taskArn);
    expect(bed.ecs.tasks(), detail).toHaveLength(1);
    expect(await countSeedRows(db)).toBe(1);
  });

  test("leader SIGKILLed after RunTask started its task but before it answered (ARN never recorded), token expired: the successor follows that task; one task, no conflict", async () => {
    const bed = await setUp("echo waiting; sleep 3; echo finished", { EB_MIGRATE_LEASE_SECONDS: "60" });
    // The first RunTask starts its task and answers only 30 s later: the leader dies in between.
    bed.ecs.injectRunTaskAnswerDelay({ delayMs: 30_000, count: 1 });
    const running = await startAll(bed);
    const leader = await Promise.race(running.map((r) => r.waitFor(/starting the release as an ECS task/).then(() => r)));
    for (let n = 0; n < 200 && bed.ecs.tasks().length === 0; n++) await new Promise((r) => setTimeout(r, 50));
    expect(bed.ecs.tasks()).toHaveLength(1);
    // More than 24 hours on: RunTask's clientToken no longer brings the task back.
    bed.ecs.expireClientTokens();
    leader.child.kill("SIGKILL");
    await leader.done;
    await bed.sandbox.terminate(leader.id);
    const runs = await Promise.all(running.filter((r) => r !== leader).map((r) => r.done));
    const detail = describeRuns(runs) + leader.output();
    expect(leader.output(), detail).not.toMatch(/ECS task started/);
    expect(bed.ecs.tasks(), detail).toHaveLength(1);
    expect(bed.ecs.tasks()[0]!.exitCode, detail).toBe(0);
    expect(runs.map((r) => r.exitCode), detail).toEqual([0, 0]);
    const successor = runs.find((r) => r.stats?.role === "leader");
    expect(successor?.output, detail).toMatch(/started this release's ECS task without recording it: following/);
    expect(successor?.output, detail).toContain(bed.ecs.tasks()[0]!.taskArn);
    expect(detail).not.toMatch(/ConflictException|clientToken is in use/);
  });
});
