// Auto Scaling (Query protocol, API 2011-01-01) over the environment's main and temporary
// groups: DescribeAutoScalingGroups, DescribeAutoScalingInstances, termination lifecycle hooks
// (PutLifecycleHook, DescribeLifecycleHooks, DeleteLifecycleHook, CompleteLifecycleAction),
// DetachInstances, EnterStandby and ExitStandby.
import { randomUUID } from "node:crypto";
import type { LifecycleHook, SandboxEnvironment, SandboxInstance } from "./environment.js";
import { MAX_GROUP_SIZE, SandboxRequestError } from "./environment.js";
import type { FaultInjector } from "./faults.js";
import type { RequestHandler } from "./http.js";
import { AwsError } from "./json-service.js";
import { paginate } from "./pagination.js";
import { queryService, type QueryFields, type QueryParams } from "./query-protocol.js";
import type { XmlValue } from "./xml.js";
import { availabilityZones, INSTANCE_TYPE, LAUNCH_TEMPLATE_ID, SUBNET_IDS } from "./facts.js";

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
      CompleteLifecycleAction: (p) => completeLifecycleAction(env, p),
      DetachInstances: (p) => instanceActivities(env, p, "Detaching", (id) => env.detach(id), true),
      EnterStandby: (p) => instanceActivities(env, p, "Moving to Standby", (id) => env.enterStandby(id), true),
      ExitStandby: (p) => instanceActivities(env, p, "Moving from Standby to InService", (id) => env.exitStandby(id), false),
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

function instanceFields(env: SandboxEnvironment, i: SandboxInstance, withGroup: boolean): { [k: string]: XmlValue } {
  return {
    InstanceId: i.id,
    InstanceType: INSTANCE_TYPE,
    ...(withGroup ? { AutoScalingGroupName: i.autoScalingGroup } : {}),
    AvailabilityZone: i.availabilityZone,
    LifecycleState: i.lifecycle,
    HealthStatus: i.lifecycle.startsWith("Terminat") || i.ec2State === "stopped" || i.ec2State === "stopping" ? "UNHEALTHY" : "HEALTHY",
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

function hookFields(h: LifecycleHook) {
  return {
    LifecycleHookName: h.name,
    AutoScalingGroupName: h.group,
    LifecycleTransition: h.transition,
    HeartbeatTimeout: h.heartbeatTimeoutSeconds,
    // The global timeout is 100 × the heartbeat timeout, at most 48 h (API_LifecycleHook).
    GlobalTimeout: Math.min(100 * h.heartbeatTimeoutSeconds, 172_800),
    DefaultResult: h.defaultResult,
  };
}

/**
 * PutLifecycleHook: creates or updates a hook. Only termination hooks are modelled (what the
 * election must survive); HeartbeatTimeout 30–7200 s, default 3600; DefaultResult default ABANDON.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutLifecycleHook.html
 */
function putLifecycleHook(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const group = groupNamed(env, p);
  const name = required(p, "LifecycleHookName");
  const existing = env.lifecycleHooks.find((h) => h.group === group && h.name === name);
  const transition = p.get("LifecycleTransition") ?? existing?.transition;
  if (transition !== "autoscaling:EC2_INSTANCE_TERMINATING") {
    throw new AwsError("ValidationError", `The sandbox models termination hooks only: LifecycleTransition must be autoscaling:EC2_INSTANCE_TERMINATING, received ${transition ?? "none"}`);
  }
  const heartbeatTimeoutSeconds = p.integer("HeartbeatTimeout", 30, 7200, existing?.heartbeatTimeoutSeconds ?? 3600, "ValidationError");
  const defaultResult = p.get("DefaultResult") ?? existing?.defaultResult ?? "ABANDON";
  if (defaultResult !== "CONTINUE" && defaultResult !== "ABANDON") throw new AwsError("ValidationError", `DefaultResult must be CONTINUE or ABANDON, received ${defaultResult}`);
  const hook: LifecycleHook = { name, group, transition, heartbeatTimeoutSeconds, defaultResult };
  if (existing) Object.assign(existing, hook);
  else env.lifecycleHooks.push(hook);
  return {};
}

function describeLifecycleHooks(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const group = groupNamed(env, p);
  const names = p.members("LifecycleHookNames");
  return { LifecycleHooks: env.lifecycleHooks.filter((h) => h.group === group && (names.length === 0 || names.includes(h.name))).map(hookFields) };
}

function deleteLifecycleHook(env: SandboxEnvironment, p: QueryParams): QueryFields {
  const group = groupNamed(env, p);
  const name = required(p, "LifecycleHookName");
  const at = env.lifecycleHooks.findIndex((h) => h.group === group && h.name === name);
  if (at < 0) throw new AwsError("ValidationError", `No Lifecycle Hook found with name ${name} for group ${group}`);
  env.lifecycleHooks.splice(at, 1);
  return {};
}

/** https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html */
function completeLifecycleAction(env: SandboxEnvironment, p: QueryParams): QueryFields {
  groupNamed(env, p);
  const hook = required(p, "LifecycleHookName");
  const result = required(p, "LifecycleActionResult");
  if (result !== "CONTINUE" && result !== "ABANDON") throw new AwsError("ValidationError", `LifecycleActionResult must be CONTINUE or ABANDON, received ${result}`);
  const id = p.get("InstanceId");
  if (!id) throw new AwsError("ValidationError", "The sandbox completes lifecycle actions by InstanceId only (no LifecycleActionToken).");
  try {
    env.completeLifecycleAction(id, hook, result);
  } catch (error) {
    if (error instanceof SandboxRequestError) throw new AwsError("ValidationError", error.message);
    throw error;
  }
  return {};
}

/**
 * DetachInstances / EnterStandby / ExitStandby: each instance moves, one Activity per instance.
 * ShouldDecrementDesiredCapacity is required for the first two; without a decrement AWS
 * launches a replacement — the sandbox does that too.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DetachInstances.html
 */
function instanceActivities(env: SandboxEnvironment, p: QueryParams, what: string, move: (id: string) => SandboxInstance, decrementParam: boolean): QueryFields {
  const group = groupNamed(env, p);
  const ids = p.members("InstanceIds");
  let decrement = true;
  if (decrementParam) {
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
  const activities = instances.map((instance) => {
    try {
      move(instance.id);
    } catch (error) {
      if (error instanceof SandboxRequestError) throw new AwsError("ValidationError", error.message);
      throw error;
    }
    if (!decrement) void env.launch(instance.group).catch(() => undefined);
    return {
      ActivityId: randomUUID(),
      AutoScalingGroupName: group,
      Description: `${what} EC2 instance: ${instance.id}`,
      Cause: `At ${new Date().toISOString()} instance ${instance.id} was ${what.toLowerCase()} in response to a user request${decrementParam ? `, ${decrement ? "shrinking" : "keeping"} the capacity` : ""}.`,
      StartTime: new Date(),
      StatusCode: "InProgress",
      Progress: 50,
      Details: "{}",
    };
  });
  return { Activities: activities };
}
