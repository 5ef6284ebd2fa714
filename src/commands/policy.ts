// `eb-migrate policy`: prints the least-privilege IAM policy the instance role needs.
import type { CommandSpec } from "../cli/command.js";
import { ExitCode } from "../cli/errors.js";
import { resolveSettings } from "../config/settings.js";
import { policyDocument, policyGroups } from "../scaffold/policy.js";

export const policyCommand: CommandSpec = {
  name: "policy",
  summary: "Print the IAM policy the instance role needs (least privilege)",
  usage: "eb-migrate policy [--table T] [--mode local|ecs] [--json] [--region R] [--account ID] [--environment NAME] [--ecs-task-definition F] [--log-group G]",
  options: {
    table: { type: "string" },
    mode: { type: "string" },
    json: { type: "boolean" },
    region: { type: "string" },
    account: { type: "string" },
    environment: { type: "string" },
    "ecs-task-definition": { type: "string" },
    "log-group": { type: "string" },
  },
  async run(ctx, args) {
    const str = (name: string) => (typeof args.values[name] === "string" ? (args.values[name] as string) : undefined);
    // Table, mode and task definition come from the same settings the runner uses.
    const settings = resolveSettings(ctx.env, { table: str("table"), mode: str("mode"), "ecs-task-definition": str("ecs-task-definition") });
    const region = str("region") ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION;
    const document = policyDocument({
      table: settings.table,
      mode: settings.mode,
      region,
      account: str("account"),
      environmentName: str("environment"),
      ecs: { taskDefinition: settings.ecs.taskDefinition, logGroup: str("log-group") },
    });
    const json = `${JSON.stringify(document, null, 2)}\n`;
    if (args.values.json === true) {
      ctx.stdout.write(json);
      return ExitCode.ok;
    }
    const used = policyGroups(settings.mode);
    const lines = [
      `IAM policy for the Elastic Beanstalk instance role (mode ${settings.mode}, table ${settings.table}).`,
      "",
      ...used.map((g) => `  ${g.sid}: ${g.why}`),
      "",
      json.trimEnd(),
      "",
      "Attach it, e.g.: eb-migrate policy --json > eb-migrate-policy.json &&",
      "  aws iam put-role-policy --role-name aws-elasticbeanstalk-ec2-role --policy-name eb-migrate --policy-document file://eb-migrate-policy.json",
      "A `*` stands for what was not given (--region, --account, --environment, --ecs-task-definition, --log-group); give them to narrow it.",
    ];
    ctx.stdout.write(`${lines.join("\n")}\n`);
    return ExitCode.ok;
  },
};
