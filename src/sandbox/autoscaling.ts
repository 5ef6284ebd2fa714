// Auto Scaling (Query protocol, API 2011-01-01) over the environment's main and temporary
// groups: DescribeAutoScalingGroups, DescribeAutoScalingInstances, termination lifecycle hooks
// (PutLifecycleHook, DescribeLifecycleHooks, DeleteLifecycleHook, CompleteLifecycleAction,
// RecordLifecycleActionHeartbeat), DetachInstances, EnterStandby and ExitStandby.
// https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Operations.html
import { randomUUID } from "node:crypto";
import type { HealthStatus, LifecycleHook, SandboxEnvironment, SandboxInstance } from "./environment.js";
import { globalTimeoutSeconds, MAX_GROUP_SIZE, SandboxRequestError } from "./environment.js";
import type { FaultInjector } from "./faults.js";
import type { RequestHandler } from "./http.js";
import { AwsError } from "./wire-errors.js";
import { paginate } from "./pagination.js";
import { queryService, type QueryFields, type QueryParams } from "./query-protocol.js";
import type { XmlValue } from "./xml.js";
import { availabilityZones, INSTANCE_TYPE, isoSeconds, LAUNCH_TEMPLATE_ID, SUBNET_IDS } from "./facts.js";

export const AUTO_SCALING_NAMESPACE = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

export function autoScalingService(env: SandboxEnvironment, faults: FaultInjector): RequestHandler {
  return queryService({
    service: "autoscaling",
    namespace: AUTO_SCALING_NAMESPACE,
    dialect: "query",
    faults,
    operations: {
      DescribeAutoScalingGroups: (p) => describeGroups(env, p),
      DescribeAutoScalingInstances: (p) => describeInstances(env, p),
      PutLifecycleHook: (p) => putLifecycleHook(env, p),
      DescribeLifecycleHooks: (p) => describeLifecycleHooks(env, p),
      DeleteLifecycleHook: (p) => deleteLifecycleHook(env, p),
      CompleteLifecycleAction: (p) => lifecycleAction(env, p, true),
      RecordLifecycleActionHeartbeat: (p) => lifecycleAction(env, p, false),
      DetachInstances: (p) => instanceActivities(env, p, DETACH),
      EnterStandby: (p) => instanceActivities(env, p, ENTER_STANDBY),
      ExitStandby: (p) => instanceActivities(env, p, EXIT_STANDBY),
    },
  });
}

function launchTemplate(env: SandboxEnvironment) {
  return { LaunchTemplateId: LAUNCH_TEMPLATE_ID, LaunchTemplateName: `${env.identity.stackName}-launch-template`, Version: "1" };
}

function groupTags(env: SandboxEnvironment, groupName: string): { [k: string]: string }[] {
  return [
    ["Name", env.identity.name],
    ["elasticbeanstalk:environment-id", env.identity.id],
    ["elasticbeanstalk:environment-name", env.identity.name],
  ].map(([Key, Value]) => ({ ResourceId: groupName, ResourceType: "auto-scaling-group", Key: Key!, Value: Value!, PropagateAtLaunch: "true" }));
}

function groups(env: SandboxEnvironment): { name: string; role: "main" | "temporary" }[] {
  const out: { name: string; role: "main" | "temporary" }[] = [{ name: env.identity.autoScalingGroup, role: "main" }];
  if (env.temporaryGroupCreated) out.push({ name: env.identity.temporaryAutoScalingGroup, role: "temporary" });
  return out;
}

/**
 * One instance as DescribeAutoScalingGroups (`Instances`, HealthStatus "Healthy") or
 * DescribeAutoScalingInstances (with the group name, HealthStatus "HEALTHY") answers it: the two
 * spell the health status differently, as the CLI examples of both show.
 */
function instanceFields(env: SandboxEnvironment, i: SandboxInstance, withGroup: boolean): { [k: string]: XmlValue } {
  const health: HealthStatus = env.healthStatus(i);
  return {
    InstanceId: i.id,
    InstanceType: INSTANCE_TYPE,
    ...(withGroup ? { AutoScalingGroupName: i.autoScalingGroup } : {}),
    AvailabilityZone: i.availabilityZone,
    LifecycleState: i.lifecycle,
    HealthStatus: withGroup ? health.toUpperCase() : health,
    LaunchTemplate: launchTemplate(env),
    ProtectedFromScaleIn: false,
  };
}

function describeGroups(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const names = p.members("AutoScalingGroupNames");
  const filters = p.filters("query");
  const pageSize = p.integer("MaxRecords", 1, 100, 50, "ValidationError");
  let selected = groups(env).filter((g) => names.length === 0 || names.includes(g.name));
  for (const filter of filters) {
    selected = selected.filter((g) => {
      const tags = groupTags(env, g.name);
      if (filter.name.startsWith("tag:")) return tags.some((t) => t.Key === filter.name.slice(4) && filter.values.includes(t.Value!));
      if (filter.name === "tag-key") return tags.some((t) => filter.values.includes(t.Key!));
      if (filter.name === "tag-value") return tags.some((t) => filter.values.includes(t.Value!));
      throw new AwsError("ValidationError", `Filter name ${filter.name} is not valid. Valid names: tag-key, tag-value, tag:<key>.`);
    });
  }
  const page = paginate(selected, pageSize, p.get("NextToken"), "InvalidNextToken");
  return {
    AutoScalingGroups: page.items.map((g) => {
      const members = env.autoScalingInstances().filter((i) => i.group === g.role);
      return {
        AutoScalingGroupName: g.name,
        AutoScalingGroupARN: `arn:aws:autoscaling:${env.identity.region}:${env.identity.accountId}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${g.name}`,
        LaunchTemplate: launchTemplate(env),
        MinSize: 0,
        MaxSize: MAX_GROUP_SIZE,
        DesiredCapacity: env.desiredCapacity(g.role),
        DefaultCooldown: 360,
        AvailabilityZones: availabilityZones(env.identity.region),
        LoadBalancerNames: [],
        TargetGroupARNs: [],
        HealthCheckType: "EC2",
        HealthCheckGracePeriod: 0,
        Instances: members.map((i) => instanceFields(env, i, false)),
        CreatedTime: env.identity.createdAt,
        SuspendedProcesses: [],
        VPCZoneIdentifier: SUBNET_IDS.join(","),
        EnabledMetrics: [],
        Tags: groupTags(env, g.name),
        TerminationPolicies: ["Default"],
        NewInstancesProtectedFromScaleIn: false,
        ServiceLinkedRoleARN: `arn:aws:iam::${env.identity.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      };
    }),
    NextToken: page.nextToken,
  };
}

function describeInstances(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const ids = p.members("InstanceIds");
  if (ids.length > 50) throw new AwsError("ValidationError", "The number of instance ids that may be passed in is limited to 50.");
  const pageSize = p.integer("MaxRecords", 1, 50, 50, "ValidationError");
  // Unknown ids are ignored with no error, as documented.
  const selected = env.autoScalingInstances().filter((i) => ids.length === 0 || ids.includes(i.id));
  const page = paginate(selected, pageSize, p.get("NextToken"), "InvalidNextToken");
  return { AutoScalingInstances: page.items.map((i) => instanceFields(env, i, true)), NextToken: page.nextToken };
}

/** The group a request names: one of the environment's, or ValidationError as AWS answers. */
function groupNamed(env: SandboxEnvironment, p: QueryParams): string {
  const name = p.get("AutoScalingGroupName");
  if (!name) throw new AwsError("ValidationError", "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null");
  if (!groups(env).some((g) => g.name === name)) throw new AwsError("ValidationError", `Group ${name} not found`);
  return name;
}

function required(p: QueryParams, name: string): string {
  const value = p.get(name);
  if (!value) throw new AwsError("ValidationError", `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return value;
}

/** Runs an environment change; a request it refuses answers ValidationError, as Auto Scaling does. */
async function validated<T>(change: () => T | Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof SandboxRequestError) throw new AwsError("ValidationError", error.message);
    throw error;
  }
}

function hookFields(h: LifecycleHook) {
  return {
    LifecycleHookName: h.name,
    AutoScalingGroupName: h.group,
    LifecycleTransition: h.transition,
    HeartbeatTimeout: h.heartbeatTimeoutSeconds,
    GlobalTimeout: globalTimeoutSeconds(h),
    DefaultResult: h.defaultResult,
  };
}

/**
 * PutLifecycleHook: creates or updates a hook. Only termination hooks are modelled (what the
 * election must survive); HeartbeatTimeout 30–7200 s, default 3600; DefaultResult default ABANDON.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutLifecycleHook.html
 */
async function putLifecycleHook(env: SandboxEnvironment, p: QueryParams): Promise<QueryFields> {
  const group = groupNamed(env, p);
  const name = required(p, "LifecycleHookName");
  const timeout = p.get("HeartbeatTimeout");
  await validated(() =>
    env.putLifecycleHook({
      group,
      name,
      ...(p.get("LifecycleTransition") === undefined ? {} : { transition: p.get("LifecycleTransition") }),
      ...(timeout === undefined ? {} : { heartbeatTimeoutSeconds: /^-?\d+$/.test(timeout) ? Number(timeout) : timeout }),
      ...(p.get("DefaultResult") === undefined ? {} : { defaultResult: p.get("DefaultResult") }),
    }),
  );
  return {};
}

/** https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeLifecycleHooks.html */
function describeLifecycleHooks(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const group = groupNamed(env, p);
  const names = p.members("LifecycleHookNames");
  return { LifecycleHooks: env.lifecycleHooks.filter((h) => h.group === group && (names.length === 0 || names.includes(h.name))).map(hookFields) };
}

/** https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteLifecycleHook.html */
async function deleteLifecycleHook(env: SandboxEnvironment, p: QueryParams): Promise<QueryFields> {
  const group = groupNamed(env, p);
  const name = required(p, "LifecycleHookName");
  await validated(() => env.deleteLifecycleHook(group, name));
  return {};
}

/**
 * CompleteLifecycleAction (`complete`) or RecordLifecycleActionHeartbeat, by InstanceId. The
 * sandbox sends no lifecycle notifications, so there is no LifecycleActionToken to give back.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RecordLifecycleActionHeartbeat.html
 */
async function lifecycleAction(env: SandboxEnvironment, p: QueryParams, complete: boolean): Promise<QueryFields> {
  const group = groupNamed(env, p);
  const hook = required(p, "LifecycleHookName");
  const result = complete ? required(p, "LifecycleActionResult") : undefined;
  if (complete && result !== "CONTINUE" && result !== "ABANDON") throw new AwsError("ValidationError", `LifecycleActionResult must be CONTINUE or ABANDON, received ${result}`);
  const id = p.get("InstanceId");
  if (!id) {
    if (p.get("LifecycleActionToken")) throw new AwsError("ValidationError", `No active Lifecycle Action found with token ${p.get("LifecycleActionToken")}`);
    throw new AwsError("ValidationError", "Either an InstanceId or a LifecycleActionToken must be given.");
  }
  if (env.find(id)?.autoScalingGroup !== group) throw new AwsError("ValidationError", `No active Lifecycle Action found with instance ID ${id}`);
  await validated(() => (complete ? env.completeLifecycleAction(id, hook, result as "CONTINUE" | "ABANDON") : env.recordLifecycleActionHeartbeat(id, hook)));
  return {};
}

interface InstanceMove {
  /** ShouldDecrementDesiredCapacity is required (DetachInstances, EnterStandby). */
  decrementParam: boolean;
  move(env: SandboxEnvironment, id: string, decrement: boolean): SandboxInstance | Promise<SandboxInstance>;
  description: (id: string) => string;
  /** What the Cause says happened, e.g. "was detached". */
  happened: string;
  statusCode: string;
  progress: number;
}

// Descriptions, causes, StatusCode and Progress as AWS's examples show them (the CLI examples of
// detach-instances and the user guide's standby walk-through).
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-enter-exit-standby.html
const DETACH: InstanceMove = {
  decrementParam: true,
  move: (env, id, decrement) => env.detach(id, { decrement }),
  description: (id) => `Detaching EC2 instance: ${id}`,
  happened: "was detached",
  statusCode: "InProgress",
  progress: 50,
};
const ENTER_STANDBY: InstanceMove = {
  decrementParam: true,
  move: (env, id, decrement) => env.enterStandby(id, { decrement }),
  description: (id) => `Moving EC2 instance to Standby: ${id}`,
  happened: "was moved to standby",
  statusCode: "InProgress",
  progress: 50,
};
const EXIT_STANDBY: InstanceMove = {
  decrementParam: false,
  move: (env, id) => env.exitStandby(id),
  description: (id) => `Moving EC2 instance out of Standby: ${id}`,
  happened: "was moved out of standby",
  statusCode: "PreInService",
  progress: 30,
};

/**
 * DetachInstances / EnterStandby / ExitStandby: each instance moves, one Activity per instance.
 * ShouldDecrementDesiredCapacity is required for the first two; without a decrement AWS
 * launches a replacement — the sandbox does that too. At most 20 instances per call.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DetachInstances.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_EnterStandby.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_ExitStandby.html
 */
async function instanceActivities(env: SandboxEnvironment, p: QueryParams, what: InstanceMove): Promise<QueryFields> {
  const group = groupNamed(env, p);
  const ids = p.members("InstanceIds");
  let decrement = false;
  if (what.decrementParam) {
    const raw = required(p, "ShouldDecrementDesiredCapacity");
    if (raw !== "true" && raw !== "false") throw new AwsError("ValidationError", `ShouldDecrementDesiredCapacity must be true or false, received ${raw}`);
    decrement = raw === "true";
  }
  if (ids.length > 20) throw new AwsError("ValidationError", "The number of instance ids that may be passed in is limited to 20.");
  const instances = ids.map((id) => {
    const instance = env.find(id);
    if (!instance || instance.autoScalingGroup !== group || !instance.inAutoScaling) throw new AwsError("ValidationError", `The instance ${id} is not part of Auto Scaling group ${group}.`);
    return instance;
  });
  const activities: QueryFields[] = [];
  for (const instance of instances) {
    const before = env.desiredCapacity(instance.group);
    await validated(() => what.move(env, instance.id, decrement));
    const after = env.desiredCapacity(instance.group);
    const at = new Date();
    const capacity = after < before ? `, shrinking the capacity from ${before} to ${after}` : after > before ? `, increasing the capacity from ${before} to ${after}` : "";
    activities.push({
      ActivityId: randomUUID(),
      AutoScalingGroupName: group,
      Description: what.description(instance.id),
      Cause: `At ${isoSeconds(at)} instance ${instance.id} ${what.happened} in response to a user request${capacity}.`,
      StartTime: at,
      StatusCode: what.statusCode,
      Progress: what.progress,
      Details: JSON.stringify({ "Subnet ID": SUBNET_IDS[0], "Availability Zone": instance.availabilityZone }),
    });
  }
  return { Activities: activities };
}
