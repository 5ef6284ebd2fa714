// Operators read the table the environment's instances use: from get-config on an instance
// (an `eb ssh` shell has no EB_MIGRATE_TABLE), from DescribeConfigurationSettings with --env;
// a missing table and missing or expired credentials are exit 2 with one line.
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET_CONFIG } from "../../src/instance/eb-files.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startInstance } from "../support/fleet.js";
import { laptopEnv, runCli } from "../support/cli.js";

/** The name CloudFormation gives the ebextension's table: never the default "eb-migrate". */
const TABLE = "awseb-e-abc123-stack-EbMigrateTable-1Q2W3E4R5T6Y";

/** EB's get-config as on an instance: `get-config environment` prints the properties as JSON. */
async function writeGetConfig(root: string, properties: Record<string, string>): Promise<void> {
  const path = join(root, GET_CONFIG);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `#!/bin/sh\n[ "$1" = environment ] || exit 1\necho '${JSON.stringify(properties)}'\n`);
  await chmod(path, 0o755);
}

/** An `eb ssh` shell: the instance, but none of the environment properties exported. */
function sshShell(instanceEnv: Record<string, string>): Record<string, string> {
  const env = { ...instanceEnv };
  for (const key of Object.keys(env)) if (key.startsWith("EB_MIGRATE_") && key !== "EB_MIGRATE_ROOT") delete env[key];
  return env;
}

describe("which table status reads", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ instances: 1, environmentProperties: { EB_MIGRATE_TABLE: TABLE, EB_MIGRATE_COMMAND: "/bin/echo migrated" } });
    const instance = sandbox.state().instances[0]!;
    const run = await (await startInstance(instance, { cwd: instance.env.EB_MIGRATE_ROOT! })).done;
    expect(run.exitCode, run.output).toBe(0);
  }, 60_000);
  afterEach(() => sandbox.clearFaults());
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("on an instance: the table named in the environment properties (get-config)", async () => {
    const instance = sandbox.state().instances[0]!;
    await writeGetConfig(instance.env.EB_MIGRATE_ROOT!, sandbox.state().environment.properties);
    const out = await runCli(["status"], sshShell(instance.env));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toContain(`table ${TABLE} (name from the environment properties (get-config))`);
    expect(out.stdout).toMatch(/succeeded/);
  });

  it("on an instance without get-config: the default table, said so, and its absence is an error", async () => {
    const instance = sandbox.state().instances[0]!;
    const root = await mkdtemp(join(tmpdir(), "eb-migrate-noconfig-"));
    const out = await runCli(["status"], { ...sshShell(instance.env), EB_MIGRATE_ROOT: root });
    // The instance's deployment files are not under this root either: identity comes from tags.
    expect(out.exitCode).toBe(2);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toMatch(/table "eb-migrate" \(name from the default \(no .*get-config\)\) does not exist in us-east-1; .*aws dynamodb create-table --table-name eb-migrate /);
    expect(out.stdout).not.toMatch(/No releases/);
  });

  it("from a laptop with --env: the table in the environment's configuration (DescribeConfigurationSettings)", async () => {
    const out = await runCli(["status", "--env", sandbox.state().environment.name, "--json"], laptopEnv(sandbox.state().instances[0]!.env));
    expect(out.exitCode, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout) as { table: string; tableSource: string; total: number };
    expect(doc).toMatchObject({ table: TABLE, total: 1 });
    expect(doc.tableSource).toMatch(/configuration \(DescribeConfigurationSettings\)$/);
  });

  it("--table wins, and a table that does not exist is exit 2, never \"no releases\"", async () => {
    const out = await runCli(["status", "--env", sandbox.state().environment.name, "--table", "gone-table"], laptopEnv(sandbox.state().instances[0]!.env));
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/^eb-migrate status: DynamoDB table "gone-table" \(name from --table\) does not exist in us-east-1/);
    expect(out.stdout).toBe("");
  });

  it("doctor in an eb ssh shell checks the table named by get-config", async () => {
    const instance = sandbox.state().instances[0]!;
    await writeGetConfig(instance.env.EB_MIGRATE_ROOT!, sandbox.state().environment.properties);
    const out = await runCli(["doctor"], sshShell(instance.env), { cwd: instance.env.EB_MIGRATE_ROOT! });
    expect(out.stdout).toContain(`table ${TABLE} (name from the environment properties (get-config))`);
    expect(out.stdout).toMatch(new RegExp(`^PASS table ${TABLE}: ACTIVE`, "m"));
  });

  it("doctor --env from a laptop checks the environment's table and skips instance checks", async () => {
    const out = await runCli(["doctor", "--env", sandbox.state().environment.name], laptopEnv(sandbox.state().instances[0]!.env));
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toMatch(/configuration \(DescribeConfigurationSettings\)\)$/m);
    expect(out.stdout).toMatch(new RegExp(`^PASS table ${TABLE}: ACTIVE`, "m"));
    expect(out.stdout).toMatch(/^SKIP identity: checking environment /m);
  });

  it("doctor off an instance says so and offers --env (exit 2)", async () => {
    const out = await runCli(["doctor"], laptopEnv(sandbox.state().instances[0]!.env));
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/^eb-migrate doctor: not on an Elastic Beanstalk instance \(no \/opt\/elasticbeanstalk\); .*eb-migrate doctor --env NAME\n$/);
    expect(out.stdout).toBe("");
  });

  it("no credentials: one line saying so and how to fix it (exit 2)", async () => {
    const env = laptopEnv(sandbox.state().instances[0]!.env);
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    delete env.AWS_SESSION_TOKEN;
    // Nothing else in the SDK's provider chain may answer: no ~/.aws, no instance metadata.
    const home = await mkdtemp(join(tmpdir(), "eb-migrate-home-"));
    const out = await runCli(["status", "--env", sandbox.state().environment.name], { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: "true" });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toBe("eb-migrate status: no AWS credentials found; configure them (aws configure, aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID) and run again\n");
  });

  it("expired credentials: one line saying so (exit 2)", async () => {
    sandbox.injectFault({ service: "elasticbeanstalk", operation: "DescribeEnvironments", error: "ExpiredToken", message: "The security token included in the request is expired" });
    const out = await runCli(["status", "--env", sandbox.state().environment.name], laptopEnv(sandbox.state().instances[0]!.env));
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toBe("eb-migrate status: your AWS credentials have expired (ExpiredToken); refresh them (aws sso login, or new session credentials) and run again\n");
  });
});
