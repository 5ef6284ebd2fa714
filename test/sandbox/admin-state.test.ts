// The admin HTTP API and the state file: deployments, capacity, launch/terminate, the
// temporary group, environment properties, fault routes; files on each instance's root.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { instanceEnv, startSandbox, type Sandbox, type SandboxState } from "../../src/sandbox/index.js";
import { adminRequest, clientsFor } from "./helpers.js";

let sandbox: Sandbox;
let stateFile: string;

const readState = async () => JSON.parse(await readFile(stateFile, "utf8")) as SandboxState;
const deploymentFile = (root: string, name: string) => readFile(join(root, "opt/elasticbeanstalk/deployment", name), "utf8");

async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "sandbox-admin-test-"));
  stateFile = join(dir, "state.json");
  sandbox = await startSandbox({
    instances: 3,
    stateFile,
    baseDir: join(dir, "base"),
    pendingMs: 20,
    lifecycle: { terminatingMs: 20, forgetAutoScalingMs: 50 },
    environmentProperties: { EB_MIGRATE_COMMAND: "python manage.py migrate --noinput" },
  });
});
afterAll(async () => {
  await sandbox?.stop();
});

describe("state file", () => {
  it("is written at start with endpoints, environment and InService instances oldest first", async () => {
    const state = await readState();
    expect(state.adminUrl).toBe(sandbox.adminUrl);
    for (const url of Object.values(state.endpoints)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(state.environment).toMatchObject({ name: "my-app-prod", id: expect.stringMatching(/^e-[a-z0-9]{10}$/), deploymentId: 1 });
    expect(state.instances).toHaveLength(3);
    const times = state.instances.map((i) => Date.parse(i.launchTime));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const env = state.instances[0]!.env;
    // Each instance has a DynamoDB endpoint of its own (faults can be scoped to one instance).
    expect(env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(state.instances.map((i) => i.env.AWS_ENDPOINT_URL_DYNAMODB)).size).toBe(3);
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_AUTO_SCALING: state.endpoints.autoScaling,
      AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: state.endpoints.elasticBeanstalk,
      AWS_ENDPOINT_URL_EC2: state.endpoints.ec2,
      AWS_ENDPOINT_URL_ECS: state.endpoints.ecs,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: state.endpoints.logs,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      EB_MIGRATE_COMMAND: "python manage.py migrate --noinput",
    });
    expect(env.EB_MIGRATE_ROOT).toBe(join(sandbox.baseDir, "instances", state.instances[0]!.id));
    expect(instanceEnv(state, state.instances[1]!.id)).toEqual(state.instances[1]!.env);
    expect(() => instanceEnv(state, "i-00000000000000000")).toThrow(/not InService/);
  });

  it("gives every instance the platform's deployment files", async () => {
    const state = await readState();
    for (const i of state.instances) {
      const root = i.env.EB_MIGRATE_ROOT!;
      expect(JSON.parse(await deploymentFile(root, "app_version_manifest.json"))).toEqual({
        RuntimeSources: { "my-app": { [state.environment.versionLabel]: { s3url: "" } } },
        DeploymentId: 1,
        Serial: 1,
      });
      const cfn = JSON.parse(await deploymentFile(root, "cfn-metadata-cache.json")) as { EbResource: Record<string, Record<string, string>> };
      expect(cfn.EbResource["AWS::ElasticBeanstalk::Metadata"]).toMatchObject({ EnvironmentId: state.environment.id, EnvironmentName: "my-app-prod" });
      expect(await deploymentFile(root, "env")).toBe("EB_MIGRATE_COMMAND=python manage.py migrate --noinput\n");
      expect(existsSync(join(root, "var/app/staging"))).toBe(true);
    }
  });
});

describe("admin API", () => {
  it("GET /state answers the state file's content", async () => {
    const { status, json } = await adminRequest(sandbox.state(), "GET", "/state");
    expect(status).toBe(200);
    expect(json).toEqual(await readState());
  });

  it("POST /deployments writes a new version and deployment id to every instance", async () => {
    const { status, json } = await adminRequest(sandbox.state(), "POST", "/deployments", { versionLabel: "v42" });
    expect(status).toBe(201);
    expect(json).toMatchObject({ versionLabel: "v42", deploymentId: 2 });
    const state = await readState();
    expect(state.environment).toMatchObject({ versionLabel: "v42", deploymentId: 2 });
    for (const i of state.instances) {
      const manifest = JSON.parse(await deploymentFile(i.env.EB_MIGRATE_ROOT!, "app_version_manifest.json")) as { DeploymentId: number; RuntimeSources: Record<string, object> };
      expect(manifest.DeploymentId).toBe(2);
      expect(Object.keys(manifest.RuntimeSources["my-app"]!)).toEqual(["v42"]);
    }
    const generated = await adminRequest(sandbox.state(), "POST", "/deployments");
    expect(generated.json).toMatchObject({ versionLabel: expect.stringMatching(/^app-\d{6}_\d{6}-3$/), deploymentId: 3 });
  });

  it("POST /capacity scales in newest first and out with the current deployment", async () => {
    const before = await readState();
    const down = await adminRequest(sandbox.state(), "POST", "/capacity", { desired: 1, wait: true });
    expect(down.status).toBe(200);
    await eventually(async () => expect((await readState()).instances.map((i) => i.id)).toEqual([before.instances[0]!.id]));

    const up = await adminRequest(sandbox.state(), "POST", "/capacity", { desired: 3 });
    expect(up.status).toBe(200);
    await eventually(async () => expect((await readState()).instances).toHaveLength(3));
    const state = await readState();
    expect(state.instances[0]!.id).toBe(before.instances[0]!.id);
    const newest = state.instances[2]!;
    const manifest = JSON.parse(await deploymentFile(newest.env.EB_MIGRATE_ROOT!, "app_version_manifest.json")) as { DeploymentId: number };
    expect(manifest.DeploymentId).toBe(state.environment.deploymentId);
  });

  it("POST /instances launches one (Pending at first), DELETE /instances/{id} terminates it", async () => {
    const { status, json } = await adminRequest(sandbox.state(), "POST", "/instances", {});
    expect(status).toBe(201);
    const entry = json as { id: string; lifecycleState: string; env: Record<string, string> };
    expect(entry.lifecycleState).toBe("Pending");
    expect(entry.env.EB_MIGRATE_ROOT).toContain(entry.id);
    await eventually(async () => expect((await readState()).instances.map((i) => i.id)).toContain(entry.id));
    const removed = await adminRequest(sandbox.state(), "DELETE", `/instances/${entry.id}?wait=true`);
    expect(removed).toMatchObject({ status: 200, json: { id: entry.id, lifecycleState: "Terminated" } });
    expect((await readState()).instances.map((i) => i.id)).not.toContain(entry.id);
    expect((await adminRequest(sandbox.state(), "DELETE", "/instances/i-0123456789abcdef0")).status).toBe(404);
  });

  it("POST /instances {group: temporary} adds the immutable deployment's group", async () => {
    const { json } = await adminRequest(sandbox.state(), "POST", "/instances", { group: "temporary", wait: true });
    const entry = json as { id: string; autoScalingGroup: string; lifecycleState: string };
    expect(entry.lifecycleState).toBe("InService");
    const state = await readState();
    expect(state.environment.temporaryAutoScalingGroup).toBe(entry.autoScalingGroup);
    const groups = await clientsFor(state).autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(groups.AutoScalingGroups!.map((g) => g.AutoScalingGroupName)).toEqual([state.environment.autoScalingGroup, entry.autoScalingGroup]);
    expect(groups.AutoScalingGroups![1]!.Instances!.map((i) => i.InstanceId)).toEqual([entry.id]);
    await sandbox.terminate(entry.id, { wait: true });
  });

  it("POST /groups/temporary/promote ends an immutable deployment", async () => {
    const before = await readState();
    const launched = await adminRequest(sandbox.state(), "POST", "/instances", { group: "temporary", wait: true });
    const entry = launched.json as { id: string };
    const { status, json } = await adminRequest(sandbox.state(), "POST", "/groups/temporary/promote", { wait: true });
    expect(status).toBe(200);
    expect(json).toEqual({ moved: [entry.id], terminated: before.instances.map((i) => i.id) });
    const state = await readState();
    expect(state.instances.map((i) => [i.id, i.autoScalingGroup])).toEqual([[entry.id, state.environment.autoScalingGroup]]);
    expect(state.environment.temporaryAutoScalingGroup).toBeUndefined();
    expect((await adminRequest(sandbox.state(), "POST", "/groups/temporary/promote", {})).status).toBe(400);
    await sandbox.setCapacity(3, { wait: true });
  });

  it("POST /environment/properties updates env, the env file and creates a newly named table", async () => {
    const { status, json } = await adminRequest(sandbox.state(), "POST", "/environment/properties", { EB_MIGRATE_TABLE: "other-locks", EB_MIGRATE_COMMAND: null });
    expect(status).toBe(200);
    expect(json).toEqual({ EB_MIGRATE_TABLE: "other-locks" });
    const state = await readState();
    for (const i of state.instances) {
      expect(i.env.EB_MIGRATE_TABLE).toBe("other-locks");
      expect(i.env.EB_MIGRATE_COMMAND).toBeUndefined();
      expect(await deploymentFile(i.env.EB_MIGRATE_ROOT!, "env")).toBe("EB_MIGRATE_TABLE=other-locks\n");
    }
    const table = await clientsFor(state).dynamodb.send(new DescribeTableCommand({ TableName: "other-locks" }));
    expect(table.Table?.TableStatus).toBe("ACTIVE");
  });

  it("POST/GET/DELETE /faults manage faults and refuse bad ones", async () => {
    const added = await adminRequest(sandbox.state(), "POST", "/faults", [{ service: "ec2", error: "Throttling", rate: 0.5 }, { service: "imds", latencyMs: 5 }]);
    expect(added.status).toBe(201);
    expect(added.json).toEqual([expect.objectContaining({ id: expect.any(String), service: "ec2", hits: 0 }), expect.objectContaining({ service: "imds" })]);
    expect((await adminRequest(sandbox.state(), "GET", "/faults")).json).toHaveLength(2);
    const bad = await adminRequest(sandbox.state(), "POST", "/faults", { service: "s3", error: "Throttling" });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/"service" must be one of/);
    expect((await adminRequest(sandbox.state(), "DELETE", "/faults")).json).toEqual([]);
    expect(sandbox.faults()).toEqual([]);
  });

  it("refuses bad bodies and unknown routes with a message", async () => {
    expect((await adminRequest(sandbox.state(), "POST", "/capacity", { desired: -1 })).status).toBe(400);
    expect((await adminRequest(sandbox.state(), "POST", "/capacity", { desired: 1000 })).status).toBe(400);
    expect((await adminRequest(sandbox.state(), "POST", "/instances", { group: "blue" })).status).toBe(400);
    const unknown = await adminRequest(sandbox.state(), "GET", "/nope");
    expect(unknown.status).toBe(404);
    expect((unknown.json as { error: string }).error).toMatch(/POST \/deployments/);
  });
});
