// `eb-migrate sandbox` as users run it (the built dev bundle): the state file appears, a
// separate process given only an instance's env talks to every stand-in through the SDK's
// standard variables (no endpoint in code), and SIGTERM stops it with exit 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { SandboxState } from "../../src/sandbox/index.js";

const repo = resolve(import.meta.dirname, "../..");
const devBundle = join(repo, "dist/eb-migrate-dev.cjs");

let child: ChildProcess;
let stateFile: string;
let stdout = "";
let exited: Promise<number | null>;

beforeAll(async () => {
  if (!existsSync(devBundle)) throw new Error(`${devBundle} is missing: run "npm run build" first`);
  const dir = await mkdtemp(join(tmpdir(), "sandbox-cli-test-"));
  stateFile = join(dir, "state.json");
  child = spawn(process.execPath, [devBundle, "sandbox", "--state-file", stateFile, "--instances", "2", "--base-dir", join(dir, "base")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.resume();
  exited = new Promise((r) => child.on("exit", (code) => r(code)));
  const deadline = Date.now() + 20_000;
  while (!existsSync(stateFile)) {
    if (Date.now() > deadline) throw new Error(`no state file after 20 s; stdout: ${stdout}`);
    await new Promise((r) => setTimeout(r, 20));
  }
});
afterAll(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
});

/** Runs a Node script in a fresh process whose environment is only PATH plus `env`. */
function runAs(env: Record<string, string>, script: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("exit", (code) => done({ code, out, err }));
  });
}

const SCRIPT = `
import { AutoScalingClient, DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import { EC2Client, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { ElasticBeanstalkClient, DescribeEnvironmentsCommand } from "@aws-sdk/client-elastic-beanstalk";
import { DynamoDBClient, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { ECSClient, DescribeTasksCommand } from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
const settle = (p) => p.then((v) => ({ ok: v }), (e) => ({ error: e.name, status: e.$metadata?.httpStatusCode }));
const result = {
  instanceId: await new MetadataService().request("/latest/meta-data/instance-id", {}),
  autoScaling: await settle(new AutoScalingClient({}).send(new DescribeAutoScalingInstancesCommand({})).then((o) => o.AutoScalingInstances.map((i) => i.InstanceId))),
  ec2: await settle(new EC2Client({}).send(new DescribeInstancesCommand({})).then((o) => o.Reservations.length)),
  elasticBeanstalk: await settle(new ElasticBeanstalkClient({}).send(new DescribeEnvironmentsCommand({})).then((o) => o.Environments.map((e) => e.EnvironmentId))),
  dynamodb: await settle(new DynamoDBClient({}).send(new DescribeTableCommand({ TableName: process.env.EB_MIGRATE_TABLE ?? "eb-migrate" })).then((o) => o.Table.TableStatus)),
  // The ECS stand-in itself answers (a cluster that does not exist), proving the routing.
  ecs: await settle(new ECSClient({}).send(new DescribeTasksCommand({ cluster: "no-such-cluster", tasks: ["t"] }))),
  logs: await settle(new CloudWatchLogsClient({}).send(new CreateLogGroupCommand({ logGroupName: "/sandbox/" + Math.random() })).then(() => true)),
};
console.log(JSON.stringify(result));
`;

describe("eb-migrate sandbox", () => {
  it("prints the admin URL and writes the state file", async () => {
    const state = JSON.parse(await readFile(stateFile, "utf8")) as SandboxState;
    expect(state.instances).toHaveLength(2);
    expect(stdout).toContain(state.adminUrl);
    const response = await fetch(`${state.adminUrl}/state`);
    expect(response.status).toBe(200);
  });

  it("lets a process with only an instance's env act as that instance against every service", async () => {
    const state = JSON.parse(await readFile(stateFile, "utf8")) as SandboxState;
    for (const entry of state.instances) {
      const { code, out, err } = await runAs(entry.env, SCRIPT);
      expect(err).toBe("");
      expect(code).toBe(0);
      const result = JSON.parse(out) as Record<string, unknown>;
      expect(result).toEqual({
        instanceId: entry.id,
        autoScaling: { ok: expect.arrayContaining(state.instances.map((i) => i.id)) },
        ec2: { ok: 2 },
        elasticBeanstalk: { ok: [state.environment.id] },
        dynamodb: { ok: "ACTIVE" },
        ecs: { error: "ClusterNotFoundException", status: 400 },
        logs: { ok: true },
      });
    }
  });

  it("stops on SIGTERM with exit 0 and removes its state file", async () => {
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
  });
});
