// Settings are checked before anything happens: one line naming the setting, the value and
// what is allowed; exit 2; nothing written, nothing run.
import { spawnSync } from "node:child_process";
import { ScanCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import { envRegion, instanceRoot } from "../../src/config/environment.js";
import { DEFAULT_COMMAND, parseWholeNumber, releaseCommand, releaseRedactor, resolveSettings, SETTINGS, splitCommand, wholeNumberFlag } from "../../src/config/settings.js";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { BUNDLE } from "../support/fleet.js";

describe("resolveSettings", () => {
  it("has defaults for everything a local deploy needs", () => {
    const s = resolveSettings({});
    expect(s).toMatchObject({ mode: "local", table: "eb-migrate", leaseSeconds: 30, waitTimeoutSeconds: 540, fallback: "oldest-instance", disabled: false, dbLock: "auto", dbAlias: "default" });
    expect(s.command).toEqual({ argv: ["python", "manage.py", "migrate", "--noinput"], text: DEFAULT_COMMAND, redactedText: DEFAULT_COMMAND, shell: false });
  });

  it("takes a flag over the environment property", () => {
    expect(resolveSettings({ EB_MIGRATE_LEASE_SECONDS: "20" }, { "lease-seconds": "40", "wait-timeout-seconds": "100" }).leaseSeconds).toBe(40);
  });

  it.each([
    [{ EB_MIGRATE_MODE: "k8s" }, /^EB_MIGRATE_MODE="k8s" is not valid: expected local or ecs$/],
    [{ EB_MIGRATE_LEASE_SECONDS: "ten" }, /^EB_MIGRATE_LEASE_SECONDS="ten" is not valid: expected a whole number from 3 to 3600$/],
    [{ EB_MIGRATE_LEASE_SECONDS: "1" }, /EB_MIGRATE_LEASE_SECONDS="1" is not valid/],
    [{ EB_MIGRATE_FALLBACK: "maybe" }, /EB_MIGRATE_FALLBACK="maybe" is not valid: expected oldest-instance or off/],
    [{ EB_MIGRATE_DISABLED: "perhaps" }, /EB_MIGRATE_DISABLED="perhaps" is not valid: expected true or false/],
    [{ EB_MIGRATE_TABLE: "a b" }, /EB_MIGRATE_TABLE="a b" is not valid/],
    [{ EB_MIGRATE_ECS_SUBNETS: "subnet-1,vpc-2" }, /"vpc-2" does not look right/],
    [{ EB_MIGRATE_LEASE_SECONDS: "60", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "60" }, /WAIT_TIMEOUT_SECONDS=60 must be greater than EB_MIGRATE_LEASE_SECONDS=60/],
    [{ EB_MIGRATE_LEASE_SECOND: "10" }, /EB_MIGRATE_LEASE_SECOND is not an eb-migrate setting \(did you mean EB_MIGRATE_LEASE_SECONDS\?\)/],
    [{ EB_MIGRATE_COMMAND: "python manage.py migrate && echo done" }, /uses shell syntax \(&&\); set EB_MIGRATE_SHELL=true/],
    [{ EB_MIGRATE_DB_LOCK: "always" }, /^EB_MIGRATE_DB_LOCK="always" is not valid: expected auto, on or off$/],
    [{ EB_MIGRATE_DB_ALIAS: "my alias" }, /^EB_MIGRATE_DB_ALIAS="my alias" is not valid: expected a key of Django's DATABASES$/],
    [{ EB_MIGRATE_ECS_LAUNCH_TYPE: "FARGATE", EB_MIGRATE_ECS_CAPACITY_PROVIDER_STRATEGY: "FARGATE_SPOT:1" }, /exclude each other/],
  ])("%j is refused", (env, message) => {
    let error: unknown;
    try {
      resolveSettings(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).not.toContain("\n");
  });

  it("refuses an unterminated quote, naming its position (shell-quote would accept it)", () => {
    expect(() => resolveSettings({ EB_MIGRATE_COMMAND: "echo 'abc" })).toThrow(/^EB_MIGRATE_COMMAND="echo 'abc" has a single quote \(\'\) at character 6 that is never closed/);
    expect(() => resolveSettings({ EB_MIGRATE_COMMAND: `python manage.py migrate --database "other` })).toThrow(/double quote \("\) at character 37 that is never closed/);
    expect(() => resolveSettings({ EB_MIGRATE_COMMAND: "echo abc\\" })).toThrow(/ends with a backslash \(character 9\)/);
    // Quotes inside the other kind, and escaped ones, are balanced.
    expect(splitCommand(`echo "it's" 'say "hi"' don\\'t "a \\" b"`)).toEqual(["echo", "it's", 'say "hi"', "don't", 'a " b']);
  });

  it("cuts a 100 KB value in the message, and masks secrets in the command it quotes", () => {
    const huge = "x".repeat(100_000);
    for (const env of [{ EB_MIGRATE_MODE: huge }, { EB_MIGRATE_COMMAND: `python ${huge} && true` }, { EB_MIGRATE_COMMAND: `echo '${huge}` }]) {
      let message = "";
      try {
        resolveSettings(env);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/…\[truncated \d+ bytes\]/);
      expect(message.length).toBeLessThan(600);
    }
    expect(() => resolveSettings({ DB_PASSWORD: "hunter2-secret", EB_MIGRATE_COMMAND: "migrate --password hunter2-secret postgres://u:pw1@h && x" })).toThrow(
      /^EB_MIGRATE_COMMAND="migrate --password \*\*\* postgres:\/\/u:\*\*\*@h && x" uses shell syntax/,
    );
  });

  it("keeps the command's secrets out of the text it logs and stores", () => {
    const s = resolveSettings({ DB_PASSWORD: "hunter2-secret", EB_MIGRATE_COMMAND: "python manage.py migrate --password hunter2-secret" });
    expect(s.command.argv).toContain("hunter2-secret");
    expect(s.command.text).toContain("hunter2-secret");
    expect(s.command.redactedText).toBe("python manage.py migrate --password ***");
    expect(resolveSettings({ EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: `DB_PASS=abcd1234 python -c "${"y".repeat(5000)}"` }).command.redactedText).toMatch(/^DB_PASS=\*\*\* python .*…\[truncated \d+ bytes\]$/);
  });

  it("names the flag when the bad value came from a flag", () => {
    expect(() => resolveSettings({}, { mode: "x" })).toThrow(/^--mode="x" is not valid/);
  });

  it("splits a command like a shell, without running one", () => {
    expect(splitCommand(`python manage.py migrate --database "other db"`)).toEqual(["python", "manage.py", "migrate", "--database", "other db"]);
    expect(splitCommand("echo $HOME")).toEqual(["echo", "$HOME"]);
    expect(resolveSettings({ EB_MIGRATE_SHELL: "true", EB_MIGRATE_COMMAND: "a && b" }).command).toEqual({ argv: ["/bin/sh", "-c", "a && b"], text: "a && b", redactedText: "a && b", shell: true });
  });

  it("shapes the release command once: argv, text and the masked text, also for a shell line", () => {
    const env = { DB_PASSWORD: "hunter2-secret" };
    expect(releaseCommand("python manage.py migrate --password hunter2-secret", false, env)).toEqual({
      argv: ["python", "manage.py", "migrate", "--password", "hunter2-secret"],
      text: "python manage.py migrate --password hunter2-secret",
      redactedText: "python manage.py migrate --password ***",
      shell: false,
    });
    expect(releaseCommand("echo hunter2-secret | tee x", true, env)).toEqual({ argv: ["/bin/sh", "-c", "echo hunter2-secret | tee x"], text: "echo hunter2-secret | tee x", redactedText: "echo *** | tee x", shell: true });
    let error: unknown;
    try {
      releaseCommand("echo 'abc", false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toBe(`EB_MIGRATE_COMMAND="echo 'abc" has a single quote (') at character 6 that is never closed; close it, or escape it with a backslash`);
    // A shell line is the shell's to parse: an open quote there is not refused.
    expect(releaseCommand("echo 'abc", true).argv).toEqual(["/bin/sh", "-c", "echo 'abc"]);
  });

  it("the release's redactor masks the env's secrets, those in the command and the webhook URLs", () => {
    const settings = resolveSettings({ EB_MIGRATE_COMMAND: "migrate --api-key=k-12345", EB_MIGRATE_NOTIFY: "https://hooks.slack.com/services/T0/B0/abcdef" });
    const redact = releaseRedactor({ DB_PASSWORD: "hunter2-secret" }, settings);
    expect(redact("hunter2-secret k-12345 https://hooks.slack.com/services/T0/B0/abcdef visible")).toBe("*** *** *** visible");
  });

  it("every setting has a flag, a description and what is allowed", () => {
    for (const s of SETTINGS) {
      expect(s.flag).toMatch(/^[a-z-]+$/);
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.allowed.length).toBeGreaterThan(2);
    }
  });
});

describe("eb-migrate run with a bad setting", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ instances: 1 });
  });
  afterAll(async () => sandbox?.stop());

  it.each([
    [{ EB_MIGRATE_MODE: "k8s" }, [] as string[]],
    [{}, ["--lease-seconds", "abc"]],
    [{ EB_MIGRATE_WAIT_TIMEOUT_SECOND: "100" }, [] as string[]],
  ])("%j %j → exit 2, one line, nothing written, nothing run", (env, args) => {
    const instance = sandbox.state().instances[0]!;
    const result = spawnSync(process.execPath, [BUNDLE, "run", ...args], {
      env: { PATH: process.env.PATH, ...instance.env, EB_MIGRATE_COMMAND: "touch should-not-exist", ...env },
      cwd: instance.env.EB_MIGRATE_ROOT,
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^eb-migrate run: /);
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    expect(spawnSync("ls", [instance.env.EB_MIGRATE_ROOT!]).stdout.toString()).not.toContain("should-not-exist");
  });

  it("wrote nothing to the table", async () => {
    const state = sandbox.state();
    const ddb = new DynamoDBClient(sandboxClientConfig(state, state.endpoints.dynamodbUpstream));
    const out = await ddb.send(new ScanCommand({ TableName: "eb-migrate" }));
    expect(out.Items).toEqual([]);
  });

  it("an unknown flag is a usage error (exit 2) with the usage line", () => {
    const result = spawnSync(process.execPath, [BUNDLE, "run", "--leese-seconds", "3"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown option --leese-seconds \(did you mean --lease-seconds\?\)/);
    expect(result.stderr).toMatch(/usage: eb-migrate run/);
  });

  it("EB_MIGRATE_DISABLED=true exits 0 without touching AWS", () => {
    const result = spawnSync(process.execPath, [BUNDLE, "run"], { env: { PATH: process.env.PATH, EB_MIGRATE_DISABLED: "true", AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9/" }, encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/EB_MIGRATE_DISABLED/);
  });
});

describe("whole numbers", () => {
  it("are digits only, within the range", () => {
    expect(parseWholeNumber("0")).toBe(0);
    expect(parseWholeNumber("3600", { min: 3, max: 3600 })).toBe(3600);
    for (const text of ["", " 5", "5 ", "-1", "+1", "1.0", "1e3", "0x10", "ten"]) expect(parseWholeNumber(text)).toBeUndefined();
    expect(parseWholeNumber("2", { min: 3 })).toBeUndefined();
    expect(parseWholeNumber("3601", { min: 3, max: 3600 })).toBeUndefined();
  });

  it("a flag's: the number, undefined when absent, else exit 2 naming the flag, the value and the range", () => {
    expect(wholeNumberFlag("limit", "7", { min: 1 })).toBe(7);
    expect(wholeNumberFlag("limit", undefined, { min: 1 })).toBeUndefined();
    const refused = (flag: string, raw: string | boolean, range?: Parameters<typeof wholeNumberFlag>[2]) => {
      try {
        wholeNumberFlag(flag, raw, range);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).exitCode).toBe(2);
        return (e as ConfigError).message;
      }
      return "accepted";
    };
    expect(refused("limit", "0", { min: 1 })).toBe('--limit="0" is not valid: expected a whole number of at least 1');
    expect(refused("port", "70000", { min: 0, max: 65535 })).toBe('--port="70000" is not valid: expected a whole number from 0 to 65535');
    expect(refused("grace-ms", "1.5", { unit: "milliseconds" })).toBe('--grace-ms="1.5" is not valid: expected a whole number of milliseconds');
    expect(refused("deployment-id", "v7")).toBe('--deployment-id="v7" is not valid: expected a whole number');
    expect(refused("deployment-id", true)).toBe("--deployment-id=true is not valid: expected a whole number");
  });

  it("a capacity provider's weight and base are whole numbers too", () => {
    expect(resolveSettings({ EB_MIGRATE_ECS_CAPACITY_PROVIDER_STRATEGY: "FARGATE_SPOT:3,FARGATE:1:1" }).ecs.capacityProviderStrategy).toEqual([{ capacityProvider: "FARGATE_SPOT", weight: 3 }, { capacityProvider: "FARGATE", weight: 1, base: 1 }]);
    expect(() => resolveSettings({ EB_MIGRATE_ECS_CAPACITY_PROVIDER_STRATEGY: "FARGATE:1.5" })).toThrow(/"FARGATE:1.5" has a weight that is not a whole number/);
  });
});

describe("where this process runs, from its environment", () => {
  it("the instance root: EB_MIGRATE_ROOT, else (unset or empty) /", () => {
    expect(instanceRoot({ EB_MIGRATE_ROOT: "/tmp/instance-1" })).toBe("/tmp/instance-1");
    expect(instanceRoot({ EB_MIGRATE_ROOT: "" })).toBe("/");
    expect(instanceRoot({})).toBe("/");
  });

  it("the region: AWS_REGION, else AWS_DEFAULT_REGION, else none", () => {
    expect(envRegion({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "us-east-1" })).toBe("eu-west-1");
    expect(envRegion({ AWS_DEFAULT_REGION: "us-east-1" })).toBe("us-east-1");
    expect(envRegion({})).toBeUndefined();
  });
});
