// What `run` prints: JSON lines with EB_MIGRATE_LOG_FORMAT=json, no colour codes when stderr is
// not a TTY, and no secret from the environment — neither in the output, the on-instance log
// file, nor the release record's output tail.
import { readFile } from "node:fs/promises";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, streamSink } from "../../src/cli/log.js";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startInstance } from "../support/fleet.js";
import { runCli } from "../support/cli.js";

const SECRET = "hunter2-secret";

describe("run's output", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ instances: 2, environmentProperties: { EB_MIGRATE_COMMAND: "/bin/echo migrated", EB_MIGRATE_LEASE_SECONDS: "3", DATABASE_PASSWORD: SECRET } });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const runOn = async (index: number, env: Record<string, string>) => {
    const instance = sandbox.state().instances[index]!;
    return await (await startInstance(instance, { cwd: instance.env.EB_MIGRATE_ROOT!, env })).done;
  };

  it("EB_MIGRATE_LOG_FORMAT=json gives one JSON object per line with elapsed time, instance and state", async () => {
    await sandbox.deploy();
    const run = await runOn(0, { EB_MIGRATE_LOG_FORMAT: "json" });
    expect(run.exitCode, run.output).toBe(0);
    const lines = run.output.trim().split("\n");
    expect(lines.length).toBeGreaterThan(2);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      expect(r).toMatchObject({ time: expect.any(String), elapsedMs: expect.any(Number), level: expect.stringMatching(/^(info|warn|error)$/), msg: expect.any(String) });
    }
    expect(records.filter((r) => r.instance === run.id).length).toBeGreaterThan(0);
    expect(records.map((r) => r.state)).toEqual(expect.arrayContaining(["start", "leader", "running", "succeeded"]));
    expect(records).toContainEqual(expect.objectContaining({ msg: "| migrated", role: "leader" }));
  });

  it("text lines carry elapsed time, instance and state, and no colour codes when stderr is not a TTY", async () => {
    await sandbox.deploy();
    // A failing command: warn and error lines are the ones that would be coloured.
    const run = await runOn(0, { EB_MIGRATE_COMMAND: "/bin/false" });
    expect(run.exitCode, run.output).toBe(1);
    expect(run.output).toMatch(new RegExp(`^eb-migrate \\+\\d+\\.\\ds ${run.id} leader: ERROR release failed: exit code 1`, "m"));
    expect(run.output).toMatch(/\(state=failed\)/);
    expect(run.output).not.toMatch(/\x1b\[/);
  });

  it("a secret environment property printed by the command is masked in the output, the log file and the release record", async () => {
    await sandbox.deploy();
    const command = `echo "connecting with password $DATABASE_PASSWORD"; echo "url postgres://app:$DATABASE_PASSWORD@db:5432/app"`;
    const run = await runOn(1, { EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: command });
    expect(run.exitCode, run.output).toBe(0);
    // The command really printed it (masked), so the test would see a leak.
    expect(run.output).toMatch(/connecting with password \*\*\*/);
    expect(run.output).toMatch(/postgres:\/\/app:\*\*\*@db:5432\/app/);
    expect(run.output).not.toContain(SECRET);
    const logFile = await readFile(join(sandbox.state().instances[1]!.env.EB_MIGRATE_ROOT!, "var/log/eb-migrate.log"), "utf8");
    expect(logFile).toMatch(/connecting with password \*\*\*/);
    expect(logFile).not.toContain(SECRET);
    const status = await runCli(["status", "--json", "--limit", "1"], sandbox.state().instances[1]!.env);
    expect(status.exitCode, status.stderr).toBe(0);
    const tail = (JSON.parse(status.stdout) as { releases: { outputTail: string[] }[] }).releases[0]!.outputTail;
    expect(tail).toContain("connecting with password ***");
    expect(JSON.stringify(tail)).not.toContain(SECRET);
  });
  it("a secret in the command line, a multi-line secret and DB_PASS / MYSQL_PWD values reach no log, record or status", async () => {
    await sandbox.deploy();
    const secrets = ["pass-value-1", "pwd-value-2", "key-line-one-aaaa", "key-line-two-bbbb", "literal-secret-3", "literal-pw-4"];
    const env = { DB_PASS: secrets[0]!, MYSQL_PWD: secrets[1]!, TLS_PRIVATE_KEY: `${secrets[2]}\n${secrets[3]}` };
    // Prints every secret, then fails, so the failure reason (with the command) is stored too.
    const command = `printf '%s\\n' "$TLS_PRIVATE_KEY"; echo "$DB_PASS $MYSQL_PWD"; echo --password literal-secret-3 postgres://u:literal-pw-4@h; exit 1`;
    const instance = sandbox.state().instances[1]!;
    const run = await (await startInstance(instance, { cwd: instance.env.EB_MIGRATE_ROOT!, env: { ...env, EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: command } })).done;
    expect(run.exitCode, run.output).toBe(1);
    // The command really ran and printed (masked): a leak would be seen.
    expect(run.output).toMatch(/running command: printf .* --password \*\*\* postgres:\/\/u:\*\*\*@h; exit 1/);
    expect(run.output).toMatch(/\| \*\*\* \*\*\*$/m);
    const state = sandbox.state();
    const ddb = new DynamoDBClient(sandboxClientConfig(state, state.endpoints.dynamodbUpstream));
    const items = JSON.stringify((await ddb.send(new ScanCommand({ TableName: "eb-migrate" }))).Items);
    ddb.destroy();
    expect(items).toMatch(/--password \*\*\*/);
    const logFile = await readFile(join(instance.env.EB_MIGRATE_ROOT!, "var/log/eb-migrate.log"), "utf8");
    const status = await runCli(["status", "--json", "--limit", "1"], instance.env);
    expect(status.exitCode, status.stderr).toBe(0);
    for (const where of [run.output, logFile, items, status.stdout]) for (const secret of secrets) expect(where).not.toContain(secret);
  });
});

describe("the text sink's colour rule", () => {
  const capture = (isTTY: boolean, env: NodeJS.ProcessEnv) => {
    let text = "";
    const log = createLogger({ sinks: [streamSink({ write: (c: string) => (text += c), isTTY }, "text", env)] });
    log.warn("lease not renewed");
    return text;
  };
  it("colours warnings on a TTY only, and never with NO_COLOR", () => {
    expect(capture(true, {})).toMatch(/\x1b\[33m/);
    expect(capture(false, {})).not.toMatch(/\x1b\[/);
    expect(capture(true, { NO_COLOR: "1" })).not.toMatch(/\x1b\[/);
  });
});
