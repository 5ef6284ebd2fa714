// runEcsRelease against the sandbox's ECS and Logs through the real SDK: the task's command
// runs as a local process; exit codes, logs, faults, timeouts and takeovers as on AWS.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateClusterCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTagsForResourceCommand, ListTasksCommand, RunTaskCommand, TagResourceCommand } from "@aws-sdk/client-ecs";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ConfigError, ReleaseFailedError } from "../../src/cli/errors.js";
import { MARKER_PREFIX, PG_ADVISORY_LOCK_KEY } from "../../src/release/db-lock/launcher.js";
import { LEADER_TAG, RELEASE_TAG, releaseTagValue, startedBy } from "../../src/ecs/start-task.js";
import { copyDjangoApp, countSeedRows, DJANGO_PYTHON, duplicateMigrationRows } from "../support/django.js";
import { createDatabase, type TestDatabase } from "../support/postgres.js";
import { CLUSTER, FAMILY, LOG_GROUP, run, startEcsBed, type EcsBed } from "./helpers.js";

let bed: EcsBed;
/** Only the test that runs Django's migrate has a database: the others' tasks run sh. */
let db: TestDatabase | undefined;
let appDir: string;

beforeAll(async () => {
  appDir = await copyDjangoApp(join(await mkdtemp(join(tmpdir(), "ecs-app-")), "app"));
  bed = await startEcsBed({
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    DB_PASSWORD: "s3cret-value",
    EB_MIGRATE_MODE: "ecs",
  });
  // The task definition has no environment of its own: the properties only reach the task as overrides.
  await bed.register({ workingDirectory: appDir });
});

afterAll(async () => {
  await bed?.stop();
  await db?.drop();
});

afterEach(() => bed.ecs.clearFaults());

/** A PostgreSQL database for the app, named to the task by the environment's DATABASE_URL property. */
async function createTestDatabase(): Promise<TestDatabase> {
  db = await createDatabase("ecs");
  await bed.sandbox.setEnvironmentProperties({ DATABASE_URL: db.url });
  return db;
}

describe("runEcsRelease", () => {
  test("runs Django's migrate as one task with the environment's properties, records the ARN before waiting", async () => {
    const db = await createTestDatabase();
    const { result, lines, started, records } = await run(bed, { command: [DJANGO_PYTHON, "manage.py", "migrate", "--noinput"] });
    expect(result.exitCode, lines.join("\n")).toBe(0);
    expect(result.timedOut).toBe(false);
    expect(await countSeedRows(db)).toBe(1);
    expect(await duplicateMigrationRows(db)).toEqual([]);
    expect(lines.some((l) => /Applying shop\.0002_seed\.\.\. OK/.test(l))).toBe(true);
    // Under the database lock: its marker line is a log line, kept in the tail, and the result's report.
    expect(result.outputTail).toEqual([expect.stringContaining(`${MARKER_PREFIX}{"event": "acquired"`), ...lines.slice(-49)]);
    expect(records.map((r) => r.msg)).toContain(`took the database lock (PostgreSQL advisory lock ${PG_ADVISORY_LOCK_KEY})`);
    expect(result.dbLock).toEqual({ lock: `PostgreSQL advisory lock ${PG_ADVISORY_LOCK_KEY}`, acquired: true, waitedMs: 0 });

    expect(started).toHaveLength(1);
    expect(started[0]!.arn).toBe(result.taskArn);
    expect(started[0]!.lastStatus).not.toBe("STOPPED");
    const task = bed.ecs.tasks().find((t) => t.taskArn === result.taskArn)!;
    expect(task.startedBy).toMatch(new RegExp(`^eb-migrate/${bed.identity.environmentId}/v\\d+-1$`));
    expect(task.environment).toMatchObject({ DATABASE_URL: db.url, DB_PASSWORD: "s3cret-value" });
    expect(task.environment.EB_MIGRATE_MODE).toBeUndefined();
    // Never registered a revision carrying the properties.
    const latest = await bed.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: FAMILY }));
    expect(latest.taskDefinition?.revision).toBe(1);
    expect(records.map((r) => r.msg)).toContain("ECS task RUNNING");
    expect(JSON.stringify(records)).not.toContain("s3cret-value");
  });

  test("passes a failing container's exit code through, with the last lines (also one without a newline), redacted", async () => {
    const script = 'for i in $(seq 1 60); do echo "line $i"; done; echo "password is $DB_PASSWORD" >&2; printf "no newline"; exit 3';
    const { result, lines } = await run(bed, { command: ["sh", "-c", script] });
    expect(result.exitCode).toBe(3);
    expect(result.outputTail).toHaveLength(50);
    expect(result.outputTail.at(-1)).toBe("no newline");
    expect(result.outputTail).toContain("password is ***");
    expect(lines[0]).toBe("line 1");
    expect(result.detail).toMatch(/stopCode=EssentialContainerExited/);
  });

  test("log-fetch errors are reported, and every line is still read once the service answers again", async () => {
    bed.sandbox.injectFault({ service: "logs", operation: "GetLogEvents", error: "AccessDeniedException", message: "not allowed to read logs", count: 2 });
    const { result, lines, records } = await run(bed, { command: ["sh", "-c", "for i in 1 2 3; do echo n$i; done"] });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(["n1", "n2", "n3"]);
    const warnings = records.filter((r) => r.msg.startsWith("could not read the task's logs"));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.fields.error)).toContain("not allowed to read logs");
    expect(result.detail).toMatch(/log errors: .*not allowed to read logs \(2 times\)/);
  });

  test("a task that stops without an exit code is a failure with ECS's reasons", async () => {
    bed.ecs.injectNoExitCode({ stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull access denied", containerReason: "CannotPullContainerError: repository does not exist" });
    const { result } = await run(bed);
    expect(result.exitCode).toBeNull();
    expect(result.timedOut).toBe(false);
    expect(result.detail).toContain("container app has no exit code");
    expect(result.detail).toContain("stopCode=TaskFailedToStart");
    expect(result.detail).toContain("CannotPullContainerError: pull access denied");
    expect(result.detail).toContain("repository does not exist");
  });

  test("RunTask failures AGENT and RESOURCE:* are retried until the task is placed", async () => {
    const before = bed.ecs.tasks().length;
    bed.ecs.injectRunTaskFailure({ reason: "RESOURCE:MEMORY", count: 1 });
    bed.ecs.injectRunTaskFailure({ reason: "AGENT", count: 1 });
    const { result, records } = await run(bed, { command: ["sh", "-c", "echo placed"] });
    expect(result.exitCode).toBe(0);
    expect(bed.ecs.tasks().length - before).toBe(1);
    const retries = records.filter((r) => r.msg.startsWith("RunTask could not place the task yet"));
    expect(retries.map((r) => r.fields.reason)).toEqual(["RESOURCE:MEMORY", "AGENT"]);
  });

  test("other RunTask failures fail at once with the reason and detail, and start nothing", async () => {
    const before = bed.ecs.tasks().length;
    bed.ecs.injectRunTaskFailure({ reason: "ATTRIBUTE", detail: "requires ecs.capability.secrets.asm.environment-variables" });
    const error = await run(bed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseFailedError);
    expect((error as Error).message).toMatch(/RunTask could not start the release task in cluster release: ATTRIBUTE — requires ecs\.capability/);
    expect(bed.ecs.tasks().length).toBe(before);
  });

  test("on timeout the task is stopped (StopTask) and the result says timedOut", async () => {
    const { result, lines } = await run(bed, { command: ["sh", "-c", "echo started; sleep 30"], timeoutMs: 2_500 });
    expect(result.timedOut).toBe(true);
    expect(lines).toContain("started");
    const described = await bed.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [result.taskArn!] }));
    expect(described.tasks?.[0]).toMatchObject({ lastStatus: "STOPPED", stopCode: "UserInitiated", stoppedReason: "eb-migrate: wait timeout" });
    expect(result.exitCode).toBe(143); // SIGTERM, as Docker reports it
  });

  test("SIGTERM while the task runs stops it and says interrupted", async () => {
    const controller = new AbortController();
    const { result } = await run(bed, {
      command: ["sh", "-c", "sleep 30"],
      signal: controller.signal,
      hooks: { onLine: () => {}, onTaskStarted: async () => void setTimeout(() => controller.abort("SIGTERM"), 300) },
    });
    expect(result.interrupted).toBe("SIGTERM");
    expect(result.timedOut).toBe(false);
    const task = bed.ecs.tasks().find((t) => t.taskArn === result.taskArn)!;
    expect(task.lastStatus).toBe("STOPPED");
  });

  test("once the lease is lost, SIGTERM ends our wait but never the task: it runs to its own end for the new leader", async () => {
    const lost = new AbortController();
    const signal = new AbortController();
    const { result } = await run(bed, {
      command: ["sh", "-c", "sleep 2; echo finished"],
      signal: signal.signal,
      lost: lost.signal,
      hooks: {
        onLine: () => {},
        onTaskStarted: async () => {
          // The fenced ex-leader gets SIGTERM (EB's command timeout) right after losing the lease.
          lost.abort("lease lost");
          signal.abort("SIGTERM");
        },
      },
    });
    expect(result.detail).toBe("lease lost");
    const arn = bed.ecs.tasks().at(-1)!.taskArn;
    let task = bed.ecs.tasks().find((t) => t.taskArn === arn)!;
    for (let n = 0; n < 200 && task.lastStatus !== "STOPPED"; n++) {
      await new Promise((r) => setTimeout(r, 100));
      task = bed.ecs.tasks().find((t) => t.taskArn === arn)!;
    }
    // Stopped by StopTask, the shell would have died of SIGTERM (exit 143), not exited 0.
    expect(task).toMatchObject({ lastStatus: "STOPPED", exitCode: 0 });
  });

  test("a task that never leaves PENDING is stopped at the deadline, with no exit code", async () => {
    bed.ecs.injectStuckPending(1);
    const { result } = await run(bed, { timeoutMs: 1_500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.detail).toMatch(/stopCode=UserInitiated/);
  });

  test("a takeover waits on the task already running instead of starting a second one", async () => {
    const previous = await bed.clients.ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: FAMILY, overrides: { containerOverrides: [{ name: "app", command: ["sh", "-c", "sleep 1; echo from the first leader; exit 4"] }] } }),
    );
    const arn = previous.tasks![0]!.taskArn!;
    const before = bed.ecs.tasks().length;
    const { result, lines, started } = await run(bed, { existingTaskArn: arn });
    expect(result.taskArn).toBe(arn);
    expect(result.exitCode).toBe(4);
    expect(lines).toContain("from the first leader");
    expect(started).toEqual([]);
    expect(bed.ecs.tasks().length).toBe(before);
  });

  test("a successor on another instance that finds no recorded task ARN gets the same task back, not a second one", async () => {
    // The first leader died between RunTask and recording the ARN: its successor runs the same
    // deployment from scratch. ECS answers a reused clientToken with other parameters with
    // ConflictException, so the request must not name the instance.
    const deployment = { key: "successor#1", versionLabel: "successor", deploymentId: "1", source: "test" };
    const before = bed.ecs.tasks().length;
    const first = await run(bed, { deployment, command: ["sh", "-c", "echo once"] });
    const second = await run(bed, { deployment, identity: { ...bed.identity, instanceId: "i-0successor000000" }, command: ["sh", "-c", "echo once"] });
    expect(second.result.taskArn).toBe(first.result.taskArn);
    expect(bed.ecs.tasks().length).toBe(before + 1);
    expect(second.result.exitCode).toBe(0);
    // An identical request: ECS's plain idempotent answer, not the conflict path.
    expect(second.records.some((r) => /already started/.test(r.msg))).toBe(false);
  });

  test("a reused clientToken with other parameters (ConflictException) is followed to the task it names (when the ListTasks look could not find it)", async () => {
    const deployment = { key: "conflict#1", versionLabel: "conflict", deploymentId: "1", source: "test" };
    const first = await run(bed, { deployment, command: ["sh", "-c", "echo first"] });
    const before = bed.ecs.tasks().length;
    // Changed settings between the two leaders (another command): same token, other parameters.
    // The ListTasks look would find the task first: make it fail once to reach RunTask.
    bed.sandbox.injectFault({ service: "ecs", operation: "ListTasks", error: "ServerException", message: "lookup down", count: 1 });
    const second = await run(bed, { deployment, command: ["sh", "-c", "echo changed"] });
    expect(second.result.taskArn).toBe(first.result.taskArn);
    expect(bed.ecs.tasks().length).toBe(before);
    expect(second.records.some((r) => /already started \(its clientToken is in use\)/.test(r.msg))).toBe(true);
  });

  test("the sandbox keeps RunTask client tokens per cluster, as ECS does: the same token in another cluster starts its own task", async () => {
    await bed.clients.ecs.send(new CreateClusterCommand({ clusterName: "other" }));
    const request = { taskDefinition: FAMILY, clientToken: "per-cluster-token", overrides: { containerOverrides: [{ name: "app", command: ["sh", "-c", "true"] }] } };
    const here = await bed.clients.ecs.send(new RunTaskCommand({ ...request, cluster: CLUSTER }));
    const again = await bed.clients.ecs.send(new RunTaskCommand({ ...request, cluster: CLUSTER }));
    const there = await bed.clients.ecs.send(new RunTaskCommand({ ...request, cluster: "other" }));
    expect(again.tasks![0]!.taskArn).toBe(here.tasks![0]!.taskArn);
    expect(there.tasks![0]!.taskArn).not.toBe(here.tasks![0]!.taskArn);
    const conflict = await bed.clients.ecs.send(new RunTaskCommand({ ...request, cluster: CLUSTER, startedBy: "someone-else" })).catch((e: unknown) => e);
    expect(conflict).toMatchObject({ name: "ConflictException", resourceIds: [here.tasks![0]!.taskArn] });
  });

  test("the task carries the release tag from RunTask and the leader's instance from TagResource", async () => {
    const deployment = { key: "tags#1", versionLabel: "tags", deploymentId: "1", source: "test" };
    const { result } = await run(bed, { deployment });
    const tags = await bed.clients.ecs.send(new ListTagsForResourceCommand({ resourceArn: result.taskArn! }));
    expect(tags.tags).toEqual([
      { key: RELEASE_TAG, value: releaseTagValue(bed.identity, deployment) },
      { key: LEADER_TAG, value: bed.identity.instanceId },
    ]);
  });

  test("a TagResource failure is a warning: the release runs and reports the task's result", async () => {
    bed.sandbox.injectFault({ service: "ecs", operation: "TagResource", error: "AccessDeniedException", message: "not allowed to tag", count: 1 });
    const { result, records } = await run(bed, { command: ["sh", "-c", "exit 0"] });
    expect(result.exitCode).toBe(0);
    const warnings = records.filter((r) => r.level === "warn" && /could not tag the ECS task with its leader/.test(r.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain("not allowed to tag");
  });

  test("a leader that died after RunTask, its clientToken expired: the successor finds the running task by ListTasks and follows it", async () => {
    const deployment = { key: "lookup-running#1", versionLabel: "lookup-running", deploymentId: "1", source: "test" };
    const lost = new AbortController();
    // The first leader starts the task and is gone before it records the ARN (its wait ends, the task runs on).
    const first = await run(bed, { deployment, command: ["sh", "-c", "sleep 1.5; echo from the first leader; exit 5"], lost: lost.signal, hooks: { onLine: () => {}, onTaskStarted: async () => lost.abort("lease lost") } });
    expect(first.result.detail).toBe("lease lost");
    const before = bed.ecs.tasks().length;
    bed.ecs.expireClientTokens();
    const second = await run(bed, { deployment, identity: { ...bed.identity, instanceId: "i-0successor000001" }, command: ["sh", "-c", "echo from the first leader; exit 5"] });
    expect(bed.ecs.tasks().length).toBe(before);
    expect(second.result.exitCode).toBe(5);
    expect(second.lines).toContain("from the first leader");
    expect(second.started.map((s) => s.arn)).toEqual([bed.ecs.tasks().at(-1)!.taskArn]);
    expect(second.records.some((r) => /started this release's ECS task without recording it: following/.test(r.msg))).toBe(true);
    expect(bed.ecs.tasks().at(-1)!.tags[LEADER_TAG]).toBe("i-0successor000001");
  });

  test("a task of this release that already stopped is its outcome: the successor reads its exit code, starts nothing", async () => {
    const deployment = { key: "lookup-stopped#1", versionLabel: "lookup-stopped", deploymentId: "1", source: "test" };
    const first = await run(bed, { deployment, command: ["sh", "-c", "exit 7"] });
    expect(first.result.exitCode).toBe(7);
    const before = bed.ecs.tasks().length;
    bed.ecs.expireClientTokens();
    const second = await run(bed, { deployment, command: ["sh", "-c", "exit 7"] });
    expect(second.result.taskArn).toBe(first.result.taskArn);
    expect(second.result.exitCode).toBe(7);
    expect(bed.ecs.tasks().length).toBe(before);
  });

  test("a task with this release's startedBy but not its release tag is not taken for it", async () => {
    const deployment = { key: "lookup-other#1", versionLabel: "lookup-other", deploymentId: "1", source: "test" };
    const stranger = await bed.clients.ecs.send(
      new RunTaskCommand({ cluster: CLUSTER, taskDefinition: FAMILY, startedBy: startedBy(bed.identity, deployment), overrides: { containerOverrides: [{ name: "app", command: ["sh", "-c", "sleep 5"] }] } }),
    );
    const { result } = await run(bed, { deployment, command: ["sh", "-c", "exit 0"] });
    expect(result.taskArn).not.toBe(stranger.tasks![0]!.taskArn);
    expect(result.exitCode).toBe(0);
  });

  test("a failed look (ListTasks denied) is a warning; RunTask still starts the task", async () => {
    bed.sandbox.injectFault({ service: "ecs", operation: "ListTasks", error: "AccessDeniedException", message: "no ListTasks", count: 1 });
    const { result, records } = await run(bed, { command: ["sh", "-c", "exit 0"] });
    expect(result.exitCode).toBe(0);
    expect(records.some((r) => r.level === "warn" && /could not look for a task of this release.*no ListTasks/.test(r.msg))).toBe(true);
  });

  test("overrides over ECS's 8192 characters are refused before RunTask", async () => {
    await bed.sandbox.setEnvironmentProperties({ HUGE_CERTIFICATE: "x".repeat(9_000) });
    try {
      const before = bed.ecs.tasks().length;
      const error = await run(bed).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/RunTask allows 8192.*HUGE_CERTIFICATE/);
      expect(bed.ecs.tasks().length).toBe(before);
    } finally {
      await bed.sandbox.setEnvironmentProperties({ HUGE_CERTIFICATE: null });
    }
  });

  test("an awsvpc task definition without subnets is a configuration error", async () => {
    await bed.register({ name: "app" });
    const { RegisterTaskDefinitionCommand } = await import("@aws-sdk/client-ecs");
    await bed.clients.ecs.send(new RegisterTaskDefinitionCommand({ family: "vpc-task", networkMode: "awsvpc", containerDefinitions: [{ name: "app", image: "x" }] }));
    await expect(run(bed, { env: { EB_MIGRATE_ECS_TASK_DEFINITION: "vpc-task" } })).rejects.toThrow(/uses awsvpc networking: set EB_MIGRATE_ECS_SUBNETS/);
  });
});

describe("sandbox ECS ListTasks and tags", () => {
  const sleeper = (startedBy: string) =>
    bed.clients.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: FAMILY, startedBy, overrides: { containerOverrides: [{ name: "app", command: ["sh", "-c", "sleep 3"] }] } })).then((a) => a.tasks![0]!.taskArn!);

  test("answers only ARNs, RUNNING by default, STOPPED on request, pages of maxResults with nextToken", async () => {
    const by = `list-${Date.now()}`;
    const arns = [await sleeper(by), await sleeper(by), await sleeper(by)];
    const all = await bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: by }));
    expect(all.taskArns).toEqual(arns);
    expect(all.nextToken).toBeUndefined();
    const first = await bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: by, maxResults: 2 }));
    expect(first.taskArns).toEqual(arns.slice(0, 2));
    const rest = await bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: by, maxResults: 2, nextToken: first.nextToken }));
    expect(rest).toMatchObject({ taskArns: arns.slice(2) });
    expect(rest.nextToken).toBeUndefined();
    const { StopTaskCommand } = await import("@aws-sdk/client-ecs");
    await bed.clients.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arns[0]! }));
    expect((await bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: by }))).taskArns).toEqual(arns.slice(1));
    expect((await bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: by, desiredStatus: "STOPPED" }))).taskArns).toEqual(arns.slice(0, 1));
    expect((await bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: by, desiredStatus: "PENDING" }))).taskArns).toEqual([]);
    expect((await bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, family: FAMILY }))).taskArns).toEqual(expect.arrayContaining(arns.slice(1)));
  });

  test("refuses what ECS refuses: startedBy with another filter, maxResults over 100, a bad token, an unknown cluster", async () => {
    await expect(bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: "x", family: FAMILY }))).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, maxResults: 101 }))).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(bed.clients.ecs.send(new ListTasksCommand({ cluster: CLUSTER, nextToken: "not-a-token" }))).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(bed.clients.ecs.send(new ListTasksCommand({ cluster: "nope" }))).rejects.toMatchObject({ name: "ClusterNotFoundException" });
  });

  test("tags: TagResource adds and overwrites, DescribeTasks shows them only with include TAGS, unknown tasks and bad tags are refused", async () => {
    const arn = await sleeper("tags-test");
    await bed.clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "a", value: "1" }, { key: "b", value: "2" }] }));
    await bed.clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "a", value: "3" }] }));
    expect((await bed.clients.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: "a", value: "3" }, { key: "b", value: "2" }]);
    const plain = await bed.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }));
    expect(plain.tasks![0]!.tags).toBeUndefined();
    const tagged = await bed.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn], include: ["TAGS"] }));
    expect(tagged.tasks![0]!.tags).toEqual([{ key: "a", value: "3" }, { key: "b", value: "2" }]);
    const missing = arn.replace(/[0-9a-f]{32}$/, "0".repeat(32));
    await expect(bed.clients.ecs.send(new TagResourceCommand({ resourceArn: missing, tags: [{ key: "a", value: "1" }] }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(bed.clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "aws:x", value: "1" }] }))).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(bed.clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "k", value: "v#1" }] }))).rejects.toMatchObject({ name: "InvalidParameterException" });
  });
});

describe("sandbox CloudWatch Logs", () => {
  test("GetLogEvents reads forward and returns the same token at the end of the stream", async () => {
    const { result } = await run(bed, { command: ["sh", "-c", "echo one; echo two"] });
    const stream = `ecs/app/${result.taskArn!.split("/").at(-1)}`;
    const first = await bed.clients.logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: stream, startFromHead: true, limit: 1 }));
    expect(first.events?.map((e) => e.message)).toEqual(["one"]);
    const second = await bed.clients.logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: stream, startFromHead: true, nextToken: first.nextForwardToken }));
    expect(second.events?.map((e) => e.message)).toEqual(["two"]);
    const end = await bed.clients.logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: stream, startFromHead: true, nextToken: second.nextForwardToken }));
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(second.nextForwardToken);
    await expect(bed.clients.logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: "ecs/app/nope" }))).rejects.toThrow(/log stream does not exist/);
  });
});
