// The IAM permissions the instance role needs, kept in ONE table (POLICY_ACTIONS) and rendered
// two ways: plain ARNs for `eb-migrate policy`, CloudFormation intrinsics for the ebextension.
import { ConfigError } from "../cli/errors.js";
import type { Mode } from "../config/settings.js";
import { environmentTopicName, type NotifyTarget } from "../notify/targets.js";

/** What a statement's Resource points at; each renderer maps a kind to an ARN. */
export type ResourceKind =
  | "table"
  | "environment"
  | "taskDefinition"
  | "task"
  | "cluster"
  | "passRoles"
  | "logStreams"
  | "notifyTopics"
  | "any";

export interface ActionGroup {
  sid: string;
  /** Which mode needs it: "both" groups are in every policy. */
  mode: Mode | "both";
  actions: readonly string[];
  resource: ResourceKind;
  /** Literal condition values (e.g. iam:PassedToService). */
  condition?: Record<string, Record<string, string>>;
  /** ArnLike conditions whose value is a resource, rendered like `resource` (e.g. ecs:cluster). */
  arnCondition?: Record<string, ResourceKind>;
  /** Only in a policy for an environment that sets EB_MIGRATE_NOTIFY to SNS topics. */
  onlyWithTopics?: boolean;
  /** Only in a policy for an environment that sets EB_MIGRATE_ECS_IMAGE (a revision per image). */
  onlyWithImage?: boolean;
  /** Why the runner (or doctor/status) calls these; shown in docs and `policy`. */
  why: string;
}

/**
 * Every AWS call eb-migrate makes on an instance. Whoever adds a call to the runner adds its
 * action here; `policy`, the ebextension and the README follow (test/scaffold/policy.test.ts
 * derives the calls from the code and fails on a missing or an unused action).
 *
 * Resource-level permissions (AWS Service Authorization Reference, "Actions, resources, and
 * condition keys for Amazon Elastic Container Service":
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html,
 * and the same reference for the other services / the EB developer guide):
 * - DynamoDB item and table actions accept the table ARN.
 * - Auto Scaling Describe* and EC2 Describe* accept only "*".
 * - elasticbeanstalk:DescribeEnvironments and DescribeConfigurationSettings accept the `environment` resource
 *   (arn:...:environment/<application>/<environment>).
 * - ecs:RunTask accepts the task-definition resource (any revision of the family: `family:*`)
 *   and the ecs:cluster condition key. RunTask with tags also needs ecs:TagResource on the task
 *   ("Grant permission to tag resources on creation", condition ecs:CreateAction = RunTask:
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html);
 *   the leader tag after RunTask is a plain TagResource on the task, so one TagResource grant
 *   on the cluster's tasks covers both (a CreateAction condition would refuse the second).
 * - ecs:DescribeTasks, StopTask and TagResource accept the task resource
 *   (arn:...:task/<cluster>/<id>: the cluster's tasks with `task/<cluster>/*`).
 * - ecs:ListTasks lists the container-instance resource type, which a one-off task on Fargate
 *   has none of: it is granted on "*" with the ecs:cluster condition (ArnLike), as the ECS docs'
 *   maintainers advise (awsdocs/amazon-ecs-developer-guide#211).
 * - ecs:DescribeTaskDefinition and RegisterTaskDefinition accept only "*". Tags given to
 *   RegisterTaskDefinition are authorized as ecs:TagResource on the new revision, with
 *   ecs:CreateAction = RegisterTaskDefinition (same page).
 * - iam:PassRole accepts the role ARN; iam:PassedToService limits it to ECS tasks.
 * - logs:GetLogEvents accepts the log-stream ARN (the stream name is known from the task).
 * - sns:Publish accepts the topic ARN.
 * (ecs:RegisterTaskDefinition, with EB_MIGRATE_ECS_IMAGE only, is its own group.)
 */
export const POLICY_ACTIONS: readonly ActionGroup[] = [
  {
    sid: "EbMigrateLeaseTable",
    mode: "both",
    actions: [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:Scan",
      "dynamodb:DescribeTable",
      "dynamodb:DescribeTimeToLive",
    ],
    resource: "table",
    why: "the lease and the release records (Get/Put/UpdateItem; nothing is ever deleted — TTL prunes history), `status` history (Scan), `doctor` checks (DescribeTable, DescribeTimeToLive)",
  },
  {
    sid: "EbMigrateAutoScalingRead",
    mode: "both",
    actions: ["autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeAutoScalingGroups"],
    resource: "any",
    why: "can a late lease holder still be running; the oldest InService instance for the fallback election",
  },
  {
    sid: "EbMigrateEc2Read",
    mode: "both",
    actions: ["ec2:DescribeInstances", "ec2:DescribeTags"],
    resource: "any",
    why: "this instance's environment and Auto Scaling group tags; a late lease holder's EC2 state; launch times for the fallback",
  },
  {
    sid: "EbMigrateEnvironmentRead",
    mode: "both",
    actions: [
      "elasticbeanstalk:DescribeEnvironments",
      "elasticbeanstalk:DescribeConfigurationSettings",
    ],
    resource: "environment",
    why: "the environment's id, Auto Scaling group and (ecs mode) the environment properties passed to the task without copying them into a task definition",
  },
  {
    sid: "EbMigrateRunTask",
    mode: "ecs",
    actions: ["ecs:RunTask"],
    resource: "taskDefinition",
    arnCondition: { "ecs:cluster": "cluster" },
    why: "start the one-off release task (the task definition's family, in the cluster)",
  },
  {
    sid: "EbMigrateWatchTask",
    mode: "ecs",
    actions: ["ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource"],
    resource: "task",
    why: "wait for STOPPED and read the exit code; stop the task when the deploy is cancelled; tag it (RunTask's eb-migrate:release tag, then eb-migrate:leader)",
  },
  {
    sid: "EbMigrateFindTask",
    mode: "ecs",
    actions: ["ecs:ListTasks"],
    resource: "any",
    arnCondition: { "ecs:cluster": "cluster" },
    why: "find the task of this release a leader started but did not record before it died (ListTasks by startedBy in the cluster)",
  },
  {
    sid: "EbMigrateReadTaskDefinition",
    mode: "ecs",
    actions: ["ecs:DescribeTaskDefinition"],
    resource: "any",
    why: "find the container and its awslogs log group",
  },
  {
    sid: "EbMigrateRegisterRevision",
    mode: "ecs",
    actions: ["ecs:RegisterTaskDefinition"],
    resource: "any",
    onlyWithImage: true,
    why: "EB_MIGRATE_ECS_IMAGE: register a revision of the family that differs from its latest only in the container's image (only when it is set)",
  },
  {
    sid: "EbMigrateTagRevisionOnRegister",
    mode: "ecs",
    actions: ["ecs:TagResource"],
    resource: "taskDefinition",
    condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
    onlyWithImage: true,
    why: "EB_MIGRATE_ECS_IMAGE: the new revision's tags (the family's and eb-migrate:deployment), given with RegisterTaskDefinition and authorized as tag-on-create; no other tagging",
  },
  {
    sid: "EbMigrateTaskLogEvents",
    mode: "ecs",
    actions: ["logs:GetLogEvents"],
    resource: "logStreams",
    why: "stream the task's output into the deploy log",
  },
  {
    sid: "EbMigratePassTaskRoles",
    mode: "ecs",
    actions: ["iam:PassRole"],
    resource: "passRoles",
    condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    why: "RunTask passes the task definition's task and execution roles to ECS (and only to ECS)",
  },
  {
    sid: "EbMigrateNotify",
    mode: "both",
    actions: ["sns:Publish"],
    resource: "notifyTopics",
    onlyWithTopics: true,
    why: "the leader's notification to the SNS topics in EB_MIGRATE_NOTIFY (only when it names any)",
  },
];

export interface IamStatement<V> {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: V;
  Condition?: Record<string, Record<string, V>>;
}

export interface IamPolicy<V> {
  Version: "2012-10-17";
  Statement: IamStatement<V>[];
}

/** What else decides the statements beyond the mode and the notify targets. */
export interface PolicyFeatures {
  /** EB_MIGRATE_ECS_IMAGE is set: the revision registration statements. */
  image?: boolean;
}

/** The statements of POLICY_ACTIONS that `mode` needs (sns:Publish only with SNS targets, registration only with an image). */
export function policyGroups(mode: Mode, notifyTargets: readonly NotifyTarget[] = [], features: PolicyFeatures = {}): readonly ActionGroup[] {
  const topics = notifyTargets.some((t) => t.kind !== "webhook");
  return POLICY_ACTIONS.filter((g) => (g.mode === "both" || g.mode === mode) && (!g.onlyWithTopics || topics) && (!g.onlyWithImage || features.image === true));
}

/** Builds a policy from POLICY_ACTIONS with the caller's way of naming resources. */
export function buildPolicy<V>(mode: Mode, arn: (kind: ResourceKind) => V, notifyTargets: readonly NotifyTarget[] = [], features: PolicyFeatures = {}): IamPolicy<V> {
  return {
    Version: "2012-10-17",
    Statement: policyGroups(mode, notifyTargets, features).map((g) => {
      const condition: Record<string, Record<string, V>> = {};
      for (const [op, values] of Object.entries(g.condition ?? {})) condition[op] = { ...(values as Record<string, V>) };
      if (g.arnCondition) condition.ArnLike = Object.fromEntries(Object.entries(g.arnCondition).map(([key, kind]) => [key, arn(kind)]));
      return {
        Sid: g.sid,
        Effect: "Allow" as const,
        Action: [...g.actions],
        Resource: arn(g.resource),
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      };
    }),
  };
}

export interface PolicyOptions {
  table: string;
  mode: Mode;
  region?: string;
  account?: string;
  /** The Elastic Beanstalk environment's name (any environment when absent). */
  environmentName?: string;
  ecs?: EcsPolicyScope;
  /** EB_MIGRATE_NOTIFY: its SNS topics get sns:Publish. */
  notify?: readonly NotifyTarget[];
}

/** What narrows the ecs-mode statements; each part left out is a `*`. */
export interface EcsPolicyScope {
  /** EB_MIGRATE_ECS_CLUSTER (name or ARN): RunTask, ListTasks and the task actions are limited to it. */
  cluster?: string;
  /** Family, family:revision or ARN; RunTask is limited to the family when given. */
  taskDefinition?: string;
  logGroup?: string;
  /** The task definition's task and execution roles (names or ARNs): iam:PassRole is limited to them. */
  passRoles?: readonly string[];
  /** EB_MIGRATE_ECS_IMAGE is set: RegisterTaskDefinition (and its tag-on-create) are granted. */
  image?: boolean;
}

/** `my-cluster` or `arn:aws:ecs:…:cluster/my-cluster` → `my-cluster`. */
export function clusterName(cluster: string): string {
  return cluster.includes(":cluster/") ? cluster.split(":cluster/")[1]! : cluster;
}

/**
 * `--pass-role a,arn:aws:iam::1:role/b` → the roles, each an IAM role name (1-64 of
 * A-Z a-z 0-9 + = , . @ _ -) or a role ARN; anything else is a ConfigError naming the flag.
 */
export function parsePassRoles(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const roles = raw.split(",").map((r) => r.trim()).filter(Boolean);
  for (const role of roles) {
    if (!/^[\w+=.@-]{1,64}$/.test(role) && !/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(role)) {
      throw new ConfigError(`--pass-role=${JSON.stringify(role)} is not valid: expected IAM role names or role ARNs (arn:aws:iam::<account>:role/<name>), comma-separated`);
    }
  }
  if (roles.length === 0) throw new ConfigError("--pass-role is empty: give the task definition's task and execution roles (names or ARNs), comma-separated");
  return roles;
}

/** A role name or ARN → its ARN (`arn:<partition>:iam::<account>:role/<name>`; a path stays). */
function roleArn(role: string, partition: string, account: string): string {
  return role.startsWith("arn:") ? role : `arn:${partition}:iam::${account}:role/${role}`;
}

/** The policy document with literal ARNs (`*` where region, account or a name is unknown). */
export function policyDocument(options: PolicyOptions): IamPolicy<string | string[]> {
  const region = options.region ?? "*";
  const account = options.account ?? "*";
  const partition = partitionOf(options.region);
  const family = options.ecs?.taskDefinition ? taskDefinitionFamily(options.ecs.taskDefinition) : "*";
  const logGroup = options.ecs?.logGroup ?? "*";
  const cluster = options.ecs?.cluster ? clusterName(options.ecs.cluster) : "*";
  const roles = options.ecs?.passRoles ?? [];
  return buildPolicy(options.mode, (kind): string | string[] => {
    switch (kind) {
      case "table":
        return `arn:${partition}:dynamodb:${region}:${account}:table/${options.table}`;
      case "environment":
        return `arn:${partition}:elasticbeanstalk:${region}:${account}:environment/*/${options.environmentName ?? "*"}`;
      case "taskDefinition":
        return `arn:${partition}:ecs:${region}:${account}:task-definition/${family}:*`;
      case "task":
        return `arn:${partition}:ecs:${region}:${account}:task/${cluster}/*`;
      case "cluster":
        return `arn:${partition}:ecs:${region}:${account}:cluster/${cluster}`;
      case "passRoles":
        return roles.length > 0 ? roles.map((r) => roleArn(r, partition, account)) : `arn:${partition}:iam::${account}:role/*`;
      case "logStreams":
        return `arn:${partition}:logs:${region}:${account}:log-group:${logGroup}:log-stream:*`;
      case "notifyTopics":
        return topicArns(options.notify ?? [], (t) => (t.kind === "sns" ? t.topicArn : `arn:${partition}:sns:${region}:${account}:${environmentTopicName(options.environmentName ?? "*")}`));
      case "any":
        return "*";
    }
  }, options.notify, { image: options.ecs?.image === true });
}

function topicArns<V>(targets: readonly NotifyTarget[], arn: (t: Exclude<NotifyTarget, { kind: "webhook" }>) => V): V[] {
  return targets.flatMap((t) => (t.kind === "webhook" ? [] : [arn(t)]));
}

/** `my-app`, `my-app:7` or `arn:aws:ecs:...:task-definition/my-app:7` → `my-app`. */
export function taskDefinitionFamily(taskDefinition: string): string {
  const afterSlash = taskDefinition.includes(":task-definition/") ? taskDefinition.split(":task-definition/")[1]! : taskDefinition;
  return afterSlash.split(":")[0]!;
}

export function partitionOf(region: string | undefined): string {
  if (region?.startsWith("cn-")) return "aws-cn";
  if (region?.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** A CloudFormation intrinsic function value, e.g. `{ "Fn::GetAtt": ["EbMigrateTable", "Arn"] }`. */
export type CfnValue = string | { [fn: string]: unknown };

export const TABLE_RESOURCE = "EbMigrateTable";
export const POLICY_RESOURCE = "EbMigrateInstancePolicy";

/**
 * The policy for the ebextension's AWS::IAM::ManagedPolicy: the table created next to it, this
 * environment only (AWSEBEnvironmentName is defined in every EB environment's stack). `mode`
 * ecs (init --mode ecs) adds the ECS statements, narrowed by `ecs` as `policyDocument` narrows
 * them (region and account from the stack). With `notify`, the SNS topics it names
 * (`eb-topic`: the environment's own) may be published to.
 */
export function cloudFormationPolicyDocument(notify: readonly NotifyTarget[] = [], mode: Mode = "local", ecs: EcsPolicyScope = {}): IamPolicy<CfnValue | CfnValue[]> {
  const arnPrefix = (service: string): CfnValue[] => [
    "arn:",
    { Ref: "AWS::Partition" },
    `:${service}:`,
    { Ref: "AWS::Region" },
    ":",
    { Ref: "AWS::AccountId" },
    ":",
  ];
  const join = (parts: CfnValue[]): CfnValue => ({ "Fn::Join": ["", parts] });
  const cluster = ecs.cluster ? clusterName(ecs.cluster) : "*";
  const family = ecs.taskDefinition ? taskDefinitionFamily(ecs.taskDefinition) : "*";
  const roleArnCfn = (role: string): CfnValue => (role.startsWith("arn:") ? role : join(["arn:", { Ref: "AWS::Partition" }, ":iam::", { Ref: "AWS::AccountId" }, `:role/${role}`]));
  return buildPolicy(mode, (kind): CfnValue | CfnValue[] => {
    switch (kind) {
      case "table":
        return { "Fn::GetAtt": [TABLE_RESOURCE, "Arn"] };
      case "environment":
        return join([...arnPrefix("elasticbeanstalk"), "environment/*/", { Ref: "AWSEBEnvironmentName" }]);
      case "taskDefinition":
        return join([...arnPrefix("ecs"), `task-definition/${family}:*`]);
      case "task":
        return join([...arnPrefix("ecs"), `task/${cluster}/*`]);
      case "cluster":
        return join([...arnPrefix("ecs"), `cluster/${cluster}`]);
      case "passRoles":
        return ecs.passRoles && ecs.passRoles.length > 0 ? ecs.passRoles.map(roleArnCfn) : join(["arn:", { Ref: "AWS::Partition" }, ":iam::", { Ref: "AWS::AccountId" }, ":role/*"]);
      case "logStreams":
        return join([...arnPrefix("logs"), `log-group:${ecs.logGroup ?? "*"}:log-stream:*`]);
      case "notifyTopics":
        return topicArns(notify, (t): CfnValue => (t.kind === "sns" ? t.topicArn : join([...arnPrefix("sns"), "ElasticBeanstalkNotifications-Environment-", { Ref: "AWSEBEnvironmentName" }])));
      case "any":
        return "*";
    }
  }, notify, { image: ecs.image === true });
}
