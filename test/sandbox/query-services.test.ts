// Auto Scaling, EC2 and Elastic Beanstalk stand-ins, driven by the real SDK clients: shapes,
// pagination, lifecycle states and AWS-shaped errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand, paginateDescribeAutoScalingInstances } from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import {
  DescribeConfigurationSettingsCommand,
  DescribeEnvironmentResourcesCommand,
  DescribeEnvironmentsCommand,
  DescribeInstancesHealthCommand,
} from "@aws-sdk/client-elastic-beanstalk";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { clientsFor } from "./helpers.js";

let sandbox: Sandbox;
let clients: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  sandbox = await startSandbox({
    instances: 3,
    pendingMs: 30,
    lifecycle: { terminatingMs: 30, forgetAutoScalingMs: 150 },
    environmentProperties: { EB_MIGRATE_TABLE: "release-locks", DJANGO_SETTINGS_MODULE: "shop.settings" },
  });
  clients = clientsFor(sandbox.state());
});
afterAll(async () => {
  await sandbox?.stop();
});

describe("Auto Scaling", () => {
  it("describes the environment's group with its InService instances", async () => {
    const state = sandbox.state();
    const out = await clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [state.environment.autoScalingGroup] }));
    expect(out.AutoScalingGroups).toHaveLength(1);
    const group = out.AutoScalingGroups![0]!;
    expect(group.AutoScalingGroupName).toMatch(/^awseb-e-[a-z0-9]{10}-stack-AWSEBAutoScalingGroup-[A-Z0-9]{12}$/);
    expect(group.DesiredCapacity).toBe(3);
    expect(group.CreatedTime).toBeInstanceOf(Date);
    expect(group.Instances!.map((i) => i.InstanceId).sort()).toEqual(state.instances.map((i) => i.id).sort());
    // DescribeAutoScalingGroups spells it "Healthy" (DescribeAutoScalingInstances "HEALTHY"), as the CLI examples show.
    expect(group.Instances!.every((i) => i.LifecycleState === "InService" && i.HealthStatus === "Healthy")).toBe(true);
    expect(group.Tags).toContainEqual(expect.objectContaining({ Key: "elasticbeanstalk:environment-id", Value: state.environment.id }));
  });

  it("returns no group for an unknown name and filters by tag", async () => {
    const none = await clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["nope"] }));
    expect(none.AutoScalingGroups).toEqual([]);
    const byTag = await clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: "tag:elasticbeanstalk:environment-name", Values: [sandbox.state().environment.name] }] }),
    );
    expect(byTag.AutoScalingGroups).toHaveLength(1);
  });

  it("pages DescribeAutoScalingInstances with MaxRecords and NextToken", async () => {
    const first = await clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ MaxRecords: 2 }));
    expect(first.AutoScalingInstances).toHaveLength(2);
    expect(first.NextToken).toBeTruthy();
    const second = await clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ MaxRecords: 2, NextToken: first.NextToken }));
    expect(second.AutoScalingInstances).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const ids: string[] = [];
    for await (const page of paginateDescribeAutoScalingInstances({ client: clients.autoScaling, pageSize: 1 }, {})) {
      ids.push(...page.AutoScalingInstances!.map((i) => i.InstanceId!));
    }
    expect(ids.sort()).toEqual(sandbox.state().instances.map((i) => i.id).sort());
    const detail = first.AutoScalingInstances![0]!;
    expect(detail.AutoScalingGroupName).toBe(sandbox.state().environment.autoScalingGroup);
    expect(detail.ProtectedFromScaleIn).toBe(false);
  });

  it("ignores unknown instance ids and refuses a bad MaxRecords or NextToken with ValidationError-shaped errors", async () => {
    const out = await clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] }));
    expect(out.AutoScalingInstances).toEqual([]);
    await expect(clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ MaxRecords: 51 }))).rejects.toMatchObject({
      name: "ValidationError",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ NextToken: "garbage!" }))).rejects.toMatchObject({ name: "InvalidNextToken" });
  });

  it("shows Pending, InService, Terminating and Terminated, then forgets the instance", async () => {
    const launched = await sandbox.launch();
    const state = async () =>
      (await clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [launched.id] }))).AutoScalingInstances![0]?.LifecycleState;
    expect(await state()).toBe("Pending");
    await waitUntil(async () => (await state()) === "InService");
    await sandbox.terminate(launched.id);
    expect(await state()).toBe("Terminating");
    await waitUntil(async () => (await state()) === "Terminated");
    await waitUntil(async () => (await state()) === undefined);
    // EC2 still knows it, as "terminated".
    const ec2 = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [launched.id] }));
    expect(ec2.Reservations![0]!.Instances![0]!.State).toEqual({ Code: 48, Name: "terminated" });
    await sandbox.setCapacity(3, { wait: true });
  });
});

describe("EC2", () => {
  it("describes instances with launch time, state and the environment's tags", async () => {
    const state = sandbox.state();
    const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: state.instances.map((i) => i.id) }));
    const instances = out.Reservations!.flatMap((r) => r.Instances!);
    expect(instances.map((i) => i.InstanceId).sort()).toEqual(state.instances.map((i) => i.id).sort());
    for (const i of instances) {
      expect(i.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
      expect(i.State).toEqual({ Code: 16, Name: "running" });
      expect(i.LaunchTime).toBeInstanceOf(Date);
      const tags = Object.fromEntries(i.Tags!.map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({
        "elasticbeanstalk:environment-name": state.environment.name,
        "elasticbeanstalk:environment-id": state.environment.id,
        "aws:autoscaling:groupName": state.environment.autoScalingGroup,
        "aws:cloudformation:stack-name": `awseb-${state.environment.id}-stack`,
        Name: state.environment.name,
      });
    }
    // Oldest first in the state file, launch times strictly increasing.
    const times = state.instances.map((s) => instances.find((i) => i.InstanceId === s.id)!.LaunchTime!.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
  });

  it("filters by tag and state, and pages with MaxResults", async () => {
    const state = sandbox.state();
    const filtered = await clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: "tag:aws:autoscaling:groupName", Values: [state.environment.autoScalingGroup] },
          { Name: "instance-state-name", Values: ["running"] },
        ],
        MaxResults: 5,
      }),
    );
    expect(filtered.Reservations!.flatMap((r) => r.Instances!).length).toBeGreaterThanOrEqual(3);
    const none = await clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: ["someone-else"] }] }));
    expect(none.Reservations).toEqual([]);
  });

  it("answers unknown and malformed ids with EC2's error codes", async () => {
    await expect(clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] }))).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["bogus"] }))).rejects.toMatchObject({ name: "InvalidInstanceID.Malformed" });
  });
});

describe("Elastic Beanstalk", () => {
  it("describes the environment with its deployed version", async () => {
    const state = sandbox.state();
    const out = await clients.elasticBeanstalk.send(new DescribeEnvironmentsCommand({ EnvironmentNames: [state.environment.name] }));
    expect(out.Environments).toHaveLength(1);
    expect(out.Environments![0]).toMatchObject({
      EnvironmentName: "my-app-prod",
      EnvironmentId: state.environment.id,
      ApplicationName: "my-app",
      VersionLabel: state.environment.versionLabel,
      Status: "Ready",
      Health: "Green",
      Tier: { Name: "WebServer", Type: "Standard", Version: "1.0" },
    });
    const other = await clients.elasticBeanstalk.send(new DescribeEnvironmentsCommand({ EnvironmentNames: ["other-env"] }));
    expect(other.Environments).toEqual([]);
  });

  it("lists the environment's resources and refuses an unknown environment", async () => {
    const state = sandbox.state();
    const out = await clients.elasticBeanstalk.send(new DescribeEnvironmentResourcesCommand({ EnvironmentId: state.environment.id }));
    expect(out.EnvironmentResources!.AutoScalingGroups).toEqual([{ Name: state.environment.autoScalingGroup }]);
    expect(out.EnvironmentResources!.Instances!.map((i) => i.Id).sort()).toEqual(state.instances.map((i) => i.id).sort());
    await expect(clients.elasticBeanstalk.send(new DescribeEnvironmentResourcesCommand({ EnvironmentName: "nope" }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("reports each instance's health and deployment", async () => {
    const state = sandbox.state();
    const out = await clients.elasticBeanstalk.send(
      new DescribeInstancesHealthCommand({ EnvironmentName: state.environment.name, AttributeNames: ["HealthStatus", "Deployment", "LaunchedAt"] }),
    );
    const byId = new Map(out.InstanceHealthList!.map((h) => [h.InstanceId, h]));
    for (const i of state.instances) {
      const health = byId.get(i.id)!;
      expect(health.HealthStatus).toBe("Ok");
      expect(health.Color).toBeUndefined();
      expect(health.Deployment).toMatchObject({ VersionLabel: state.environment.versionLabel, DeploymentId: state.environment.deploymentId, Status: "Deployed" });
      expect(health.LaunchedAt).toBeInstanceOf(Date);
    }
  });

  it("gives the deployed configuration with the environment properties", async () => {
    const state = sandbox.state();
    const out = await clients.elasticBeanstalk.send(
      new DescribeConfigurationSettingsCommand({ ApplicationName: state.environment.applicationName, EnvironmentName: state.environment.name }),
    );
    expect(out.ConfigurationSettings).toHaveLength(1);
    const settings = out.ConfigurationSettings![0]!;
    expect(settings.DeploymentStatus).toBe("deployed");
    const props = settings.OptionSettings!.filter((o) => o.Namespace === "aws:elasticbeanstalk:application:environment");
    expect(Object.fromEntries(props.map((o) => [o.OptionName, o.Value]))).toEqual({ EB_MIGRATE_TABLE: "release-locks", DJANGO_SETTINGS_MODULE: "shop.settings" });
    await sandbox.setEnvironmentProperties({ DJANGO_SETTINGS_MODULE: null, EB_MIGRATE_LEASE_SECONDS: "10" });
    const after = await clients.elasticBeanstalk.send(
      new DescribeConfigurationSettingsCommand({ ApplicationName: state.environment.applicationName, EnvironmentName: state.environment.name }),
    );
    const props2 = after.ConfigurationSettings![0]!.OptionSettings!.filter((o) => o.Namespace === "aws:elasticbeanstalk:application:environment");
    expect(Object.fromEntries(props2.map((o) => [o.OptionName, o.Value]))).toEqual({ EB_MIGRATE_TABLE: "release-locks", EB_MIGRATE_LEASE_SECONDS: "10" });
    await expect(clients.elasticBeanstalk.send(new DescribeConfigurationSettingsCommand({ ApplicationName: "other-app", EnvironmentName: state.environment.name }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
