// The early skip (src/early/): `run` for a deployment already released answers before the AWS
// SDK is compiled, with exactly what the full path says; anything else goes to the full path
// with nothing written twice. The built bundle against the sandbox, one instance process each.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialSource } from "../../src/early/credentials.js";
import { dynamodbEndpoint } from "../../src/early/dynamodb.js";
import { LOG_FILE } from "../../src/release/run-log.js";
import { startSandbox, type Sandbox, type SandboxInstanceEntry } from "../../src/sandbox/index.js";
import { BUNDLE, startInstance, type InstanceRun } from "../support/fleet.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ instances: 2, environmentProperties: { EB_MIGRATE_COMMAND: "true" } });
});
afterAll(async () => sandbox?.stop());

const cwd = (i: SandboxInstanceEntry) => `${i.env.EB_MIGRATE_ROOT}/var/app/staging`;
const run = async (i: SandboxInstanceEntry, env: Record<string, string> = {}, args?: string[]): Promise<InstanceRun> =>
  await (await startInstance(i, { cwd: cwd(i), env: { EB_MIGRATE_LOG_FORMAT: "json", ...env }, ...(args ? { args } : {}) })).done;
/** The log records of a run as the log file has them, without their times. */
const logFileRecords = (i: SandboxInstanceEntry, from: number) =>
  readFileSync(join(i.env.EB_MIGRATE_ROOT!, LOG_FILE), "utf8")
    .split("\n")
    .slice(from)
    .filter((l) => l !== "")
    .map((l) => {
      const { time: _time, elapsedMs: _elapsed, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
const logFileLength = (i: SandboxInstanceEntry) => {
  try {
    return readFileSync(join(i.env.EB_MIGRATE_ROOT!, LOG_FILE), "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
};
const withoutTimes = (r: InstanceRun) => r.lines.map(({ time: _t, elapsedMs: _e, seenAt: _s, ...rest }) => rest);

describe("the early skip", () => {
  let leader: SandboxInstanceEntry;
  let other: SandboxInstanceEntry;
  beforeAll(async () => {
    [leader, other] = sandbox.state().instances as [SandboxInstanceEntry, SandboxInstanceEntry];
    const first = await run(leader);
    expect(first.exitCode, first.output).toBe(0);
    expect(first.stats?.role).toBe("leader");
    // Not the early skip: the release was not done. Its one read is counted with the full path's.
    expect(first.stats?.early).toBeUndefined();
    expect(first.lines.filter((l) => l.state === "start")).toHaveLength(1);
  });

  it("says exactly what the full path says, on stderr and in the log file, after one read and without the SDK", async () => {
    const before = logFileLength(other);
    const early = await run(other);
    const middle = logFileLength(other);
    const full = await run(other, { EB_MIGRATE_EARLY_SKIP: "false" });
    expect(early.exitCode, early.output).toBe(0);
    expect(full.exitCode, full.output).toBe(0);
    expect(early.stats).toMatchObject({ role: "skipped", leader: leader.id, calls: { "DynamoDB.GetItem": 1 }, early: true });
    expect(full.stats).toMatchObject({ role: "skipped", leader: leader.id, calls: { "DynamoDB.GetItem": 1 } });
    expect(full.stats?.early).toBeUndefined();
    expect(withoutTimes(early)).toEqual(withoutTimes(full));
    expect(withoutTimes(early).map((l) => l.state).filter((s) => s !== undefined)).toEqual(["start", "skipped"]);
    expect(logFileRecords(other, before).slice(0, middle - before)).toEqual(logFileRecords(other, middle));
    expect(early.text).toBe("");
  });

  it("never compiles the rest of the bundle (the SDK); the full path does", async () => {
    // A preload that notes every module compiled under the bundle's name.
    const dir = mkdtempSync(join(tmpdir(), "ebm-compiles-"));
    const preload = join(dir, "preload.cjs");
    const log = join(dir, "compiled");
    writeFileSync(
      preload,
      `const M = require("node:module"), fs = require("node:fs"), original = M.prototype._compile;
M.prototype._compile = function (content, filename) { fs.appendFileSync(${JSON.stringify(log)}, filename + " " + content.length + "\\n"); return original.call(this, content, filename); };`,
    );
    const compiled = () => readFileSync(log, "utf8").split("\n").filter((l) => l.startsWith(`${BUNDLE} `)).map((l) => Number(l.split(" ")[1]));
    writeFileSync(log, "");
    expect((await run(other, { NODE_OPTIONS: `--require ${preload}` })).stats?.early).toBe(true);
    // Node compiles the file itself; nothing the size of the rest (the SDK's clients) after it.
    expect(compiled()).toHaveLength(1);
    writeFileSync(log, "");
    expect((await run(other, { NODE_OPTIONS: `--require ${preload}`, EB_MIGRATE_EARLY_SKIP: "false" })).stats?.role).toBe("skipped");
    const full = compiled();
    expect(full).toHaveLength(2);
    expect(full[1]).toBeGreaterThan(400_000);
  });

  it("uses the instance profile's credentials from IMDS when the environment has no keys", async () => {
    const env = { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", HOME: mkdtempSync(join(tmpdir(), "ebm-home-")) };
    const result = await run(other, env);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stats).toMatchObject({ role: "skipped", early: true });
  });

  it.each([
    ["AWS_PROFILE is set (the SDK reads the profile)", { AWS_PROFILE: "default" }],
    ["keys in ~/.aws/credentials and none in the environment", "credentials-file"],
    ["EB_MIGRATE_EARLY_SKIP=false", { EB_MIGRATE_EARLY_SKIP: "false" }],
  ] as const)("leaves it to the full path when %s", async (_what, setUp) => {
    let env: Record<string, string>;
    if (setUp === "credentials-file") {
      const home = mkdtempSync(join(tmpdir(), "ebm-home-"));
      mkdirSync(join(home, ".aws"));
      writeFileSync(join(home, ".aws", "credentials"), `[default]\naws_access_key_id = ${other.env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${other.env.AWS_SECRET_ACCESS_KEY}\n`);
      env = { HOME: home, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" };
    } else env = { ...setUp };
    const before = logFileLength(other);
    const result = await run(other, env);
    // The full path decides (its own answer, right or wrong for this set-up), and says it once.
    expect(result.stats?.early, result.output).toBeUndefined();
    expect(logFileRecords(other, before).filter((r) => r.state === "start")).toHaveLength(1);
  });

  it("a flag other than --stats-file goes to the full path", async () => {
    const result = await run(other, {}, ["--lease-seconds", "30"]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stats).toMatchObject({ role: "skipped" });
    expect(result.stats?.early).toBeUndefined();
  });

  it("a DynamoDB that answers after the early skip's budget: the full path asks again and skips", async () => {
    const fault = sandbox.injectFault({ service: "dynamodb", operation: "GetItem", latencyMs: 2500, count: 1, instance: other.id });
    const result = await run(other);
    sandbox.clearFaults();
    expect(fault).toBeDefined();
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stats?.role).toBe("skipped");
    expect(result.stats?.early).toBeUndefined();
    // Both reads are counted: the early one that timed out, and the full path's.
    expect(result.stats?.calls).toEqual({ "DynamoDB.GetItem": 2 });
    expect(withoutTimes(result).filter((l) => l.state === "start")).toHaveLength(1);
  });

  it("a failed release: the full path's exit 1 with the leader's lines, once", async () => {
    await sandbox.deploy();
    const failing = await run(leader, { EB_MIGRATE_COMMAND: "false" });
    expect(failing.exitCode).toBe(1);
    const result = await run(other);
    expect(result.exitCode).toBe(1);
    expect(result.stats?.early).toBeUndefined();
    expect(withoutTimes(result).filter((l) => l.state === "start")).toHaveLength(1);
    expect(result.output).toMatch(/failed on i-/);
  });
});

describe("what the early skip leaves to the SDK (the SDK's own rules decide there)", () => {
  const noFiles = mkdtempSync(join(tmpdir(), "ebm-home-"));
  it("credentials: the environment's keys, else IMDS only when no other source of the default chain is set up", () => {
    expect(credentialSource({ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" }, noFiles)).toEqual({ kind: "env", credentials: { accessKeyId: "AKIA", secretAccessKey: "s", sessionToken: "t" } });
    expect(credentialSource({}, noFiles)).toEqual({ kind: "imds" });
    for (const name of ["AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED"]) {
      expect(credentialSource({ [name]: "x" }, noFiles), name).toBeUndefined();
    }
    // AWS_PROFILE wins over the environment's keys in the SDK's chain.
    expect(credentialSource({ AWS_PROFILE: "p", AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" }, noFiles)).toBeUndefined();
  });

  it("endpoints: the configured one, else the standard partition's regional endpoint; FIPS, dual-stack and other partitions are the SDK's", () => {
    expect(dynamodbEndpoint({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000" }, "us-east-1")?.href).toBe("http://127.0.0.1:8000/");
    expect(dynamodbEndpoint({ AWS_ENDPOINT_URL: "http://127.0.0.1:9000" }, "us-east-1")?.href).toBe("http://127.0.0.1:9000/");
    expect(dynamodbEndpoint({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }, "eu-west-1")?.href).toBe("https://dynamodb.eu-west-1.amazonaws.com/");
    expect(dynamodbEndpoint({}, "ap-southeast-2")?.href).toBe("https://dynamodb.ap-southeast-2.amazonaws.com/");
    for (const [env, region] of [[{ AWS_USE_FIPS_ENDPOINT: "true" }, "us-east-1"], [{ AWS_USE_DUALSTACK_ENDPOINT: "true" }, "us-east-1"], [{}, "cn-north-1"], [{}, "us-gov-west-1"], [{}, "us-iso-east-1"]] as const) {
      expect(dynamodbEndpoint(env, region), `${JSON.stringify(env)} ${region}`).toBeUndefined();
    }
  });
});
