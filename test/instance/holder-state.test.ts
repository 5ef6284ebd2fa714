// Whether a late holder's instance can still be running, asked of the sandbox's Auto Scaling and
// EC2 through the real SDK clients (src/instance/auto-scaling.ts; the tables are in decide.ts).
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holderState } from "../../src/instance/auto-scaling.js";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
let autoScaling: AutoScalingClient;
let ec2: EC2Client;
beforeAll(async () => {
  sandbox = await startSandbox({ instances: 6 });
  const s = sandbox.state();
  autoScaling = new AutoScalingClient({ ...sandboxClientConfig(s, s.endpoints.autoScaling), maxAttempts: 1 });
  ec2 = new EC2Client({ ...sandboxClientConfig(s, s.endpoints.ec2), maxAttempts: 1 });
});
afterAll(async () => sandbox?.stop());

let launched: string[] = [];
const ids = () => (launched.length > 0 ? launched : (launched = sandbox.state().instances.map((i) => i.id)));

describe("holder state from Auto Scaling, then EC2", () => {
  it("an InService, running instance may run the command", async () => {
    expect(await holderState(autoScaling, ec2, ids()[0]!)).toBe("may-run");
  });

  it("a terminated instance cannot, from Terminating on", async () => {
    const id = ids()[1]!;
    await sandbox.terminate(id);
    expect(await holderState(autoScaling, ec2, id)).toBe("cannot-run");
    await sandbox.terminate(id, { wait: true });
    expect(await holderState(autoScaling, ec2, id)).toBe("cannot-run");
  });

  it("an instance EC2 does not know cannot run", async () => {
    expect(await holderState(autoScaling, ec2, "i-0123456789abcdef0")).toBe("cannot-run");
  });

  it("a holder that is no instance (release --env) is asked about nowhere: unknown", async () => {
    sandbox.clearFaults();
    sandbox.injectFault({ service: "autoscaling", error: "AccessDenied" });
    sandbox.injectFault({ service: "ec2", error: "UnauthorizedOperation" });
    try {
      expect(await holderState(autoScaling, ec2, "release:laptop:4242")).toBe("unknown");
      expect(sandbox.faults().every((f) => f.hits === 0)).toBe(true);
    } finally {
      sandbox.clearFaults();
    }
  });

  it("Auto Scaling throttled: EC2 still says running → may run; both failing → unknown (the lease time decides)", async () => {
    const id = ids()[2]!;
    sandbox.injectFault({ service: "autoscaling", error: "Throttling", message: "Rate exceeded" });
    try {
      expect(await holderState(autoScaling, ec2, id)).toBe("may-run");
      sandbox.injectFault({ service: "ec2", error: "RequestLimitExceeded" });
      expect(await holderState(autoScaling, ec2, id)).toBe("unknown");
    } finally {
      sandbox.clearFaults();
    }
  });

  it("Terminating:Wait (a termination hook), Detached, Standby: still running in EC2 → may run; stopped in EC2 → cannot", async () => {
    const [, , , hooked, detached, standby] = ids();
    sandbox.putTerminationHook({ heartbeatTimeoutSeconds: 600 });
    await sandbox.terminate(hooked!, { wait: true });
    expect(sandbox.state().instances.map((i) => i.id)).not.toContain(hooked);
    expect(await holderState(autoScaling, ec2, hooked!)).toBe("may-run");
    await sandbox.detach(detached!, { wait: true });
    expect(await holderState(autoScaling, ec2, detached!)).toBe("may-run");
    await sandbox.enterStandby(standby!, { wait: true });
    expect(await holderState(autoScaling, ec2, standby!)).toBe("may-run");
    await sandbox.stopInstance(standby!, { wait: true });
    expect(await holderState(autoScaling, ec2, standby!)).toBe("cannot-run");
    await sandbox.completeLifecycleAction(hooked!);
    expect(await holderState(autoScaling, ec2, hooked!)).toBe("cannot-run");
  });
});
