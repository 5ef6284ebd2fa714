// Every IAM action of the policy (POLICY_ACTIONS, so the two cannot drift), tested by a real
// call that changes nothing: reads of keys that do not exist, conditional writes whose
// condition cannot hold, ECS calls on tasks that do not exist in the configured cluster (the
// policy may be scoped to it). A denied call is a missing permission; the expected "not found" /
// "condition failed" answer means allowed. What only a side effect would prove (RunTask starts a
// task, TagResource tags one, PassRole is checked inside RunTask, Publish sends a message) is
// not tried, and the report says so.
import { randomBytes } from "node:crypto";
import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTableCommand, DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeInstancesCommand, DescribeTagsCommand } from "@aws-sdk/client-ec2";
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTasksCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { DescribeConfigurationSettingsCommand, DescribeEnvironmentsCommand } from "@aws-sdk/client-elastic-beanstalk";
import type { AwsClients } from "../../aws/clients.js";
import { errorCode, isAccessDenied } from "../../aws/errors.js";
import { describeError } from "../../cli/errors.js";
import type { Mode } from "../../config/settings.js";
import { PARTITION_KEY } from "../../table/table.js";
import type { Identity } from "../../instance/types.js";
import { policyGroups } from "../../scaffold/policy.js";
import { fail, pass, skip, warn, type CheckResult } from "../checklist.js";

export interface ProbeContext {
  clients: AwsClients;
  table: string;
  tableExists: boolean;
  identity: Identity;
  autoScalingGroup?: string;
  applicationName?: string;
  taskDefinition?: string;
  logGroup?: string;
  /** EB_MIGRATE_ECS_CLUSTER: the ECS probes aim at it (a policy may allow only its tasks). */
  cluster?: string;
}

interface Probe {
  /** Answers (error codes) that prove the call was authorized. */
  allowedErrors?: string[];
  /** Which mode's `run` makes this call (undefined: only status/doctor or nothing — advisory). */
  neededBy?: Mode | "both";
  /** Says why the action cannot be tested now (then it is skipped). */
  untestable?(ctx: ProbeContext): string | undefined;
  call(ctx: ProbeContext, token: string): Promise<unknown>;
}

const doctorKey = (token: string) => ({ [PARTITION_KEY]: { S: `doctor#${token}` } });
const noSuchItem = "attribute_exists(#pk)";
const needsTable = (ctx: ProbeContext) => (ctx.tableExists ? undefined : "the table does not exist");
const bogusCluster = (token: string) => `eb-migrate-doctor-${token}`;
/** The configured cluster, else one that cannot exist (then only an unscoped grant is proved). */
const probeCluster = (c: ProbeContext, token: string) => c.cluster ?? bogusCluster(token);
/** A task id no task has: 32 hex digits from the probe's token. */
const noSuchTask = (token: string) => token.padEnd(32, "0");

export const PROBES: Record<string, Probe> = {
  // Any authorized Publish sends a message (to a topic that does not exist, a policy scoped to
  // the named topics answers AuthorizationError as if denied): not probed, said so.
  "sns:Publish": { untestable: () => "a test would send a message to the team; the leader logs a failed notification as a warning", call: async () => undefined },
  "dynamodb:GetItem": { neededBy: "both", untestable: needsTable, call: (c, t) => c.clients.dynamodb.send(new GetItemCommand({ TableName: c.table, Key: doctorKey(t) })) },
  "dynamodb:PutItem": {
    neededBy: "both",
    untestable: needsTable,
    allowedErrors: ["ConditionalCheckFailedException"],
    call: (c, t) => c.clients.dynamodb.send(new PutItemCommand({ TableName: c.table, Item: doctorKey(t), ConditionExpression: noSuchItem, ExpressionAttributeNames: { "#pk": PARTITION_KEY } })),
  },
  "dynamodb:UpdateItem": {
    neededBy: "both",
    untestable: needsTable,
    allowedErrors: ["ConditionalCheckFailedException"],
    call: (c, t) => c.clients.dynamodb.send(new UpdateItemCommand({ TableName: c.table, Key: doctorKey(t), ConditionExpression: noSuchItem, UpdateExpression: "SET probe = :p", ExpressionAttributeNames: { "#pk": PARTITION_KEY }, ExpressionAttributeValues: { ":p": { S: "doctor" } } })),
  },
  "dynamodb:Scan": { untestable: needsTable, call: (c) => c.clients.dynamodb.send(new ScanCommand({ TableName: c.table, Limit: 1 })) },
  "dynamodb:DescribeTable": { untestable: needsTable, call: (c) => c.clients.dynamodb.send(new DescribeTableCommand({ TableName: c.table })) },
  "dynamodb:DescribeTimeToLive": { untestable: needsTable, call: (c) => c.clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: c.table })) },
  "autoscaling:DescribeAutoScalingInstances": { neededBy: "both", call: (c) => c.clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [c.identity.instanceId] })) },
  "autoscaling:DescribeAutoScalingGroups": {
    neededBy: "both",
    untestable: (c) => (c.autoScalingGroup ? undefined : "this instance's Auto Scaling group is unknown"),
    call: (c) => c.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [c.autoScalingGroup!] })),
  },
  "ec2:DescribeInstances": { neededBy: "both", call: (c) => c.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [c.identity.instanceId] })) },
  "ec2:DescribeTags": { neededBy: "both", call: (c) => c.clients.ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [c.identity.instanceId] }] })) },
  "elasticbeanstalk:DescribeEnvironments": { neededBy: "ecs", call: (c) => c.clients.elasticBeanstalk.send(new DescribeEnvironmentsCommand({ EnvironmentIds: [c.identity.environmentId] })) },
  "elasticbeanstalk:DescribeConfigurationSettings": {
    neededBy: "ecs",
    untestable: (c) => (c.applicationName ? undefined : "the application name is unknown (DescribeEnvironments did not answer)"),
    call: (c) => c.clients.elasticBeanstalk.send(new DescribeConfigurationSettingsCommand({ ApplicationName: c.applicationName!, EnvironmentName: c.identity.environmentName })),
  },
  "ecs:RunTask": {
    neededBy: "ecs",
    untestable: () => "cannot be tried without starting a task (the release's first RunTask fails with AccessDenied naming ecs:RunTask when it is missing)",
    call: async () => undefined,
  },
  "ecs:TagResource": {
    neededBy: "ecs",
    untestable: () => "cannot be tried without tagging a task or a revision (RunTask, and RegisterTaskDefinition with EB_MIGRATE_ECS_IMAGE, fail with AccessDenied naming it when they may not tag what they create)",
    call: async () => undefined,
  },
  "ecs:DescribeTasks": {
    neededBy: "ecs",
    allowedErrors: ["ClusterNotFoundException", "InvalidParameterException"],
    call: (c, t) => c.clients.ecs.send(new DescribeTasksCommand({ cluster: probeCluster(c, t), tasks: [noSuchTask(t)] })),
  },
  "ecs:StopTask": {
    neededBy: "ecs",
    // A task that does not exist: "The referenced task was not found", nothing stopped.
    allowedErrors: ["ClusterNotFoundException", "InvalidParameterException"],
    call: (c, t) => c.clients.ecs.send(new StopTaskCommand({ cluster: probeCluster(c, t), task: noSuchTask(t), reason: "eb-migrate doctor permission check" })),
  },
  "ecs:ListTasks": {
    neededBy: "ecs",
    allowedErrors: ["ClusterNotFoundException"],
    call: (c, t) => c.clients.ecs.send(new ListTasksCommand({ cluster: probeCluster(c, t), startedBy: `eb-migrate-doctor/${t}` })),
  },
  "ecs:DescribeTaskDefinition": {
    neededBy: "ecs",
    allowedErrors: ["ClientException"],
    call: (c) => c.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: c.taskDefinition ?? "eb-migrate-doctor" })),
  },
  // Only with EB_MIGRATE_ECS_IMAGE. Any authorized call registers a revision (or, refused for
  // its content, proves nothing about the permission): not tried, said so.
  "ecs:RegisterTaskDefinition": {
    neededBy: "ecs",
    untestable: () => "a test would register a task definition revision; the leader's RegisterTaskDefinition names the missing permission when it is denied",
    call: async () => undefined,
  },
  "logs:GetLogEvents": {
    neededBy: "ecs",
    allowedErrors: ["ResourceNotFoundException"],
    call: (c, t) => c.clients.logs.send(new GetLogEventsCommand({ logGroupName: c.logGroup ?? `eb-migrate-doctor-${t}`, logStreamName: `eb-migrate-doctor/${t}`, limit: 1 })),
  },
  "iam:PassRole": {
    neededBy: "ecs",
    untestable: () => "cannot be tried without starting a task (RunTask fails with AccessDenied naming iam:PassRole when it is missing)",
    call: async () => undefined,
  },
};

type Outcome = { kind: "allowed" } | { kind: "denied"; code: string } | { kind: "skipped"; why: string } | { kind: "unknown"; why: string };

async function probe(action: string, ctx: ProbeContext): Promise<Outcome> {
  const p = PROBES[action];
  if (!p) return { kind: "unknown", why: "doctor has no check for it" };
  const why = p.untestable?.(ctx);
  if (why) return { kind: "skipped", why };
  try {
    await p.call(ctx, randomBytes(8).toString("hex"));
    return { kind: "allowed" };
  } catch (error) {
    if (isAccessDenied(error)) return { kind: "denied", code: errorCode(error) };
    if (p.allowedErrors?.includes(errorCode(error))) return { kind: "allowed" };
    return { kind: "unknown", why: describeError(error) };
  }
}

const isNeeded = (action: string, mode: Mode) => {
  const by = PROBES[action]?.neededBy;
  return by === "both" || by === mode;
};

/** One result per statement of the policy for `mode`, each listing what was denied. */
export async function checkPermissions(ctx: ProbeContext, mode: Mode): Promise<CheckResult[]> {
  const groups = policyGroups(mode);
  return await Promise.all(
    groups.map(async (group) => {
      const outcomes = await Promise.all(group.actions.map(async (a) => [a, await probe(a, ctx)] as const));
      const name = `permissions ${group.sid}`;
      const denied = outcomes.filter(([, o]) => o.kind === "denied").map(([a]) => a);
      const unknown = outcomes.filter(([, o]) => o.kind === "unknown").map(([a, o]) => `${a} (${o.kind === "unknown" ? o.why : ""})`);
      const skipped = outcomes.filter(([, o]) => o.kind === "skipped").map(([a, o]) => `${a}: ${o.kind === "skipped" ? o.why : ""}`);
      const allowed = outcomes.filter(([, o]) => o.kind === "allowed").length;
      const fix = `add ${denied.join(", ")} to the instance profile's role ("eb-migrate policy${mode === "ecs" ? " --mode ecs" : ""}" prints the whole policy)`;
      if (denied.some((a) => isNeeded(a, mode))) return fail(name, `denied: ${denied.join(", ")}`, fix);
      if (denied.length > 0) return warn(name, `denied: ${denied.join(", ")} (not needed by deploys; "status" and "doctor" use them)`, fix);
      if (unknown.length > 0) return warn(name, `${allowed} allowed; could not tell: ${unknown.join("; ")}`, "check that the services are reachable from the instance and run doctor again");
      if (allowed === 0) return skip(name, skipped.join("; "));
      return pass(name, `${allowed} of ${group.actions.length} allowed${skipped.length ? ` (not tried: ${skipped.join("; ")})` : ""}`);
    }),
  );
}
