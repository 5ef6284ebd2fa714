// `eb-migrate policy`: prints the least-privilege IAM policy the instance role needs.
import type { CommandSpec } from "../cli/command.js";
import { ExitCode } from "../cli/errors.js";
import { envRegion } from "../config/environment.js";
import { resolveSettings } from "../config/settings.js";
import { DEPLOYER_ACTIONS, deployerPolicyDocument } from "../scaffold/deployer-policy.js";
import { parsePassRoles, policyDocument, policyGroups } from "../scaffold/policy.js";

export const policyCommand: CommandSpec = {
  name: "policy",
  summary: "Print the IAM policy the instance role needs (least privilege), or with --deployer what `eb deploy` needs for the ebextension's resources",
  usage: "eb-migrate policy [--deployer [--role NAME]] [--table T] [--mode local|ecs] [--json] [--region R] [--account ID] [--environment NAME] [--ecs-cluster C] [--ecs-task-definition F] [--ecs-image IMAGE] [--log-group G] [--pass-role ROLE,…] [--notify TARGETS]",
  options: {
    deployer: { type: "boolean" },
    role: { type: "string" },
    table: { type: "string" },
    mode: { type: "string" },
    json: { type: "boolean" },
    region: { type: "string" },
    account: { type: "string" },
    environment: { type: "string" },
    "ecs-cluster": { type: "string" },
    "ecs-task-definition": { type: "string" },
    "ecs-image": { type: "string" },
    "log-group": { type: "string" },
    "pass-role": { type: "string" },
    notify: { type: "string" },
  },
  flags: {
    deployer: "Print what the person or pipeline running `eb deploy` needs for the ebextension's Resources instead.",
    role: "With --deployer: the instance profile's role the ebextension attaches its policy to (init --role).",
    table: "The DynamoDB table to grant (default: EB_MIGRATE_TABLE or eb-migrate).",
    mode: "local or ecs: ecs adds RunTask, ListTasks, task, log and PassRole permissions (default: EB_MIGRATE_MODE or local).",
    json: "Print only the policy document (for aws iam put-role-policy).",
    region: "Narrow ARNs to this region (default: AWS_REGION, else *).",
    account: "Narrow ARNs to this account id (default: *).",
    environment: "Narrow the Elastic Beanstalk reads to this environment name (default: *).",
    "ecs-cluster": "ecs mode: narrow RunTask, ListTasks and the task actions to this cluster (default: EB_MIGRATE_ECS_CLUSTER).",
    "ecs-task-definition": "ecs mode: narrow RunTask to this task definition's family.",
    "ecs-image": "ecs mode: EB_MIGRATE_ECS_IMAGE's value; when given (default: EB_MIGRATE_ECS_IMAGE) the policy lets the leader register a revision per image.",
    "log-group": "ecs mode: narrow GetLogEvents to this log group.",
    "pass-role": "ecs mode: the task definition's task and execution roles (names or ARNs, comma-separated): iam:PassRole only for them (default: any role, passed only to ECS tasks).",
    notify: "EB_MIGRATE_NOTIFY's targets: their SNS topics get sns:Publish (default: EB_MIGRATE_NOTIFY).",
  },
  async run(ctx, args) {
    const str = (name: string) => (typeof args.values[name] === "string" ? (args.values[name] as string) : undefined);
    // Table, mode and task definition come from the same settings the runner uses.
    const settings = resolveSettings(ctx.env, { table: str("table"), mode: str("mode"), "ecs-cluster": str("ecs-cluster"), "ecs-task-definition": str("ecs-task-definition"), "ecs-image": str("ecs-image"), notify: str("notify") });
    const passRoles = parsePassRoles(str("pass-role"));
    const region = str("region") ?? envRegion(ctx.env);
    if (args.values.deployer === true) return deployer(ctx.stdout, { region, account: str("account"), role: str("role") }, args.values.json === true);
    const document = policyDocument({
      table: settings.table,
      mode: settings.mode,
      region,
      account: str("account"),
      environmentName: str("environment"),
      ecs: { cluster: settings.ecs.cluster, taskDefinition: settings.ecs.taskDefinition, logGroup: str("log-group"), passRoles, image: settings.ecs.image !== undefined },
      notify: settings.notify.targets,
    });
    const json = `${JSON.stringify(document, null, 2)}\n`;
    if (args.values.json === true) {
      ctx.stdout.write(json);
      return ExitCode.ok;
    }
    const used = policyGroups(settings.mode, settings.notify.targets, { image: settings.ecs.image !== undefined });
    const lines = [
      `IAM policy for the Elastic Beanstalk instance role (mode ${settings.mode}, table ${settings.table}).`,
      "",
      ...used.map((g) => `  ${g.sid}: ${g.why}`),
      "",
      json.trimEnd(),
      "",
      "Attach it, e.g.: eb-migrate policy --json > eb-migrate-policy.json &&",
      "  aws iam put-role-policy --role-name aws-elasticbeanstalk-ec2-role --policy-name eb-migrate --policy-document file://eb-migrate-policy.json",
      "A `*` stands for what was not given (--region, --account, --environment, --ecs-cluster, --ecs-task-definition, --log-group, --pass-role); give them to narrow it.",
    ];
    ctx.stdout.write(`${lines.join("\n")}\n`);
    return ExitCode.ok;
  },
};

function deployer(stdout: { write(chunk: string): unknown }, options: { region: string | undefined; account: string | undefined; role: string | undefined }, jsonOnly: boolean): number {
  const document = deployerPolicyDocument({
    ...(options.region ? { region: options.region } : {}),
    ...(options.account ? { account: options.account } : {}),
    ...(options.role ? { role: options.role } : {}),
  });
  const json = `${JSON.stringify(document, null, 2)}\n`;
  if (jsonOnly) {
    stdout.write(json);
    return ExitCode.ok;
  }
  const lines = [
    "IAM policy for whoever runs `eb deploy` (person or pipeline), on top of its Elastic Beanstalk permissions:",
    "the ebextension's Resources are created in the environment's CloudFormation stack with the deployer's credentials.",
    "",
    ...DEPLOYER_ACTIONS.map((g) => `  ${g.sid}: ${g.why}`),
    "",
    json.trimEnd(),
    "",
    "Not needed with `eb-migrate init --no-resources` (then create the table and attach `eb-migrate policy` yourself, once).",
    "A `*` stands for what was not given (--account, --region); --role names the instance profile's role.",
  ];
  stdout.write(`${lines.join("\n")}\n`);
  return ExitCode.ok;
}
