import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  cloudFormationPolicyDocument,
  partitionOf,
  POLICY_ACTIONS,
  policyDocument,
  taskDefinitionFamily,
} from "../../src/scaffold/policy.js";
import { deployerPolicyDocument } from "../../src/scaffold/deployer-policy.js";
import { resourcesValue } from "../../src/scaffold/ebextension.js";
import { resolveSettings } from "../../src/config/settings.js";

const actionsOf = (doc: { Statement: { Action: string[] }[] }) => doc.Statement.flatMap((s) => s.Action).sort();

describe("policyDocument", () => {
  it("limits every DynamoDB action to the one table", () => {
    const doc = policyDocument({ table: "my-table", mode: "local", region: "eu-west-1", account: "123456789012" });
    const dynamo = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith("dynamodb:")));
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]!.Resource).toBe("arn:aws:dynamodb:eu-west-1:123456789012:table/my-table");
    expect(dynamo[0]!.Action.sort()).toEqual(
      ["dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"].sort(),
    );
  });

  it("grants local mode no ECS, logs or iam actions", () => {
    const actions = actionsOf(policyDocument({ table: "t", mode: "local" }));
    expect(actions.filter((a) => /^(ecs|logs|iam):/.test(a))).toEqual([]);
    expect(actions).toContain("autoscaling:DescribeAutoScalingInstances");
    expect(actions).toContain("ec2:DescribeInstances");
    expect(actions).toContain("elasticbeanstalk:DescribeConfigurationSettings");
    expect(actions.every((a) => !a.endsWith("*"))).toBe(true);
  });

  it("scopes the Elastic Beanstalk reads to the environment when it is named", () => {
    const doc = policyDocument({ table: "t", mode: "local", region: "us-east-1", account: "1", environmentName: "prod" });
    const eb = doc.Statement.find((s) => s.Action.includes("elasticbeanstalk:DescribeEnvironments"))!;
    expect(eb.Resource).toBe("arn:aws:elasticbeanstalk:us-east-1:1:environment/*/prod");
  });

  it("adds the ECS statements in ecs mode, each scoped as far as ECS allows", () => {
    const doc = policyDocument({
      table: "t",
      mode: "ecs",
      region: "eu-west-1",
      account: "1",
      ecs: { cluster: "arn:aws:ecs:eu-west-1:1:cluster/release", taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/migrate:12", logGroup: "/ecs/migrate", passRoles: ["migrate-task", "arn:aws:iam::1:role/ecs/exec"] },
    });
    const find = (action: string) => doc.Statement.find((s) => s.Action.includes(action))!;
    expect(find("ecs:RunTask")).toMatchObject({ Resource: "arn:aws:ecs:eu-west-1:1:task-definition/migrate:*", Condition: { ArnLike: { "ecs:cluster": "arn:aws:ecs:eu-west-1:1:cluster/release" } } });
    expect(find("ecs:DescribeTasks").Action.sort()).toEqual(["ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource"]);
    expect(find("ecs:DescribeTasks").Resource).toBe("arn:aws:ecs:eu-west-1:1:task/release/*");
    expect(find("ecs:ListTasks")).toMatchObject({ Resource: "*", Condition: { ArnLike: { "ecs:cluster": "arn:aws:ecs:eu-west-1:1:cluster/release" } } });
    expect(find("ecs:DescribeTaskDefinition").Resource).toBe("*");
    expect(find("logs:GetLogEvents").Resource).toBe("arn:aws:logs:eu-west-1:1:log-group:/ecs/migrate:log-stream:*");
    expect(find("iam:PassRole")).toMatchObject({ Resource: ["arn:aws:iam::1:role/migrate-task", "arn:aws:iam::1:role/ecs/exec"], Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } });
  });

  it("leaves what is not given as *: any cluster, any role (still only passed to ECS tasks)", () => {
    const doc = policyDocument({ table: "t", mode: "ecs" });
    const find = (action: string) => doc.Statement.find((s) => s.Action.includes(action))!;
    expect(find("ecs:ListTasks").Condition).toEqual({ ArnLike: { "ecs:cluster": "arn:aws:ecs:*:*:cluster/*" } });
    expect(find("ecs:StopTask").Resource).toBe("arn:aws:ecs:*:*:task/*/*");
    expect(find("iam:PassRole")).toMatchObject({ Resource: "arn:aws:iam::*:role/*", Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } });
  });

  it("lists every action of POLICY_ACTIONS in some mode, and nothing else", () => {
    const notify = [{ kind: "eb-topic" as const }];
    const all = new Set([...actionsOf(policyDocument({ table: "t", mode: "local", notify })), ...actionsOf(policyDocument({ table: "t", mode: "ecs", ecs: { image: true } }))]);
    expect([...all].sort()).toEqual([...new Set(POLICY_ACTIONS.flatMap((g) => [...g.actions]))].sort());
  });

  it("grants RegisterTaskDefinition (and its tag-on-create) only with EB_MIGRATE_ECS_IMAGE, in ecs mode", () => {
    const register = (doc: ReturnType<typeof policyDocument>) => doc.Statement.filter((s) => s.Action.includes("ecs:RegisterTaskDefinition") || s.Condition?.StringEquals?.["ecs:CreateAction"] === "RegisterTaskDefinition");
    expect(register(policyDocument({ table: "t", mode: "ecs" }))).toEqual([]);
    expect(register(policyDocument({ table: "t", mode: "local", ecs: { image: true } }))).toEqual([]);
    const doc = policyDocument({ table: "t", mode: "ecs", region: "eu-west-1", account: "1", ecs: { taskDefinition: "migrate", image: true } });
    const [registration, tagging] = register(doc);
    expect(registration).toMatchObject({ Action: ["ecs:RegisterTaskDefinition"], Resource: "*" });
    expect(registration!.Condition).toBeUndefined();
    expect(tagging).toMatchObject({ Action: ["ecs:TagResource"], Resource: "arn:aws:ecs:eu-west-1:1:task-definition/migrate:*", Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } } });
    // From the settings, as `eb-migrate policy` builds it.
    const settings = resolveSettings({ EB_MIGRATE_MODE: "ecs", EB_MIGRATE_ECS_IMAGE: "shop:{version_label}" });
    expect(actionsOf(policyDocument({ table: "t", mode: settings.mode, ecs: { image: settings.ecs.image !== undefined } }))).toContain("ecs:RegisterTaskDefinition");
  });

  it("uses the partition of the region", () => {
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
    expect(partitionOf("eu-central-1")).toBe("aws");
    expect(policyDocument({ table: "t", mode: "local", region: "cn-north-1" }).Statement[0]!.Resource).toMatch(/^arn:aws-cn:dynamodb:/);
  });
});

/**
 * The ECS, Logs and IAM actions the code really calls: every `new XCommand(` of the ECS and
 * CloudWatch Logs clients in the runtime sources (not the sandbox, the test beds, or doctor's
 * permission probes, which mirror the policy), plus iam:PassRole, which RunTask needs.
 */
function ecsActionsCalled(): string[] {
  const root = fileURLToPath(new URL("../../src/", import.meta.url));
  const skipped = /^(sandbox|chaos|demo|dev|bench)\/|^ops\/checks\/permissions\.ts$/;
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts") && !skipped.test(relative(root, join(root, f)).split("\\").join("/")));
  const called = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    for (const [client, prefix] of [["@aws-sdk/client-ecs", "ecs"], ["@aws-sdk/client-cloudwatch-logs", "logs"]] as const) {
      const imports = [...text.matchAll(new RegExp(`import \\{([^}]*)\\} from "${client}"`, "g"))].flatMap((m) => m[1]!.split(",").map((n) => n.trim().replace(/^type\s+/, "")));
      for (const name of imports.filter((n) => n.endsWith("Command"))) {
        if (new RegExp(`new ${name}\\(`).test(text)) called.add(`${prefix}:${name.slice(0, -"Command".length)}`);
      }
    }
  }
  if (called.has("ecs:RunTask")) called.add("iam:PassRole");
  return [...called].sort();
}

describe("the ecs-mode policy against the code", () => {
  it("grants exactly the ECS, Logs and IAM actions the code calls", () => {
    // One action may be in two groups (ecs:TagResource: the task after RunTask, and a revision on registration).
    const granted = new Set(POLICY_ACTIONS.filter((g) => g.mode === "ecs").flatMap((g) => g.actions.filter((a) => /^(ecs|logs|iam):/.test(a))));
    const called = ecsActionsCalled();
    expect(called).toContain("ecs:ListTasks");
    expect(called).toContain("ecs:TagResource");
    expect([...granted].sort()).toEqual(called);
  });
});

describe("sns:Publish for EB_MIGRATE_NOTIFY", () => {
  it("is granted only when SNS topics are named, scoped to exactly those topics", () => {
    const publish = (doc: ReturnType<typeof policyDocument>) => doc.Statement.find((s) => s.Action.includes("sns:Publish"));
    expect(publish(policyDocument({ table: "t", mode: "local" }))).toBeUndefined();
    const webhookOnly = resolveSettings({ EB_MIGRATE_NOTIFY: "https://hooks.example.com/services/T/B/x" }).notify.targets;
    expect(publish(policyDocument({ table: "t", mode: "local", notify: webhookOnly }))).toBeUndefined();
    const notify = resolveSettings({ EB_MIGRATE_NOTIFY: "arn:aws:sns:eu-west-1:123456789012:team,https://hooks.example.com/x,eb-topic" }).notify.targets;
    const doc = policyDocument({ table: "t", mode: "ecs", region: "eu-west-1", account: "123456789012", environmentName: "prod", notify });
    expect(publish(doc)!.Resource).toEqual(["arn:aws:sns:eu-west-1:123456789012:team", "arn:aws:sns:eu-west-1:123456789012:ElasticBeanstalkNotifications-Environment-prod"]);
    const cfn = cloudFormationPolicyDocument(notify).Statement.find((s) => s.Action.includes("sns:Publish"))!;
    expect(JSON.stringify(cfn.Resource)).toContain('"arn:aws:sns:eu-west-1:123456789012:team"');
    expect(JSON.stringify(cfn.Resource)).toContain('{"Ref":"AWSEBEnvironmentName"}');
    expect(cloudFormationPolicyDocument().Statement.some((s) => s.Action.includes("sns:Publish"))).toBe(false);
  });
});

describe("taskDefinitionFamily", () => {
  it.each([
    ["migrate", "migrate"],
    ["migrate:3", "migrate"],
    ["arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:3", "migrate"],
  ])("%s → %s", (input, family) => {
    expect(taskDefinitionFamily(input)).toBe(family);
  });
});

describe("cloudFormationPolicyDocument", () => {
  it("has exactly the local-mode actions, from the same table", () => {
    expect(actionsOf(cloudFormationPolicyDocument())).toEqual(actionsOf(policyDocument({ table: "t", mode: "local" })));
  });

  it("init --mode ecs: the ecs-mode actions, scoped like policyDocument with the stack's region and account", () => {
    const doc = cloudFormationPolicyDocument([], "ecs", { cluster: "release", taskDefinition: "migrate:3", passRoles: ["migrate-task"] });
    expect(actionsOf(doc)).toEqual(actionsOf(policyDocument({ table: "t", mode: "ecs" })));
    const find = (action: string) => doc.Statement.find((s) => s.Action.includes(action))!;
    const text = (v: unknown) => JSON.stringify(v);
    expect(text(find("ecs:RunTask").Resource)).toContain('"task-definition/migrate:*"');
    expect(text(find("ecs:RunTask").Condition)).toContain('"cluster/release"');
    expect(text(find("ecs:ListTasks").Condition)).toContain('{"Ref":"AWS::AccountId"}');
    expect(text(find("ecs:StopTask").Resource)).toContain('"task/release/*"');
    expect(text(find("iam:PassRole").Resource)).toContain('":role/migrate-task"');
  });

  it("points the table statement at the table resource and the EB reads at this environment", () => {
    const doc = cloudFormationPolicyDocument();
    const table = doc.Statement.find((s) => s.Action.includes("dynamodb:GetItem"))!;
    expect(table.Resource).toEqual({ "Fn::GetAtt": ["EbMigrateTable", "Arn"] });
    const eb = doc.Statement.find((s) => s.Action.includes("elasticbeanstalk:DescribeEnvironments"))!;
    expect(JSON.stringify(eb.Resource)).toContain('{"Ref":"AWSEBEnvironmentName"}');
  });
});

describe("deployerPolicyDocument (eb-migrate policy --deployer)", () => {
  it("covers what CloudFormation calls for the ebextension's table and managed policy, scoped to EB's stack names", () => {
    const doc = deployerPolicyDocument({ account: "123456789012", region: "eu-west-1" });
    const actions = actionsOf(doc);
    for (const a of ["dynamodb:CreateTable", "dynamodb:UpdateTimeToLive", "dynamodb:DeleteTable", "dynamodb:TagResource", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"]) {
      expect(actions).toContain(a);
    }
    const resources = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s.Resource]));
    expect(resources).toEqual({
      EbMigrateCreateTable: "arn:aws:dynamodb:eu-west-1:123456789012:table/awseb-e-*",
      EbMigrateCreateInstancePolicy: "arn:aws:iam::123456789012:policy/awseb-e-*",
      EbMigrateAttachInstancePolicy: "arn:aws:iam::123456789012:role/aws-elasticbeanstalk-ec2-role",
    });
    expect(actions.every((a) => !a.endsWith("*"))).toBe(true);
  });

  it("names the role init --role names", () => {
    const doc = deployerPolicyDocument({ role: "my-app-instance-role" });
    expect(doc.Statement.find((s) => s.Sid === "EbMigrateAttachInstancePolicy")!.Resource).toBe("arn:aws:iam::*:role/my-app-instance-role");
  });

  it("the resources it covers are exactly the ebextension's", () => {
    const types = Object.values(resourcesValue()).map((r) => (r as { Type: string }).Type).sort();
    expect(types).toEqual(["AWS::DynamoDB::Table", "AWS::IAM::ManagedPolicy"]);
  });
});
