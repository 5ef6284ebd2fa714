// Auto Scaling visibility: this instance is InService in a group, and the group's members can
// be listed with launch times — what lease takeover and the fallback election rely on.
import { DescribeAutoScalingInstancesCommand, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { describeError } from "../../cli/errors.js";
import { inServiceMembers, oldestInstance } from "../../instance/auto-scaling.js";
import { fail, pass, warn, type CheckResult } from "../checklist.js";

export interface AutoScalingFacts {
  result: CheckResult;
  group?: string;
}

export async function checkAutoScaling(autoScaling: AutoScalingClient, ec2: EC2Client, instanceId: string): Promise<AutoScalingFacts> {
  const name = "Auto Scaling";
  let entry;
  try {
    const out = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    entry = out.AutoScalingInstances?.find((i) => i.InstanceId === instanceId);
  } catch (error) {
    return { result: fail(name, `DescribeAutoScalingInstances failed: ${describeError(error)}`, 'grant autoscaling:DescribeAutoScalingInstances (see "eb-migrate policy"): without it a lost leader is only taken over after the lease time') };
  }
  if (!entry?.AutoScalingGroupName) {
    return { result: fail(name, `${instanceId} is in no Auto Scaling group`, "run eb-migrate on an instance of an Elastic Beanstalk environment (the fallback election needs its group)") };
  }
  const group = entry.AutoScalingGroupName;
  try {
    const members = await inServiceMembers(autoScaling, ec2, group);
    const oldest = oldestInstance(members);
    const state = entry.LifecycleState === "InService" ? "InService" : `${entry.LifecycleState} (not InService yet)`;
    const detail = `${instanceId} is ${state} in ${group}; ${members.length} InService member${members.length === 1 ? "" : "s"}, fallback leader would be ${oldest?.instanceId ?? "none"}`;
    return { group, result: entry.LifecycleState === "InService" ? pass(name, detail) : warn(name, detail, "normal during a deploy to new instances; otherwise check the instance's health") };
  } catch (error) {
    return { group, result: fail(name, `cannot list the members of ${group}: ${describeError(error)}`, 'grant autoscaling:DescribeAutoScalingGroups and ec2:DescribeInstances (see "eb-migrate policy"): the fallback election needs them') };
  }
}
