// The Auto Scaling lifecycle the election must survive, through the real SDK clients: a
// termination lifecycle hook (Terminating:Wait while EC2 runs on), DetachInstances, Standby, an
// EC2 stop, the account's describe throttle (answered as AWS throttles), and the request counts.
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  PutLifecycleHookCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
let autoScaling: AutoScalingClient;
let ec2: EC2Client;
let ids: string[];
beforeEach(async () => {
  sandbox = await startSandbox({ instances: 3 });
  const s = sandbox.state();
  autoScaling = new AutoScalingClient({ ...sandboxClientConfig(s, s.endpoints.autoScaling), maxAttempts: 1 });
  ec2 = new EC2Client({ ...sandboxClientConfig(s, s.endpoints.ec2), maxAttempts: 1 });
  ids = s.instances.map((i) => i.id);
});
afterEach(async () => sandbox?.stop());

const group = () => sandbox.state().environment.autoScalingGroup;
async function lifecycle(id: string): Promise<string | undefined> {
  const out = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }));
  return out.AutoScalingInstances?.[0]?.LifecycleState;
}
async function ec2State(id: string): Promise<string | undefined> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("termination lifecycle hooks", () => {
  it("hold a terminating instance in Terminating:Wait, still running, until CompleteLifecycleAction", async () => {
    await autoScaling.send(
      new PutLifecycleHookCommand({ AutoScalingGroupName: group(), LifecycleHookName: "drain", LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING", HeartbeatTimeout: 600, DefaultResult: "CONTINUE" }),
    );
    const hooks = await autoScaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group() }));
    expect(hooks.LifecycleHooks).toMatchObject([{ LifecycleHookName: "drain", HeartbeatTimeout: 600, GlobalTimeout: 60_000, DefaultResult: "CONTINUE" }]);
    const id = ids[0]!;
    await sandbox.terminate(id);
    await settle();
    expect(await lifecycle(id)).toBe("Terminating:Wait");
    expect(await ec2State(id)).toBe("running");
    await autoScaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: group(), LifecycleHookName: "drain", LifecycleActionResult: "CONTINUE", InstanceId: id }));
    expect(await ec2State(id)).toBe("shutting-down");
    await settle();
    expect(await lifecycle(id)).toBe("Terminated");
    expect(await ec2State(id)).toBe("terminated");
    // No action is pending any more.
    await expect(
      autoScaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: group(), LifecycleHookName: "drain", LifecycleActionResult: "CONTINUE", InstanceId: id })),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("the sandbox methods put a hook (HeartbeatTimeout at least 30 s) and complete its action", async () => {
    sandbox.putTerminationHook({ heartbeatTimeoutSeconds: 30 });
    expect(() => sandbox.putTerminationHook({ heartbeatTimeoutSeconds: 10 })).toThrow(/from 30 to 7200/);
    const id = ids[1]!;
    await sandbox.terminate(id, { wait: true });
    expect(await lifecycle(id)).toBe("Terminating:Wait");
    await sandbox.completeLifecycleAction(id, { wait: true });
    expect(await lifecycle(id)).toBe("Terminated");
  });
});

describe("detach, standby, stop", () => {
  it("DetachInstances: Detaching → Detached → gone from Auto Scaling, still running in EC2", async () => {
    const id = ids[0]!;
    await expect(autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: group(), InstanceIds: [id] } as never))).rejects.toMatchObject({ name: "ValidationError" });
    const out = await autoScaling.send(new DetachInstancesCommand({ AutoScalingGroupName: group(), InstanceIds: [id], ShouldDecrementDesiredCapacity: true }));
    expect(out.Activities?.[0]).toMatchObject({ StatusCode: "InProgress", Description: `Detaching EC2 instance: ${id}` });
    expect(await lifecycle(id)).toBe("Detaching");
    await settle();
    expect(await lifecycle(id)).toBe("Detached");
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await lifecycle(id)).toBeUndefined();
    expect(await ec2State(id)).toBe("running");
    expect(sandbox.state().instances.map((i) => i.id)).not.toContain(id);
  });

  it("EnterStandby / ExitStandby, EC2 running throughout; a stopped instance is stopped in EC2", async () => {
    const id = ids[2]!;
    await autoScaling.send(new EnterStandbyCommand({ AutoScalingGroupName: group(), InstanceIds: [id], ShouldDecrementDesiredCapacity: true }));
    expect(await lifecycle(id)).toBe("EnteringStandby");
    await settle();
    expect(await lifecycle(id)).toBe("Standby");
    expect(await ec2State(id)).toBe("running");
    await autoScaling.send(new ExitStandbyCommand({ AutoScalingGroupName: group(), InstanceIds: [id] }));
    expect(await lifecycle(id)).toBe("Pending");
    await settle();
    expect(await lifecycle(id)).toBe("InService");
    await sandbox.stopInstance(id, { wait: true });
    expect(await ec2State(id)).toBe("stopped");
  });
});

describe("the account's describe throttle and the request counts", () => {
  it("answers Throttling (Auto Scaling) and RequestLimitExceeded (EC2) past the bucket, as the SDK knows them; counts everything", async () => {
    sandbox.resetRequestCounts();
    sandbox.setDescribeThrottle({ perSecond: 0.001, burst: 2 });
    const id = ids[0]!;
    expect(await lifecycle(id)).toBe("InService");
    expect(await ec2State(id)).toBe("running");
    const asError = await lifecycle(id).catch((e: unknown) => e);
    expect(asError).toMatchObject({ name: "Throttling", $metadata: { httpStatusCode: 400 } });
    const ec2Error = await ec2State(id).catch((e: unknown) => e);
    expect(ec2Error).toMatchObject({ name: "RequestLimitExceeded", $metadata: { httpStatusCode: 503 } });
    sandbox.setDescribeThrottle(undefined);
    expect(await lifecycle(id)).toBe("InService");
    const counts = sandbox.requestCounts();
    expect(Object.fromEntries(counts.totals)).toEqual({ "autoscaling.DescribeAutoScalingInstances": 3, "ec2.DescribeInstances": 2 });
    expect(Object.fromEntries(counts.throttled)).toEqual({ "autoscaling.DescribeAutoScalingInstances": 1, "ec2.DescribeInstances": 1 });
    expect(counts.perSecond.reduce((a, b) => a + Object.values(b).reduce((x, y) => x + y, 0), 0)).toBe(5);
    const viaAdmin = (await (await fetch(`${sandbox.adminUrl}/requests`)).json()) as { totals: Record<string, number> };
    expect(viaAdmin.totals["ec2.DescribeInstances"]).toBe(2);
  });
});
