// The ECS mode's decisions without AWS: overrides limit, container choice, tokens, failure
// classes, setting combinations, discovery from on-instance files and the agent.
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Task } from "@aws-sdk/client-ecs";
import { describe, expect, test } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import { createLogger, memorySink } from "../../src/cli/log.js";
import { resolveSettings } from "../../src/config/settings.js";
import { CONTAINER_PYTHON, lockShare, planTaskDbLock } from "../../src/ecs/db-lock.js";
import { discoverEcsTarget } from "../../src/ecs/discovery.js";
import { buildOverrides, MAX_OVERRIDES_CHARACTERS } from "../../src/ecs/overrides.js";
import { containerCommand } from "../../src/ecs/run-task.js";
import { checkEcsSettings } from "../../src/ecs/settings-check.js";
import { clientToken, isRetryableFailure, startedBy } from "../../src/ecs/start-task.js";
import { describeStop } from "../../src/ecs/stop-detail.js";
import { chooseContainer, logLocation } from "../../src/ecs/task-definition.js";
import { COMPACT_LAUNCHER_SOURCE } from "../../src/release/db-lock/launcher.js";

const identity = { instanceId: "i-0abc", region: "us-east-1", environmentName: "prod", environmentId: "e-123" };

describe("overrides", () => {
  test("carry the command and every property to the named container", () => {
    const o = buildOverrides("app", ["python", "manage.py", "migrate"], { A: "1", B: "two" });
    expect(o.containerOverrides).toEqual([
      { name: "app", command: ["python", "manage.py", "migrate"], environment: [{ name: "A", value: "1" }, { name: "B", value: "two" }] },
    ]);
  });

  test("carry the command's argv, or in shell mode the container's sh -c and the line", () => {
    expect(containerCommand(resolveSettings({ EB_MIGRATE_COMMAND: `python manage.py migrate --database "other db"` }).command)).toEqual(["python", "manage.py", "migrate", "--database", "other db"]);
    expect(containerCommand(resolveSettings({ EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: "a && b" }).command)).toEqual(["sh", "-c", "a && b"]);
  });

  test("at exactly the limit are accepted, one character more is refused naming the largest property", () => {
    const base = JSON.stringify(buildOverrides("app", ["x"], { BIG: "" })).length;
    const fits = "v".repeat(MAX_OVERRIDES_CHARACTERS - base);
    expect(JSON.stringify(buildOverrides("app", ["x"], { BIG: fits })).length).toBe(MAX_OVERRIDES_CHARACTERS);
    const error = (() => {
      try {
        buildOverrides("app", ["x"], { BIG: `${fits}v` });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/8193 characters; RunTask allows 8192.*BIG/);
  });
});

describe("the database lock in the task", () => {
  const deployment = { key: "v7#1" };
  const plan = (env: Record<string, string>) => {
    const settings = resolveSettings({ EB_MIGRATE_MODE: "ecs", ...env });
    return planTaskDbLock(settings, containerCommand(settings.command), identity, deployment);
  };

  test("auto: `<python> manage.py migrate` runs in-process with its own python, the holder named after the task", async () => {
    const p = await plan({ EB_MIGRATE_COMMAND: "python3 manage.py migrate --noinput" });
    expect(p?.argv).toEqual(["python3", "-c", COMPACT_LAUNCHER_SOURCE, "migrate", "default", "eb-migrate prod ecs-task v7#1", "manage.py", "migrate", "--noinput"]);
  });

  test("on: any other command (shell mode: the container's sh -c) as the holder's child, with the image's `python`", async () => {
    const p = await plan({ EB_MIGRATE_DB_LOCK: "on", EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: "./release.sh && echo done", EB_MIGRATE_DB_ALIAS: "direct" });
    expect(CONTAINER_PYTHON).toBe("python");
    expect(p?.argv).toEqual([CONTAINER_PYTHON, "-c", COMPACT_LAUNCHER_SOURCE, "exec", "direct", "eb-migrate prod ecs-task v7#1", "sh", "-c", "./release.sh && echo done"]);
  });

  test.each([[{ EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: "python manage.py migrate" }], [{ EB_MIGRATE_COMMAND: "./release.sh" }], [{ EB_MIGRATE_DB_LOCK: "off" }]])("no lock for %j", async (env) => {
    expect(await plan(env)).toBeUndefined();
  });

  test("overrides too big with the launcher name its share and EB_MIGRATE_DB_LOCK=off", async () => {
    const command = ["python", "manage.py", "migrate"];
    const locked = (await plan({}))!.argv;
    const share = lockShare(command, locked);
    expect(share).toBe(JSON.stringify(locked).length - JSON.stringify(command).length);
    const base = JSON.stringify(buildOverrides("app", command, { BIG: "" })).length;
    const properties = { BIG: "v".repeat(MAX_OVERRIDES_CHARACTERS - base) };
    expect(() => buildOverrides("app", command, properties)).not.toThrow();
    expect(() => buildOverrides("app", locked, properties, share)).toThrow(
      new RegExp(`are ${MAX_OVERRIDES_CHARACTERS + share} characters, ${share} of them the database lock's launcher \\(EB_MIGRATE_DB_LOCK\\); RunTask allows 8192\\. Largest: BIG .*secrets.*or set EB_MIGRATE_DB_LOCK=off`),
    );
  });
});

describe("container choice", () => {
  const def = (containers: { name: string; essential?: boolean }[]) => ({ taskDefinitionArn: "arn:td/web:1", containerDefinitions: containers });

  test.each([
    { containers: [{ name: "app" }], setting: undefined, chosen: "app" },
    { containers: [{ name: "app" }, { name: "proxy", essential: false }], setting: undefined, chosen: "app" },
    { containers: [{ name: "app" }, { name: "proxy" }], setting: "proxy", chosen: "proxy" },
  ])("$containers.length containers, setting $setting → $chosen", ({ containers, setting, chosen }) => {
    expect(chooseContainer(def(containers), setting).name).toBe(chosen);
  });

  test("two essential containers and no setting is a configuration error naming both", () => {
    expect(() => chooseContainer(def([{ name: "app" }, { name: "worker" }]), undefined)).toThrow(/2 essential containers \(app, worker\); set EB_MIGRATE_ECS_CONTAINER/);
  });

  test("an unknown container name is refused with the choices", () => {
    expect(() => chooseContainer(def([{ name: "app" }]), "web")).toThrow(/EB_MIGRATE_ECS_CONTAINER=web .* expected one of app/);
  });

  test("the awslogs stream is prefix/container/task-id", () => {
    const container = { name: "app", logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/web", "awslogs-stream-prefix": "ecs" } } };
    expect(logLocation(container, "arn:aws:ecs:us-east-1:1:task/c1/abc123")).toEqual({ group: "/ecs/web", stream: "ecs/app/abc123", region: undefined });
    expect(logLocation({ name: "app" }, "arn:aws:ecs:us-east-1:1:task/c1/abc123")).toBeUndefined();
  });
});

describe("RunTask inputs", () => {
  test("clientToken: same deployment and attempt → same token; within ECS's 64 characters 33-126", () => {
    const a = clientToken(identity, { key: "v1#7", source: "t" }, 0);
    expect(a).toBe(clientToken(identity, { key: "v1#7", source: "t" }, 0));
    expect(a).not.toBe(clientToken(identity, { key: "v1#7", source: "t" }, 1));
    expect(a).not.toBe(clientToken(identity, { key: "v1#8", source: "t" }, 0));
    expect(a).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  test("startedBy names the tool, environment and deployment — the same from every instance — within ECS's characters", () => {
    const deployment = { key: "v1#7", source: "t" };
    expect(startedBy(identity, deployment)).toBe(`eb-migrate/${identity.environmentId}/v1-7`.replace(/[^A-Za-z0-9_/-]/g, "-"));
    expect(startedBy({ ...identity, instanceId: "i-other" }, deployment)).toBe(startedBy(identity, deployment));
    expect(startedBy(identity, { key: "v.x#".repeat(100), source: "t" })).toMatch(/^[A-Za-z0-9_/-]{1,128}$/);
  });

  test.each([
    ["AGENT", true],
    ["RESOURCE:MEMORY", true],
    ["RESOURCE:ENI", true],
    ["MISSING", false],
    ["ATTRIBUTE", false],
    ["LOCATION", false],
  ])("failure %s retried: %s", (reason, retried) => {
    expect(isRetryableFailure({ reason })).toBe(retried);
  });
});

describe("stop detail", () => {
  test("no exit code: says so with stopCode, stoppedReason and the container's reason", () => {
    const task: Task = { stopCode: "TaskFailedToStart", stoppedReason: "pull failed", containers: [{ name: "app", reason: "CannotPullContainerError" }] };
    expect(describeStop(task, "app", null)).toBe('container app has no exit code, stopCode=TaskFailedToStart, stoppedReason="pull failed", container reason="CannotPullContainerError"');
    expect(describeStop(task, "app", 0)).toBeUndefined();
  });
});

describe("setting combinations", () => {
  const settings = (env: Record<string, string>) => resolveSettings({ EB_MIGRATE_MODE: "ecs", ...env });

  test.each([
    [{ EB_MIGRATE_ECS_LAUNCH_TYPE: "FARGATE" }, /FARGATE needs EB_MIGRATE_ECS_SUBNETS/],
    [{ EB_MIGRATE_ECS_SECURITY_GROUPS: "sg-1" }, /only apply with EB_MIGRATE_ECS_SUBNETS/],
    [{ EB_MIGRATE_ECS_PLATFORM_VERSION: "1.4.0", EB_MIGRATE_ECS_LAUNCH_TYPE: "EC2" }, /only applies to Fargate/],
    [{ EB_MIGRATE_ECS_TASK_DEFINITION: "web:latest" }, /family, family:revision or a task-definition ARN/],
  ])("%j is refused", (env, message) => {
    expect(() => checkEcsSettings(settings(env))).toThrow(message);
  });

  test.each([
    [{ EB_MIGRATE_ECS_LAUNCH_TYPE: "FARGATE", EB_MIGRATE_ECS_SUBNETS: "subnet-1", EB_MIGRATE_ECS_PLATFORM_VERSION: "1.4.0" }],
    [{ EB_MIGRATE_ECS_TASK_DEFINITION: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3" }],
    [{ EB_MIGRATE_ECS_CAPACITY_PROVIDER_STRATEGY: "FARGATE_SPOT:1", EB_MIGRATE_ECS_SUBNETS: "subnet-1", EB_MIGRATE_ECS_PLATFORM_VERSION: "LATEST" }],
  ])("%j is accepted", (env) => {
    expect(() => checkEcsSettings(settings(env))).not.toThrow();
  });
});

describe("discovery on EB's ECS platform", () => {
  const log = () => {
    const sink = memorySink();
    return { sink, log: createLogger({ sinks: [sink] }) };
  };

  test("cluster from /etc/ecs/ecs.config under EB_MIGRATE_ROOT, task definition from the agent's awseb- task", async () => {
    const root = await mkdtemp(join(tmpdir(), "ecs-root-"));
    await mkdir(join(root, "etc/ecs"), { recursive: true });
    await writeFile(join(root, "etc/ecs/ecs.config"), "ECS_LOGLEVEL=info\nECS_CLUSTER=awseb-prod-xyz\n");
    const asked: string[] = [];
    const { sink, log: logger } = log();
    const target = await discoverEcsTarget({
      root,
      agentUrl: "http://agent",
      log: logger,
      fetchJson: async (url) => {
        asked.push(url);
        return { Tasks: [{ Family: "awseb-prod-xyz", Version: "7" }, { Family: "ecs-agent-sidecar" }] };
      },
    });
    expect(target).toEqual({ cluster: "awseb-prod-xyz", taskDefinition: "awseb-prod-xyz" });
    expect(asked).toEqual(["http://agent/v1/tasks"]);
    expect(sink.records.some((r) => r.level === "warn" && /latest ACTIVE revision/.test(r.msg))).toBe(true);
  });

  test("cluster from the agent's metadata when the file is missing; settings win over discovery", async () => {
    const root = await mkdtemp(join(tmpdir(), "ecs-root-"));
    const target = await discoverEcsTarget({ root, agentUrl: "http://agent", taskDefinition: "web:2", log: log().log, fetchJson: async () => ({ Cluster: "from-agent" }) });
    expect(target).toEqual({ cluster: "from-agent", taskDefinition: "web:2" });
  });

  test("not an ECS instance and nothing set: a configuration error naming the setting", async () => {
    const root = await mkdtemp(join(tmpdir(), "ecs-root-"));
    const fetchJson = async () => {
      throw new Error("connect ECONNREFUSED");
    };
    await expect(discoverEcsTarget({ root, agentUrl: "http://agent", log: log().log, fetchJson })).rejects.toThrow(/needs EB_MIGRATE_ECS_CLUSTER/);
    await expect(discoverEcsTarget({ root, agentUrl: "http://agent", cluster: "c", log: log().log, fetchJson })).rejects.toThrow(/needs EB_MIGRATE_ECS_TASK_DEFINITION \(no Elastic Beanstalk task/);
  });
});
