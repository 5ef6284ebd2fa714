// The Auto Scaling lifecycle a lease holder must survive, through the real SDK clients and the
// admin API: termination without and with a lifecycle hook (Terminating:Wait while EC2 runs on,
// CompleteLifecycleAction, the heartbeat timeout's DefaultResult, heartbeats, ABANDON, hook
// deletion), DetachInstances, EnterStandby/ExitStandby, an EC2 stop; the account's describe
// throttle (answered as AWS throttles, classified by the SDK as throttling) and the request counts.
import { existsSync } from "node:fs";
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DeleteLifecycleHookCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  type AutoScalingClientConfig,
} from "@aws-sdk/client-auto-scaling";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DescribeInstancesCommand, DescribeTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_ROUTES } from "../../src/sandbox/admin.js";
import { sandboxClientConfig, startSandbox, type Sandbox, type SandboxInstanceEntry, type SandboxOptions } from "../../src/sandbox/index.js";
import { adminRequest, clientsFor } from "./helpers.js";

// Short timings; one second of a hook's HeartbeatTimeout lasts 40 ms (HeartbeatTimeout 30 → 1.2 s).
const FAST: SandboxOptions = { instances: 3, pendingMs: 40, lifecycle: { terminatingMs: 40, forgetAutoScalingMs: 150, transitionMs: 40, heartbeatSecondMs: 40 } };

let sandbox: Sandbox;
let autoScaling: AutoScalingClient;
let ec2: EC2Client;
let ids: string[];
async function start(options: SandboxOptions = FAST): Promise<void> {
  sandbox = await startSandbox(options);
  const s = sandbox.state();
  autoScaling = new AutoScalingClient({ ...sandboxClientConfig(s, s.endpoints.autoScaling), maxAttempts: 1 });
  ec2 = new EC2Client({ ...sandboxClientConfig(s, s.endpoints.ec2), maxAttempts: 1 });
  ids = s.instances.map((i) => i.id);
}
beforeEach(() => start());
afterEach(async () => sandbox?.stop());

const group = () => sandbox.state().environment.autoScalingGroup;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function asInstance(id: string) {
  const out = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }));
  return out.AutoScalingInstances?.find((i) => i.InstanceId === id);
}
const lifecycle = async (id: string) => (await asInstance(id))?.LifecycleState;
async function ec2State(id: string): Promise<string | undefined> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}
async function desired(): Promise<number | undefined> {
  const out = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group()] }));
  return out.AutoScalingGroups?.[0]?.DesiredCapacity;
}
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}
const entry = (id: string): SandboxInstanceEntry => sandbox.state().allInstances.find((i) => i.id === id)!;
/** GET on the instance's own IMDS (IMDSv2), as a process on it would. */
async function imds(id: string, path: string): Promise<string> {
  const base = entry(id).env.AWS_EC2_METADATA_SERVICE_ENDPOINT!.replace(/\/$/, "");
  const token = await (await fetch(`${base}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).text();
  const res = await fetch(`${base}/latest/${path}`, { headers: { "x-aws-ec2-metadata-token": token } });
  return res.text();
}
const hook = (name: string, HeartbeatTimeout: number, DefaultResult: "CONTINUE" | "ABANDON") =>
  autoScaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: group(), LifecycleHookName: name, LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING", HeartbeatTimeout, DefaultResult }));
const complete = (id: string, name: string, LifecycleActionResult: "CONTINUE" | "ABANDON") =>
  autoScaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: group(), LifecycleHookName: name, LifecycleActionResult, InstanceId: id }));

describe("termination", () => {
  it("without a hook: Terminating (shutting-down) → Terminated (terminated) → forgotten by Auto Scaling, still terminated in EC2", async () => {
    const id = ids[0]!;
    await sandbox.terminate(id);
    expect(await lifecycle(id)).toBe("Terminating");
    expect(await ec2State(id)).toBe("shutting-down");
    await eventually(async () => expect(await lifecycle(id)).toBe("Terminated"));
    expect(await ec2State(id)).toBe("terminated");
    expect(await sandbox.terminate(id)).toMatchObject({ lifecycleState: "Terminated" });
    await eventually(async () => expect(await asInstance(id)).toBeUndefined());
    await expect(sandbox.terminate(id)).rejects.toThrow(/no instance/);
    expect(await ec2State(id)).toBe("terminated");
    expect(entry(id)).toMatchObject({ lifecycleState: "Terminated", inAutoScaling: false, ec2State: "terminated" });
  });

  it("a termination hook holds it in Terminating:Wait, still running with its IMDS, until CompleteLifecycleAction; then Terminating:Proceed, shutting-down, Terminated", async () => {
    await hook("drain", 600, "CONTINUE");
    const hooks = await autoScaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group() }));
    expect(hooks.LifecycleHooks).toEqual([
      { LifecycleHookName: "drain", AutoScalingGroupName: group(), LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING", HeartbeatTimeout: 600, GlobalTimeout: 60_000, DefaultResult: "CONTINUE" },
    ]);
    const id = ids[0]!;
    expect(await sandbox.terminate(id, { wait: true })).toMatchObject({ lifecycleState: "Terminating:Wait", ec2State: "running" });
    expect(await lifecycle(id)).toBe("Terminating:Wait");
    expect(await ec2State(id)).toBe("running");
    // Still running: its metadata service answers, and says where Auto Scaling is taking it.
    expect(await imds(id, "meta-data/instance-id")).toBe(id);
    expect(await imds(id, "meta-data/autoscaling/target-lifecycle-state")).toBe("Terminated");
    await sleep(200);
    expect(await lifecycle(id)).toBe("Terminating:Wait");
    // Named with another group, the action is not found.
    const other = await sandbox.launch({ group: "temporary", wait: true });
    await expect(
      autoScaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: other.autoScalingGroup, LifecycleHookName: "drain", LifecycleActionResult: "CONTINUE", InstanceId: id })),
    ).rejects.toMatchObject({ name: "ValidationError", message: `No active Lifecycle Action found with instance ID ${id}` });
    expect(await lifecycle(id)).toBe("Terminating:Wait");
    await complete(id, "drain", "CONTINUE");
    expect(await lifecycle(id)).toBe("Terminating:Proceed");
    expect(await ec2State(id)).toBe("shutting-down");
    await eventually(async () => expect(await lifecycle(id)).toBe("Terminated"));
    expect(await ec2State(id)).toBe("terminated");
    // No action is pending any more: AWS's ValidationError.
    await expect(complete(id, "drain", "CONTINUE")).rejects.toMatchObject({ name: "ValidationError", message: `No active Lifecycle Action found with instance ID ${id}` });
  });

  it("the heartbeat timeout ends the wait with the DefaultResult; RecordLifecycleActionHeartbeat starts the timeout again", async () => {
    await hook("drain", 30, "CONTINUE"); // 1.2 s here
    const [timedOut, extended] = ids;
    await sandbox.terminate(timedOut!);
    await sleep(600);
    await sandbox.terminate(extended!); // times out at +1.2 s unless a heartbeat comes
    await sleep(700);
    const beat = Date.now();
    await autoScaling.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: group(), LifecycleHookName: "drain", InstanceId: extended! }));
    // The first one's timeout passed: its DefaultResult (CONTINUE) lets it terminate.
    await eventually(async () => expect(await lifecycle(timedOut!)).toMatch(/^Terminat(ing:Proceed|ed)$/), 2_000);
    // Past the extended one's first timeout, within the one the heartbeat started.
    await sleep(beat + 800 - Date.now());
    expect(await lifecycle(extended!)).toBe("Terminating:Wait");
    await eventually(async () => expect(await lifecycle(extended!)).toBe("Terminated"), 3_000);
    await expect(autoScaling.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: group(), LifecycleHookName: "drain", InstanceId: extended! }))).rejects.toMatchObject({
      name: "ValidationError",
    });
  });

  it("ABANDON and CONTINUE both let the instance terminate; ABANDON ends the other hooks' actions, CONTINUE waits for them", async () => {
    await hook("logs", 30, "ABANDON");
    await hook("drain", 7200, "CONTINUE");
    const [abandoned, continued] = ids;
    await sandbox.terminate(abandoned!);
    await sandbox.terminate(continued!);
    await complete(continued!, "drain", "CONTINUE");
    expect(await lifecycle(continued!)).toBe("Terminating:Wait");
    await complete(abandoned!, "drain", "ABANDON");
    expect(await lifecycle(abandoned!)).toBe("Terminating:Proceed");
    // "logs" times out with its DefaultResult, ABANDON: a termination hook cannot keep the instance.
    await eventually(async () => expect(await lifecycle(continued!)).toBe("Terminated"), 3_000);
  });

  it("DeleteLifecycleHook completes its outstanding actions with CONTINUE; PutLifecycleHook refuses what AWS refuses", async () => {
    await autoScaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: group(), LifecycleHookName: "drain", LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" }));
    const hooks = await autoScaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group(), LifecycleHookNames: ["drain"] }));
    expect(hooks.LifecycleHooks?.[0]).toMatchObject({ HeartbeatTimeout: 3600, GlobalTimeout: 172_800, DefaultResult: "ABANDON" });
    await expect(hook("short", 29, "CONTINUE")).rejects.toMatchObject({ name: "ValidationError", message: expect.stringContaining("from 30 to 7200") });
    await expect(
      autoScaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: "no-such-group", LifecycleHookName: "drain", LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" })),
    ).rejects.toMatchObject({ name: "ValidationError" });
    const id = ids[0]!;
    await sandbox.terminate(id);
    expect(await lifecycle(id)).toBe("Terminating:Wait");
    await autoScaling.send(new DeleteLifecycleHookCommand({ AutoScalingGroupName: group(), LifecycleHookName: "drain" }));
    expect(await lifecycle(id)).toBe("Terminating:Proceed");
    await eventually(async () => expect(await lifecycle(id)).toBe("Terminated"));
    expect((await autoScaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group() }))).LifecycleHooks).toEqual([]);
  });

  it("the sandbox methods put a hook, complete its action and delete it", async () => {
    expect(sandbox.putTerminationHook({ heartbeatTimeoutSeconds: 30 })).toEqual({
      name: "eb-migrate-sandbox-drain",
      group: group(),
      transition: "autoscaling:EC2_INSTANCE_TERMINATING",
      heartbeatTimeoutSeconds: 30,
      defaultResult: "ABANDON",
    });
    expect(() => sandbox.putTerminationHook({ heartbeatTimeoutSeconds: 10 })).toThrow(/from 30 to 7200/);
    const id = ids[1]!;
    await sandbox.terminate(id, { wait: true });
    expect(await lifecycle(id)).toBe("Terminating:Wait");
    await sandbox.recordLifecycleActionHeartbeat(id);
    expect(await sandbox.completeLifecycleAction(id, { wait: true })).toMatchObject({ lifecycleState: "Terminated", ec2State: "terminated" });
    await expect(sandbox.completeLifecycleAction(id)).rejects.toThrow(/No active Lifecycle Action/);
    sandbox.deleteLifecycleHook("eb-migrate-sandbox-drain");
    expect(sandbox.lifecycleHooks()).toEqual([]);
  });
});

describe("detach, standby, stop", () => {
  it("DetachInstances: Detaching → Detached → gone from Auto Scaling; EC2 running on, its IMDS and files too", async () => {
    const id = ids[0]!;
    await expect(autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: group(), InstanceIds: [id] } as never))).rejects.toMatchObject({ name: "ValidationError" });
    const out = await autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: group(), InstanceIds: [id], ShouldDecrementDesiredCapacity: true }));
    expect(out.Activities).toHaveLength(1);
    expect(out.Activities![0]).toMatchObject({
      AutoScalingGroupName: group(),
      Description: `Detaching EC2 instance: ${id}`,
      Cause: expect.stringMatching(new RegExp(`^At \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ instance ${id} was detached in response to a user request, shrinking the capacity from 3 to 2\\.$`)),
      StatusCode: "InProgress",
      Progress: 50,
    });
    expect(await lifecycle(id)).toBe("Detaching");
    expect(await desired()).toBe(2);
    await eventually(async () => expect(await lifecycle(id)).toBe("Detached"));
    expect(await imds(id, "meta-data/autoscaling/target-lifecycle-state")).toBe("Detached");
    await eventually(async () => expect(await asInstance(id)).toBeUndefined());
    const groups = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group()] }));
    expect(groups.AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId)).not.toContain(id);
    await sleep(300);
    expect(await ec2State(id)).toBe("running");
    expect(await imds(id, "meta-data/instance-id")).toBe(id);
    expect(existsSync(entry(id).env.EB_MIGRATE_ROOT!)).toBe(true);
    expect(entry(id)).toMatchObject({ lifecycleState: "Detached", inAutoScaling: false, ec2State: "running" });
    expect(sandbox.state().instances.map((i) => i.id)).not.toContain(id);
    // Terminating it now is EC2's business alone.
    expect(await sandbox.terminate(id, { wait: true })).toMatchObject({ lifecycleState: "Detached", ec2State: "terminated" });
  });

  it("DetachInstances without decrementing the capacity: Auto Scaling launches a replacement", async () => {
    await autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: group(), InstanceIds: [ids[0]!], ShouldDecrementDesiredCapacity: false }));
    expect(await desired()).toBe(3);
    await eventually(async () => expect(sandbox.state().instances.map((i) => i.id)).toHaveLength(3));
    expect(sandbox.state().instances.map((i) => i.id)).not.toContain(ids[0]);
  });

  it("EnterStandby / ExitStandby: EnteringStandby → Standby → Pending → InService, EC2 running throughout, health status kept while on standby", async () => {
    const id = ids[2]!;
    const entered = await autoScaling.send(new EnterStandbyCommand({ AutoScalingGroupName: group(), InstanceIds: [id], ShouldDecrementDesiredCapacity: true }));
    expect(entered.Activities![0]).toMatchObject({
      Description: `Moving EC2 instance to Standby: ${id}`,
      Cause: expect.stringContaining(`instance ${id} was moved to standby in response to a user request, shrinking the capacity from 3 to 2.`),
      StatusCode: "InProgress",
      Progress: 50,
    });
    expect(await lifecycle(id)).toBe("EnteringStandby");
    await eventually(async () => expect(await lifecycle(id)).toBe("Standby"));
    expect(await ec2State(id)).toBe("running");
    expect(await imds(id, "meta-data/autoscaling/target-lifecycle-state")).toBe("Standby");
    expect(await desired()).toBe(2);
    // Not health-checked on standby: a stop leaves its health status as it was.
    await sandbox.stopInstance(id, { wait: true });
    expect(await asInstance(id)).toMatchObject({ LifecycleState: "Standby", HealthStatus: "HEALTHY" });
    const exited = await autoScaling.send(new ExitStandbyCommand({ AutoScalingGroupName: group(), InstanceIds: [id] }));
    expect(exited.Activities![0]).toMatchObject({
      Description: `Moving EC2 instance out of Standby: ${id}`,
      Cause: expect.stringContaining("was moved out of standby in response to a user request, increasing the capacity from 2 to 3."),
      StatusCode: "PreInService",
      Progress: 30,
    });
    expect(await lifecycle(id)).toBe("Pending");
    await eventually(async () => expect(await lifecycle(id)).toBe("InService"));
    expect(await asInstance(id)).toMatchObject({ HealthStatus: "UNHEALTHY" });
    await expect(autoScaling.send(new ExitStandbyCommand({ AutoScalingGroupName: group(), InstanceIds: [id] }))).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("an EC2 stop: stopping → stopped, nothing answers on the instance any more; Auto Scaling still says InService, unhealthy", async () => {
    const id = ids[1]!;
    expect(await sandbox.stopInstance(id)).toMatchObject({ lifecycleState: "InService", ec2State: "stopping" });
    expect(await ec2State(id)).toBe("stopping");
    await eventually(async () => expect(await ec2State(id)).toBe("stopped"));
    const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    expect(described).toMatchObject({ StateReason: { Code: "Client.UserInitiatedShutdown" }, StateTransitionReason: expect.stringMatching(/^User initiated \(.* GMT\)$/) });
    expect(await asInstance(id)).toMatchObject({ LifecycleState: "InService", HealthStatus: "UNHEALTHY" });
    await eventually(async () => expect(await imds(id, "meta-data/instance-id").catch(() => "closed")).toBe("closed"));
    await expect(sandbox.stopInstance(id)).rejects.toThrow(/no running instance/);
  });
});

describe("admin routes", () => {
  it("hooks, completion, heartbeats, detach, standby and stop; GET /state lists every instance with its states", async () => {
    const s = sandbox.state();
    expect(await adminRequest(s, "POST", "/lifecycle-hooks", { name: "drain", heartbeatTimeoutSeconds: 300, defaultResult: "CONTINUE" })).toMatchObject({
      status: 201,
      json: { name: "drain", group: group(), heartbeatTimeoutSeconds: 300, defaultResult: "CONTINUE" },
    });
    expect((await adminRequest(s, "POST", "/lifecycle-hooks", { heartbeatTimeoutSeconds: 5 })).status).toBe(400);
    expect((await adminRequest(s, "GET", "/lifecycle-hooks")).json).toMatchObject([{ name: "drain" }]);
    const [hooked, detached, standby] = ids;
    expect(await adminRequest(s, "DELETE", `/instances/${hooked}?wait=true`)).toMatchObject({ status: 200, json: { lifecycleState: "Terminating:Wait", ec2State: "running" } });
    expect(await adminRequest(s, "POST", `/instances/${hooked}/lifecycle-action-heartbeat`, {})).toMatchObject({ status: 200, json: { lifecycleState: "Terminating:Wait" } });
    expect(await adminRequest(s, "POST", `/instances/${hooked}/complete-lifecycle-action`, { result: "CONTINUE", wait: true })).toMatchObject({
      status: 200,
      json: { lifecycleState: "Terminated", ec2State: "terminated" },
    });
    expect(await adminRequest(s, "POST", `/instances/${hooked}/complete-lifecycle-action`, {})).toMatchObject({ status: 400, json: { error: expect.stringContaining("No active Lifecycle Action") } });
    expect(await adminRequest(s, "DELETE", "/lifecycle-hooks/drain")).toMatchObject({ status: 200 });
    expect((await adminRequest(s, "DELETE", "/lifecycle-hooks/drain")).status).toBe(404);
    expect(await adminRequest(s, "POST", `/instances/${detached}/detach`, { wait: true })).toMatchObject({ status: 200, json: { lifecycleState: "Detached", ec2State: "running" } });
    expect(await adminRequest(s, "POST", `/instances/${standby}/standby`, { wait: true })).toMatchObject({ status: 200, json: { lifecycleState: "Standby", ec2State: "running" } });
    const state = (await adminRequest(s, "GET", "/state")).json as { instances: SandboxInstanceEntry[]; allInstances: SandboxInstanceEntry[] };
    expect(state.instances).toEqual([]);
    expect(state.allInstances.map((i) => [i.id, i.lifecycleState, i.ec2State])).toEqual([
      [hooked, "Terminated", "terminated"],
      [detached, "Detached", "running"],
      [standby, "Standby", "running"],
    ]);
    expect(await adminRequest(s, "DELETE", `/instances/${standby}/standby?wait=true`)).toMatchObject({ status: 200, json: { lifecycleState: "InService" } });
    expect(await adminRequest(s, "POST", `/instances/${standby}/stop`, { wait: true })).toMatchObject({ status: 200, json: { lifecycleState: "InService", ec2State: "stopped" } });
    expect((await adminRequest(s, "POST", `/instances/${standby}/stop`, {})).status).toBe(400);
    expect((await adminRequest(s, "POST", `/instances/i-0123456789abcdef0/detach`, {})).status).toBe(404);
  });
});

/** A retry strategy that never retries and records how the SDK classified each error. */
function recordingRetries(): { strategy: AutoScalingClientConfig["retryStrategy"]; errorTypes: string[] } {
  const errorTypes: string[] = [];
  const strategy = {
    mode: "standard",
    acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
    refreshRetryTokenForRetry: async (_token: unknown, info: { errorType: string }) => {
      errorTypes.push(info.errorType);
      throw new Error("no retry");
    },
    recordSuccess: () => {},
  };
  return { strategy: strategy as AutoScalingClientConfig["retryStrategy"], errorTypes };
}

describe("the account's describe throttle", () => {
  it("answers Throttling (Auto Scaling, 400) and RequestLimitExceeded (EC2, 503) past the bucket, which the SDK classifies as throttling", async () => {
    const s = sandbox.state();
    const asRetries = recordingRetries();
    const ec2Retries = recordingRetries();
    autoScaling = new AutoScalingClient({ ...sandboxClientConfig(s, s.endpoints.autoScaling), retryStrategy: asRetries.strategy });
    ec2 = new EC2Client({ ...sandboxClientConfig(s, s.endpoints.ec2), retryStrategy: ec2Retries.strategy as never });
    sandbox.setDescribeThrottle({ perSecond: 0.001, burst: 2 });
    const id = ids[0]!;
    // Auto Scaling: one bucket for its calls (here two different Describe* operations).
    expect(await lifecycle(id)).toBe("InService");
    expect(await desired()).toBe(3);
    expect(await lifecycle(id).catch((e: unknown) => e)).toMatchObject({ name: "Throttling", message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });
    // Not a describe call: not throttled.
    await hook("drain", 60, "CONTINUE");
    // EC2: one bucket per operation.
    expect(await ec2State(id)).toBe("running");
    expect(await ec2State(id)).toBe("running");
    expect(await ec2State(id).catch((e: unknown) => e)).toMatchObject({ name: "RequestLimitExceeded", message: "Request limit exceeded.", $metadata: { httpStatusCode: 503 } });
    expect((await ec2.send(new DescribeTagsCommand({}))).Tags!.length).toBeGreaterThan(0);
    expect(asRetries.errorTypes).toEqual(["THROTTLING"]);
    expect(ec2Retries.errorTypes).toEqual(["THROTTLING"]);
    sandbox.setDescribeThrottle(undefined);
    expect(await lifecycle(id)).toBe("InService");
  });

  it("refills at the sustained rate; set, read and removed through the admin API or from the start", async () => {
    const s = sandbox.state();
    expect(await adminRequest(s, "GET", "/throttle")).toEqual({ status: 200, json: null });
    expect((await adminRequest(s, "POST", "/throttle", { describePerSecond: 0 })).status).toBe(400);
    expect((await adminRequest(s, "POST", "/throttle", { describePerSecond: 5, bursts: 1 })).status).toBe(400);
    expect(await adminRequest(s, "POST", "/throttle", { describePerSecond: 5, burst: 1 })).toEqual({ status: 201, json: { describePerSecond: 5, burst: 1 } });
    expect(await adminRequest(s, "GET", "/throttle")).toEqual({ status: 200, json: { describePerSecond: 5, burst: 1 } });
    const id = ids[0]!;
    expect(await lifecycle(id)).toBe("InService");
    await expect(lifecycle(id)).rejects.toMatchObject({ name: "Throttling" });
    await sleep(250); // 5 tokens a second: one more by now
    expect(await lifecycle(id)).toBe("InService");
    expect(await adminRequest(s, "DELETE", "/throttle")).toEqual({ status: 200, json: null });
    expect(await lifecycle(id)).toBe("InService");
    expect(await lifecycle(id)).toBe("InService");
    await sandbox.stop();
    await start({ ...FAST, describeThrottle: { perSecond: 0.001, burst: 1 } });
    expect(sandbox.describeThrottle()).toEqual({ perSecond: 0.001, burst: 1 });
    expect(await ec2State(ids[0]!)).toBe("running");
    await expect(ec2State(ids[0]!)).rejects.toMatchObject({ name: "RequestLimitExceeded" });
  });
});

describe("request counts", () => {
  it("count every answered request by service.Operation, per instance where the endpoint tells, per second; throttled ones separately", async () => {
    sandbox.resetRequestCounts();
    sandbox.setDescribeThrottle({ perSecond: 0.001, burst: 1 });
    const id = ids[0]!;
    expect(await lifecycle(id)).toBe("InService");
    await expect(lifecycle(id)).rejects.toMatchObject({ name: "Throttling" });
    expect(await ec2State(id)).toBe("running");
    sandbox.setDescribeThrottle(undefined);
    const dynamodb = clientsFor(sandbox.state(), 0).dynamodb;
    await dynamodb.send(new ListTablesCommand({}));
    await dynamodb.send(new ListTablesCommand({}));
    expect(await imds(id, "meta-data/instance-id")).toBe(id);
    const counts = sandbox.requestCounts();
    expect(Object.fromEntries(counts.totals)).toEqual({
      "autoscaling.DescribeAutoScalingInstances": 2,
      "ec2.DescribeInstances": 1,
      "dynamodb.ListTables": 2,
      "imds.api/token": 1,
      "imds.meta-data/instance-id": 1,
    });
    expect(Object.fromEntries(counts.throttled)).toEqual({ "autoscaling.DescribeAutoScalingInstances": 1 });
    expect(Object.fromEntries(counts.byInstance.get(id)!)).toEqual({ "dynamodb.ListTables": 2, "imds.api/token": 1, "imds.meta-data/instance-id": 1 });
    const sum = (series: Record<string, number>[]) => series.reduce((a, b) => a + Object.values(b).reduce((x, y) => x + y, 0), 0);
    expect(sum(counts.perSecond)).toBe(7);
    expect(sum(counts.throttledPerSecond)).toBe(1);
    expect(counts.throttledPerSecond).toHaveLength(counts.perSecond.length);
    const viaAdmin = (await adminRequest(sandbox.state(), "GET", "/requests")).json as { since: string; totals: Record<string, number>; byInstance: Record<string, Record<string, number>> };
    expect(viaAdmin.totals["dynamodb.ListTables"]).toBe(2);
    expect(viaAdmin.byInstance[id]!["dynamodb.ListTables"]).toBe(2);
    expect(Date.parse(viaAdmin.since)).toBe(counts.since);
    expect(await adminRequest(sandbox.state(), "DELETE", "/requests")).toEqual({ status: 200, json: {} });
    expect(sandbox.requestCounts().totals.size).toBe(0);
  });
});

describe("README", () => {
  it("documents every admin route and every Auto Scaling operation of the sandbox", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## The local AWS sandbox"), readme.indexOf("## Testing"));
    for (const route of ADMIN_ROUTES) {
      const [method, path] = route.split(" ");
      expect(section, route).toMatch(new RegExp("`" + method + " " + path!.replace(/[{}]/g, "\\$&").replace(/\//g, "\\/") + "[`\\[?]"));
    }
    for (const op of ["PutLifecycleHook", "DescribeLifecycleHooks", "DeleteLifecycleHook", "CompleteLifecycleAction", "RecordLifecycleActionHeartbeat", "DetachInstances", "EnterStandby", "ExitStandby"]) {
      expect(section, op).toContain(`\`${op}\``);
    }
  });
});
