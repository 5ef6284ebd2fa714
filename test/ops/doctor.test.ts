// `eb-migrate doctor` against the sandbox: all good, then one fault at a time (AccessDenied on
// one operation, a missing table, no manage.py, ecs settings), each failing with its fix.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { POLICY_ACTIONS } from "../../src/scaffold/policy.js";
import { PROBES } from "../../src/ops/checks/permissions.js";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { copyDjangoApp } from "../support/django.js";
import { runCli } from "../support/cli.js";

const PYTHON_WITHOUT_DJANGO = fileURLToPath(new URL("../fixtures/bin/python-without-django", import.meta.url));

describe("eb-migrate doctor", () => {
  let sandbox: Sandbox;
  let appDir: string;
  let env: Record<string, string>;
  const doctor = (args: string[] = [], extra: Record<string, string> = {}) => runCli(["doctor", ...args], { ...env, ...extra }, { cwd: appDir });

  beforeAll(async () => {
    sandbox = await startSandbox({ instances: 2, environmentProperties: { EB_MIGRATE_COMMAND: "/usr/bin/python3 manage.py migrate --noinput" } });
    env = sandbox.state().instances[0]!.env;
    // The app's settings only need a database URL to set up (nothing connects).
    env = { ...env, DATABASE_URL: "postgres://app@127.0.0.1:1/app" };
    appDir = await copyDjangoApp(await mkdtemp(join(tmpdir(), "eb-migrate-doctor-")));
  });
  afterEach(() => sandbox.clearFaults());
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("has a permission probe for every action of the policy", () => {
    const actions = POLICY_ACTIONS.flatMap((g) => g.actions);
    expect(actions.filter((a) => !(a in PROBES))).toEqual([]);
  });

  it("all good: every check passes and it exits 0", async () => {
    const out = await doctor();
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    // Node 20 works but is end of life: a warning, not a failure.
    expect(out.stdout).toMatch(Number(process.versions.node.split(".")[0]) < 22 ? /^WARN Node\.js: v[\d.]+ works but is end of life$/m : /^PASS Node\.js: /m);
    for (const name of ["identity", "table eb-migrate", "table TTL", "Auto Scaling", "command", "manage.py", "Django", "permissions EbMigrateLeaseTable", "permissions EbMigrateAutoScalingRead"]) {
      expect(out.stdout).toMatch(new RegExp(`^PASS ${name}:`, "m"));
    }
    expect(out.stdout).not.toMatch(/^FAIL/m);
    expect(out.stdout).toMatch(/a deploy would work/);
    // Not a TTY: words, not symbols or colour codes.
    expect(out.stdout).not.toMatch(/[✔✘]|\x1b\[/);
    // The probes wrote nothing: the table holds no doctor item.
    const dynamodb = new DynamoDBClient(sandboxClientConfig(sandbox.state(), sandbox.endpoints.dynamodbUpstream));
    const items = (await dynamodb.send(new ScanCommand({ TableName: "eb-migrate" }))).Items ?? [];
    dynamodb.destroy();
    expect(items.filter((i) => i.pk?.S?.startsWith("doctor#"))).toEqual([]);
  });

  it("reports other migrate runners in the deployed app, as init does", async () => {
    const staging = await mkdtemp(join(tmpdir(), "eb-migrate-doctor-staging-"));
    await writeFile(join(staging, "manage.py"), "# a Django project\n");
    await mkdir(join(staging, ".ebextensions"));
    await writeFile(join(staging, ".ebextensions", "django.config"), "container_commands:\n  01_migrate:\n    command: python manage.py migrate --noinput\n    leader_only: true\n");
    const out = await runCli(["doctor"], env, { cwd: staging });
    expect(out.stdout).toMatch(/^WARN other migrate runners: 1 in .*: \.ebextensions\/django\.config:3 container_commands "01_migrate" runs migrate \(leader_only: true\)$/m);
    expect(out.stdout).toMatch(/fix: remove the "01_migrate" entry from \.ebextensions\/django\.config/);
    const clean = await doctor();
    expect(clean.stdout).toMatch(/^PASS other migrate runners: none in /m);
  });

  it("a denied dynamodb:PutItem fails the lease-table permissions with the fix", async () => {
    sandbox.injectFault({ service: "dynamodb", operation: "PutItem", error: "AccessDeniedException" });
    const out = await doctor();
    expect(out.exitCode, out.stdout).toBe(1);
    expect(out.stdout).toMatch(/^FAIL permissions EbMigrateLeaseTable: denied: dynamodb:PutItem$/m);
    expect(out.stdout).toMatch(/fix: add dynamodb:PutItem to the instance profile's role \("eb-migrate policy" prints the whole policy\)/);
    expect(out.stdout).toMatch(/^PASS permissions EbMigrateAutoScalingRead/m);
    expect(out.stdout).toMatch(/1 check failed/);
  });

  it("a denied autoscaling:DescribeAutoScalingInstances fails Auto Scaling visibility and its permission", async () => {
    sandbox.injectFault({ service: "autoscaling", operation: "DescribeAutoScalingInstances", error: "AccessDenied" });
    const out = await doctor();
    expect(out.exitCode, out.stdout).toBe(1);
    expect(out.stdout).toMatch(/^FAIL Auto Scaling: DescribeAutoScalingInstances failed: AccessDenied/m);
    expect(out.stdout).toMatch(/^FAIL permissions EbMigrateAutoScalingRead: denied: autoscaling:DescribeAutoScalingInstances$/m);
    expect(out.stdout).toMatch(/^PASS permissions EbMigrateLeaseTable/m);
  });

  it("a permission only status and doctor use is a warning, not a failure", async () => {
    sandbox.injectFault({ service: "dynamodb", operation: "Scan", error: "AccessDeniedException" });
    const out = await doctor();
    expect(out.exitCode, out.stdout).toBe(0);
    expect(out.stdout).toMatch(/^WARN permissions EbMigrateLeaseTable: denied: dynamodb:Scan \(not needed by deploys/m);
  });

  it("a missing table fails with the command that creates it; item permissions are not tried", async () => {
    const out = await doctor([], { EB_MIGRATE_TABLE: "no-such-table" });
    expect(out.exitCode, out.stdout).toBe(1);
    expect(out.stdout).toMatch(/^FAIL table no-such-table: does not exist/m);
    expect(out.stdout).toMatch(/fix: .*aws dynamodb create-table --table-name no-such-table --attribute-definitions AttributeName=pk,AttributeType=S --key-schema AttributeName=pk,KeyType=HASH/);
    expect(out.stdout).toMatch(/^SKIP permissions EbMigrateLeaseTable: dynamodb:GetItem: the table does not exist/m);
  });

  it("a command whose manage.py is not in the app directory fails", async () => {
    const empty = await mkdtemp(join(tmpdir(), "eb-migrate-doctor-empty-"));
    const out = await doctor(["--dir", empty]);
    expect(out.exitCode, out.stdout).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`^FAIL manage.py: ${empty}/manage.py does not exist`, "m"));
  });

  it("Django: reports the version the release's Python sets up under the app's settings", async () => {
    const out = await doctor();
    expect(out.stdout).toMatch(/^PASS Django: \d+\.\d+(\.\d+)? \(\/usr\/bin\/python3 under project\.settings\)$/m);
  });

  it("Django: a Python that cannot import it fails with the import error", async () => {
    const out = await doctor([], { EB_MIGRATE_COMMAND: `${PYTHON_WITHOUT_DJANGO} manage.py migrate --noinput` });
    expect(out.exitCode, out.stdout).toBe(1);
    expect(out.stdout).toMatch(/^FAIL Django: .*python-without-django cannot set Django up under project\.settings: ModuleNotFoundError: No module named 'django'$/m);
    expect(out.stdout).toMatch(/fix: install the app's requirements into that Python/);
  });

  it("Django: settings that fail to load fail the check with their error", async () => {
    const out = await doctor([], { DATABASE_URL: "" });
    expect(out.exitCode, out.stdout).toBe(1);
    expect(out.stdout).toMatch(/^FAIL Django: \/usr\/bin\/python3 cannot set Django up under project\.settings: django\.core\.exceptions\.ImproperlyConfigured: set DATABASE_URL/m);
  });

  it("a bad setting is exit 2 before any check", async () => {
    const out = await doctor([], { EB_MIGRATE_LEASE_SECONDS: "1" });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/EB_MIGRATE_LEASE_SECONDS="1" is not valid/);
    expect(out.stdout).toBe("");
  });

  it("ecs mode: resolves the task definition and wants subnets for awsvpc; --json", async () => {
    const ecs = new ECSClient({ region: "us-east-1", endpoint: sandbox.endpoints.ecs, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    await ecs.send(new CreateClusterCommand({ clusterName: "release" }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "web",
        networkMode: "awsvpc",
        containerDefinitions: [{ name: "app", image: "example/app", essential: true, logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/web", "awslogs-stream-prefix": "ecs" } } }],
      }),
    );
    ecs.destroy();
    const ecsEnv = { EB_MIGRATE_MODE: "ecs", EB_MIGRATE_ECS_CLUSTER: "release", EB_MIGRATE_ECS_TASK_DEFINITION: "web" };
    const out = await doctor(["--json"], ecsEnv);
    expect(out.exitCode, out.stdout).toBe(1);
    const report = JSON.parse(out.stdout) as { ok: boolean; checks: { name: string; status: string; detail: string }[] };
    expect(report.ok).toBe(false);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName["ECS task definition"]).toMatchObject({ status: "pass", detail: expect.stringMatching(/container app, network mode awsvpc/) });
    expect(byName["ECS network"]).toMatchObject({ status: "fail", detail: expect.stringMatching(/EB_MIGRATE_ECS_SUBNETS is empty/) });
    // Only what a call without side effects proves is tried; the rest says why not.
    expect(byName["permissions EbMigrateRunTask"]).toMatchObject({ status: "skip", detail: expect.stringMatching(/ecs:RunTask: cannot be tried without starting a task/) });
    expect(byName["permissions EbMigrateWatchTask"]).toMatchObject({ status: "pass", detail: expect.stringMatching(/^2 of 3 allowed \(not tried: ecs:TagResource: cannot be tried without tagging a task/) });
    expect(byName["permissions EbMigrateFindTask"]).toMatchObject({ status: "pass", detail: "1 of 1 allowed" });
    expect(byName["permissions EbMigratePassTaskRoles"]).toMatchObject({ status: "skip" });
    expect(byName["permissions EbMigrateReadTaskDefinition"]).toMatchObject({ status: "pass" });
    expect(byName["permissions EbMigrateTaskLogEvents"]).toMatchObject({ status: "pass" });
    expect(byName["command"]).toBeUndefined();

    const fixed = await doctor([], { ...ecsEnv, EB_MIGRATE_ECS_SUBNETS: "subnet-0abc" });
    expect(fixed.exitCode, fixed.stdout).toBe(0);
    expect(fixed.stdout).toMatch(/^PASS ECS network: awsvpc: subnets subnet-0abc/m);

    sandbox.injectFault({ service: "ecs", operation: "ListTasks", error: "AccessDeniedException" });
    const denied = await doctor([], { ...ecsEnv, EB_MIGRATE_ECS_SUBNETS: "subnet-0abc" });
    expect(denied.exitCode, denied.stdout).toBe(1);
    expect(denied.stdout).toMatch(/^FAIL permissions EbMigrateFindTask: denied: ecs:ListTasks$/m);
    expect(denied.stdout).toMatch(/eb-migrate policy --mode ecs/);
  });
});
