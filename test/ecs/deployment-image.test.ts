// EB_MIGRATE_ECS_IMAGE: the task runs the deployment's image. Against the sandbox's ECS through the
// real SDK: the revision registered differs from the family's latest only in the image, carries
// no environment property, is reused for the same image, and is never registered by a takeover.
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, type TaskDefinition } from "@aws-sdk/client-ecs";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import { resolveSettings } from "../../src/config/settings.js";
import { DEPLOYMENT_TAG, deploymentImage, REGISTER_MEMBERS, registrationRequest } from "../../src/ecs/deployment-image.js";
import { imageReferenceProblem, templateProblem } from "../../src/ecs/image-reference.js";
import { checkEcsSettings } from "../../src/ecs/settings-check.js";
import { CLUSTER, FAMILY, run, startEcsBed, type EcsBed } from "./helpers.js";

const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{version_label}";
const SECRET = "s3cret-value";

let bed: EcsBed;

beforeAll(async () => {
  bed = await startEcsBed({ DB_PASSWORD: SECRET, DATABASE_URL: "postgres://app@db/app", EB_MIGRATE_MODE: "ecs" });
});
afterAll(async () => {
  await bed?.stop();
});
afterEach(() => bed.sandbox.clearFaults());

let deployments = 0;
/** A deployment of `label` (a new deployment id each time, as EB gives a redeploy). */
const deploymentOf = (label: string) => ({ key: `${label}#${++deployments}`, versionLabel: label, deploymentId: String(deployments), source: "test" });

async function describe_(ref: string): Promise<{ definition: TaskDefinition; tags: { key?: string; value?: string }[] }> {
  const answer = await bed.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ["TAGS"] }));
  return { definition: answer.taskDefinition!, tags: answer.tags ?? [] };
}
const latestRevision = async () => (await describe_(FAMILY)).definition.revision!;
const taskImage = async (taskArn: string) =>
  (await bed.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks![0]!.containers!.find((c) => c.name === "app")!.image;

describe("EB_MIGRATE_ECS_IMAGE against the sandbox's ECS", () => {
  test("registers a revision differing only in the image, with the deployment's tag and no property value; the task runs it", async () => {
    // The family's latest revision, with members a copy must keep (the helper's register has none of these).
    await bed.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: FAMILY,
        taskRoleArn: "arn:aws:iam::123456789012:role/shop-task",
        executionRoleArn: "arn:aws:iam::123456789012:role/shop-execution",
        cpu: "256",
        memory: "512",
        volumes: [{ name: "scratch" }],
        tags: [{ key: "team", value: "shop" }],
        containerDefinitions: [
          {
            name: "app",
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:old",
            essential: true,
            environment: [{ name: "DJANGO_SETTINGS_MODULE", value: "shop.settings" }],
            secrets: [{ name: "API_KEY", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/shop/api-key" }],
            mountPoints: [{ sourceVolume: "scratch", containerPath: "/scratch" }],
            logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs" } },
          },
        ],
      }),
    );
    const before = await describe_(FAMILY);
    const deployment = deploymentOf("v1.2.0");
    const { result, records } = await run(bed, { deployment, env: { EB_MIGRATE_ECS_IMAGE: IMAGE } });
    expect(result.exitCode, JSON.stringify(records.map((r) => r.msg))).toBe(0);

    // The task ran the image of this deployment's version label, from the new revision.
    expect(await taskImage(result.taskArn!)).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v1.2.0");
    const after = await describe_(FAMILY);
    expect(after.definition.revision).toBe(before.definition.revision! + 1);
    const task = (await bed.clients.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [result.taskArn!] }))).tasks![0]!;
    expect(task.taskDefinitionArn).toBe(after.definition.taskDefinitionArn);
    expect(records.find((r) => r.msg.startsWith("registered a task definition revision"))?.fields).toMatchObject({ image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v1.2.0", previousImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:old" });

    // Read back: everything but what ECS sets and the one image is as the family had it.
    const strip = (d: TaskDefinition) => {
      const { taskDefinitionArn, revision, registeredAt, registeredBy, ...rest } = d;
      void taskDefinitionArn, revision, registeredAt, registeredBy;
      return { ...rest, containerDefinitions: rest.containerDefinitions!.map(({ image, ...c }) => (void image, c)) };
    };
    expect(strip(after.definition)).toEqual(strip(before.definition));
    const [was, now] = [before.definition.containerDefinitions![0]!, after.definition.containerDefinitions![0]!];
    expect(now.secrets).toEqual(was.secrets);
    expect(now.environment).toEqual(was.environment);
    expect(JSON.stringify(after.definition)).not.toContain(SECRET);
    expect(JSON.stringify(after.definition)).not.toContain("postgres://app@db/app");
    // The properties reached the task as overrides only.
    expect(bed.ecs.tasks().find((t) => t.taskArn === result.taskArn)!.environment).toMatchObject({ DB_PASSWORD: SECRET });
    // The family's tags are kept; the deployment's is added (ECS tag values have no "#").
    expect(after.tags).toEqual([{ key: "team", value: "shop" }, { key: DEPLOYMENT_TAG, value: deployment.key.replace("#", "-") }]);
    // DescribeTaskDefinition without include: no tags, as on ECS.
    const untagged = await bed.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: FAMILY }));
    expect(untagged.tags).toBeUndefined();
    expect((untagged.taskDefinition as Record<string, unknown>).tags).toBeUndefined();
  });

  test("a redeploy of the same version registers nothing and reuses the revision; a new version registers one", async () => {
    const revision = await latestRevision();
    const again = await run(bed, { deployment: deploymentOf("v1.2.0"), env: { EB_MIGRATE_ECS_IMAGE: IMAGE } });
    expect(again.result.exitCode).toBe(0);
    expect(await latestRevision()).toBe(revision);
    expect(again.records.some((r) => /already runs this deployment's image: reused/.test(r.msg))).toBe(true);
    expect(await taskImage(again.result.taskArn!)).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v1.2.0");

    const next = await run(bed, { deployment: deploymentOf("v1.3.0"), env: { EB_MIGRATE_ECS_IMAGE: IMAGE } });
    expect(next.result.exitCode).toBe(0);
    expect(await latestRevision()).toBe(revision + 1);
    expect(await taskImage(next.result.taskArn!)).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v1.3.0");
  });

  test("unset: nothing is registered and the log names the image that runs, unchanged", async () => {
    const revision = await latestRevision();
    const { result, records } = await run(bed, { deployment: deploymentOf("v9.9.9") });
    expect(result.exitCode).toBe(0);
    expect(await latestRevision()).toBe(revision);
    const line = records.find((r) => r.msg.includes("EB_MIGRATE_ECS_IMAGE is not set, so it was not changed for this deployment"));
    expect(line?.fields.image).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v1.3.0");
  });

  test("a takeover leader registers nothing: it waits on the recorded task", async () => {
    const first = await run(bed, { deployment: deploymentOf("v1.3.0"), env: { EB_MIGRATE_ECS_IMAGE: IMAGE } });
    const revision = await latestRevision();
    const takeover = await run(bed, { deployment: deploymentOf("v2.0.0"), existingTaskArn: first.result.taskArn!, env: { EB_MIGRATE_ECS_IMAGE: IMAGE } });
    expect(takeover.result.taskArn).toBe(first.result.taskArn);
    expect(await latestRevision()).toBe(revision);
  });

  test("RegisterTaskDefinition denied: exit 2 naming the permissions, no task started", async () => {
    const tasks = bed.ecs.tasks().length;
    bed.sandbox.injectFault({ service: "ecs", operation: "RegisterTaskDefinition", error: "AccessDeniedException", message: "not authorized to perform: ecs:RegisterTaskDefinition" });
    const error = await run(bed, { deployment: deploymentOf("v3.0.0"), env: { EB_MIGRATE_ECS_IMAGE: IMAGE } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^RegisterTaskDefinition of family web for image .*shop:v3\.0\.0 failed: .*ecs:RegisterTaskDefinition, ecs:TagResource .* iam:PassRole/);
    expect(bed.ecs.tasks().length).toBe(tasks);
  });

  test("a version label that is no Docker tag is refused, naming the label; nothing registered or started", async () => {
    const [tasks, revision] = [bed.ecs.tasks().length, await latestRevision()];
    const error = await run(bed, { deployment: deploymentOf("release 4 (hotfix)"), env: { EB_MIGRATE_ECS_IMAGE: IMAGE } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('the tag "release 4 (hotfix)" is not a Docker tag');
    expect((error as Error).message).toContain('{version_label} is "release 4 (hotfix)"');
    expect((error as Error).message).toContain("eb deploy --label");
    expect([bed.ecs.tasks().length, await latestRevision()]).toEqual([tasks, revision]);
  });

  test("a pinned revision with EB_MIGRATE_ECS_IMAGE is refused before any call", async () => {
    const error = await run(bed, { deployment: deploymentOf("v5"), env: { EB_MIGRATE_ECS_IMAGE: IMAGE, EB_MIGRATE_ECS_TASK_DEFINITION: `${FAMILY}:1` } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/pins revision 1, .* set EB_MIGRATE_ECS_TASK_DEFINITION=web .* or unset EB_MIGRATE_ECS_IMAGE/);
  });

  test("the sandbox refuses what ECS refuses in tags", async () => {
    const register = (key: string, value: string) => bed.clients.ecs.send(new RegisterTaskDefinitionCommand({ family: "tagged", containerDefinitions: [{ name: "a", image: "a" }], tags: [{ key, value }] }));
    await expect(register("eb-migrate:deployment", "v1#2")).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(register("aws:owner", "x")).rejects.toMatchObject({ name: "InvalidParameterException" });
    const ok = await register("eb-migrate:deployment", "v1-2");
    expect(ok.tags).toEqual([{ key: "eb-migrate:deployment", value: "v1-2" }]);
  });
});

describe("the image template", () => {
  test.each([
    ["shop:{tag}", "unknown placeholder {tag}"],
    ["shop:{version_label", 'a "{" that is never closed'],
    ["shop:version_label}", 'a "}" without its "{"'],
    ["Shop:{version_label}", 'the repository part "Shop" is not valid'],
    ["shop:{version_label}:{deployment_id}", "is not a Docker tag"],
  ])("%s is refused when the setting is read: %s", (template, problem) => {
    expect(templateProblem(template)).toContain(problem);
    expect(() => resolveSettings({ EB_MIGRATE_ECS_IMAGE: template })).toThrow(ConfigError);
    try {
      resolveSettings({ EB_MIGRATE_ECS_IMAGE: template });
    } catch (error) {
      expect((error as Error).message).toContain(`EB_MIGRATE_ECS_IMAGE=${JSON.stringify(template)} is not valid (`);
      expect((error as Error).message).toContain("{version_label}, {deployment_id}, {environment}");
    }
  });

  test.each([
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:{version_label}",
    "localhost:5000/team/shop-{environment}:{deployment_id}",
    "shop",
    "registry.example.com/shop@sha256:" + "a".repeat(64),
  ])("%s is accepted", (template) => {
    expect(templateProblem(template)).toBeUndefined();
    expect(resolveSettings({ EB_MIGRATE_ECS_IMAGE: template }).ecs.image).toBe(template);
  });

  test("image references: ECS's length and Docker's grammar", () => {
    expect(imageReferenceProblem(`shop:${"a".repeat(128)}`)).toBeUndefined();
    expect(imageReferenceProblem(`shop:${"a".repeat(129)}`)).toMatch(/not a Docker tag/);
    expect(imageReferenceProblem(`${"a".repeat(250)}/shop:v1`)).toMatch(/ECS allows 255/);
    expect(imageReferenceProblem("shop:.v1")).toMatch(/not a Docker tag/);
    expect(imageReferenceProblem("shop@sha256:abc")).toMatch(/digest/);
  });

  test("a placeholder the deployment has no value for names it and the deployment's source", () => {
    const identity = { instanceId: "i-1", region: "us-east-1", environmentName: "Shop-Prod", environmentId: "e-1" };
    expect(() => deploymentImage("shop:{deployment_id}", identity, { key: "bundle-ab", versionLabel: "v1", source: "source bundle digest" })).toThrow(/uses \{deployment_id\}, but this deployment has no deployment id \(it was identified by its source bundle digest\)/);
    // {environment} in the repository: EB names may have capitals, Docker repositories may not.
    expect(() => deploymentImage("{environment}/shop:v1", identity, { key: "v1#1", versionLabel: "v1", deploymentId: "1", source: "test" })).toThrow(/the repository part "Shop-Prod" is not valid .*\{environment\} is "Shop-Prod"/);
    expect(deploymentImage("shop-{environment}:{version_label}-{deployment_id}", { ...identity, environmentName: "prod" }, { key: "v1#7", versionLabel: "v1", deploymentId: "7", source: "test" })).toBe("shop-prod:v1-7");
  });

  test("the pinned-revision refusal applies to family:N and ARNs with a revision, not to a family or an ARN without one", () => {
    const settings = (taskDefinition: string) => resolveSettings({ EB_MIGRATE_MODE: "ecs", EB_MIGRATE_ECS_TASK_DEFINITION: taskDefinition, EB_MIGRATE_ECS_IMAGE: "shop:{version_label}" });
    expect(() => checkEcsSettings(settings("web:3"))).toThrow(/pins revision 3/);
    expect(() => checkEcsSettings(settings("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"))).toThrow(/set EB_MIGRATE_ECS_TASK_DEFINITION=web /);
    expect(() => checkEcsSettings(settings("web"))).not.toThrow();
    expect(() => checkEcsSettings(settings("arn:aws:ecs:us-east-1:123456789012:task-definition/web"))).not.toThrow();
  });
});

describe("registrationRequest", () => {
  test("copies exactly the request members, never the read-only ones; drops aws: tags", () => {
    const described: TaskDefinition = {
      taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:4",
      family: "web",
      revision: 4,
      status: "ACTIVE",
      requiresAttributes: [{ name: "ecs.capability.secrets.ssm.environment-variables" }],
      compatibilities: ["EC2", "FARGATE"],
      registeredAt: new Date(),
      registeredBy: "arn:aws:sts::123456789012:assumed-role/x/y",
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [
        { name: "app", image: "shop:old", secrets: [{ name: "K", valueFrom: "arn:aws:ssm:us-east-1:1:parameter/k" }] },
        { name: "sidecar", image: "proxy:1" },
      ],
    };
    const request = registrationRequest(described, "app", "shop:new", [{ key: "aws:cloudformation:stack-name", value: "s" }, { key: "team", value: "shop" }, { key: DEPLOYMENT_TAG, value: "old" }], { key: "v2#5", source: "test" });
    expect(Object.keys(request).sort()).toEqual(["containerDefinitions", "cpu", "family", "memory", "networkMode", "tags"]);
    expect(Object.keys(request).every((k) => k === "tags" || (REGISTER_MEMBERS as readonly string[]).includes(k))).toBe(true);
    expect(request.containerDefinitions).toEqual([{ ...described.containerDefinitions![0], image: "shop:new" }, described.containerDefinitions![1]]);
    expect(request.tags).toEqual([{ key: "team", value: "shop" }, { key: DEPLOYMENT_TAG, value: "v2-5" }]);
    // The described definition is left as it was.
    expect(described.containerDefinitions![0]!.image).toBe("shop:old");
  });
});
