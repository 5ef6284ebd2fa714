// Auto Scaling and EC2 facts the election needs, only when another instance holds the lease
// or in fallback: is the holder still an instance of some group, and which InService
// instance of our group is the oldest.
import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { isNotFound } from "../aws/errors.js";
import { holderStateFromEc2, holderStateFromLifecycle, type HolderState } from "../election/decide.js";

/** EC2's answer for an instance id it does not know (any more). */
const EC2_INSTANCE_NOT_FOUND = "InvalidInstanceID.NotFound";

export interface GroupMember {
  instanceId: string;
  launchTime: number;
}

/**
 * Whether the holder's instance can still be running the command (decide.ts has the tables):
 * Auto Scaling first (any group: immutable deploys use a temporary one); where its lifecycle
 * state is not conclusive — or Auto Scaling does not answer — EC2's instance state. Asked only
 * once the holder's renewals are late, so a healthy fleet makes none of these calls.
 */
export async function holderState(autoScaling: AutoScalingClient, ec2: EC2Client, instanceId: string): Promise<HolderState> {
  // A holder that is no instance (an operator's `release --env`) is in no group, yet alive:
  // only the lease time, which its heartbeat renews, decides.
  if (!/^i-[0-9a-f]+$/.test(instanceId)) return "unknown";
  try {
    const out = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    const entry = out.AutoScalingInstances?.find((i) => i.InstanceId === instanceId);
    if (holderStateFromLifecycle(entry?.LifecycleState) === "cannot-run") return "cannot-run";
  } catch {
    // Not conclusive: EC2 may still tell.
  }
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    const state = instance?.State?.Name;
    return state ? holderStateFromEc2(state) : "unknown";
  } catch (error) {
    // Unknown to EC2: it cannot be running (holderStateFromEc2). Anything else: cannot tell —
    // only the lease time decides then.
    return isNotFound(error, EC2_INSTANCE_NOT_FOUND) ? holderStateFromEc2(undefined) : "unknown";
  }
}

export async function groupOf(autoScaling: AutoScalingClient, instanceId: string): Promise<string | undefined> {
  const out = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  return out.AutoScalingInstances?.find((i) => i.InstanceId === instanceId)?.AutoScalingGroupName;
}

/** InService members of the group with their EC2 launch times. */
export async function inServiceMembers(autoScaling: AutoScalingClient, ec2: EC2Client, group: string): Promise<GroupMember[]> {
  const groups = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
  const ids = (groups.AutoScalingGroups?.[0]?.Instances ?? [])
    .filter((i) => i.LifecycleState === "InService" && i.InstanceId)
    .map((i) => i.InstanceId!);
  if (ids.length === 0) return [];
  const members: GroupMember[] = [];
  let nextToken: string | undefined;
  do {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids, ...(nextToken ? { NextToken: nextToken } : {}) }));
    for (const reservation of out.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (instance.InstanceId && instance.LaunchTime && instance.State?.Name === "running") {
          members.push({ instanceId: instance.InstanceId, launchTime: instance.LaunchTime.getTime() });
        }
      }
    }
    nextToken = out.NextToken;
  } while (nextToken);
  return members;
}

/** The fallback leader: the oldest launch time; ties go to the smallest instance id. */
export function oldestInstance(members: GroupMember[]): GroupMember | undefined {
  return [...members].sort((a, b) => a.launchTime - b.launchTime || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0))[0];
}
