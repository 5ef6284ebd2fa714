// init in temporary Django apps: what it writes, what it refuses, what it keeps.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError } from "../../src/cli/errors.js";
import type { InstanceBundle } from "../../src/scaffold/bundle.js";
import { bundleCandidates, bundleVersion, findBundle } from "../../src/scaffold/bundle.js";
import { EBEXTENSION_PATH } from "../../src/scaffold/ebextension.js";
import { BUNDLE_PATH, CONTAINER_COMMAND_SCRIPT_PATH, HOOK_PATH } from "../../src/scaffold/hook-script.js";
import { formatInitReport, MANIFEST_PATH, runInit, type InitOptions } from "../../src/scaffold/init.js";

const repo = join(dirname(new URL(import.meta.url).pathname), "..", "..");

const fakeBundle = (version: string): InstanceBundle => ({
  path: "/nowhere/eb-migrate.cjs",
  version,
  content: Buffer.from(`#!/usr/bin/env node\n// eb-migrate ${version} — test bundle\nprocess.exit(0);\n`),
});

function djangoApp(): string {
  const dir = mkdtempSync(join(tmpdir(), "ebm-app-"));
  writeFileSync(join(dir, "manage.py"), "#!/usr/bin/env python\n");
  return dir;
}

const opts = (dir: string, more: Partial<InitOptions> = {}): InitOptions => ({
  dir,
  dryRun: false,
  force: false,
  containerCommands: false,
  resources: true,
  bundle: fakeBundle("1.0.0"),
  ...more,
});

/** Every file under dir with its bytes, for before/after comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${statSync(p).mode.toString(8)}:${readFileSync(p, "base64")}`;
    }
  };
  walk(dir);
  return out;
}

describe("runInit", () => {
  it("refuses a directory without manage.py, writing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ebm-notdjango-"));
    const error = await runInit(opts(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toContain("not a Django project (no manage.py)");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("writes the executable hook, the bundle and the ebextension", async () => {
    const dir = djangoApp();
    const result = await runInit(opts(dir));
    expect(result.outcomes.map((o) => [o.path, o.action])).toEqual([
      [BUNDLE_PATH, "create"],
      [HOOK_PATH, "create"],
      [EBEXTENSION_PATH, "create"],
    ]);
    expect(statSync(join(dir, HOOK_PATH)).mode & 0o111).toBe(0o111);
    expect(readFileSync(join(dir, BUNDLE_PATH), "utf8")).toContain("// eb-migrate 1.0.0 ");
    expect(readFileSync(join(dir, HOOK_PATH), "utf8")).not.toContain("\r");
    expect(parse(readFileSync(join(dir, EBEXTENSION_PATH), "utf8"))).toHaveProperty("Resources");
    expect(existsSync(join(dir, MANIFEST_PATH))).toBe(true);
    const report = formatInitReport(result);
    expect(report).toMatch(/created\s+\.platform\/hooks\/predeploy\/50_eb_migrate\.sh/);
    expect(report).toContain("Next steps:");
    expect(report).toContain("eb deploy");
  });

  it("changes nothing on a second run", async () => {
    const dir = djangoApp();
    await runInit(opts(dir));
    const before = snapshot(dir);
    const again = await runInit(opts(dir));
    expect(again.outcomes.every((o) => o.action === "unchanged")).toBe(true);
    expect(snapshot(dir)).toEqual(before);
  });

  it("prints the plan and writes nothing with --dry-run", async () => {
    const dir = djangoApp();
    const result = await runInit(opts(dir, { dryRun: true }));
    expect(readdirSync(dir)).toEqual(["manage.py"]);
    const report = formatInitReport(result);
    expect(report).toContain(`would create  ${HOOK_PATH}`);
    expect(report).toContain("nothing written");
  });

  it("keeps a file the user changed, and replaces it with --force", async () => {
    const dir = djangoApp();
    await runInit(opts(dir));
    const edited = `${readFileSync(join(dir, EBEXTENSION_PATH), "utf8")}# my own line\n`;
    writeFileSync(join(dir, EBEXTENSION_PATH), edited);

    const kept = await runInit(opts(dir, { bundle: fakeBundle("1.1.0") }));
    expect(kept.outcomes.find((o) => o.path === EBEXTENSION_PATH)).toEqual({ path: EBEXTENSION_PATH, action: "kept", note: "changed by you" });
    expect(readFileSync(join(dir, EBEXTENSION_PATH), "utf8")).toBe(edited);
    expect(formatInitReport(kept)).toContain("--force");
    // Still recognised as the user's on the next run.
    const keptAgain = await runInit(opts(dir, { bundle: fakeBundle("1.1.0") }));
    expect(keptAgain.outcomes.find((o) => o.path === EBEXTENSION_PATH)!.action).toBe("kept");

    const forced = await runInit(opts(dir, { bundle: fakeBundle("1.1.0"), force: true }));
    expect(forced.outcomes.find((o) => o.path === EBEXTENSION_PATH)!.action).toBe("overwrite");
    expect(readFileSync(join(dir, EBEXTENSION_PATH), "utf8")).not.toContain("# my own line");
    expect(readFileSync(join(dir, EBEXTENSION_PATH), "utf8")).toContain("eb-migrate 1.1.0");
  });

  it("upgrades files it wrote itself without --force", async () => {
    const dir = djangoApp();
    await runInit(opts(dir, { bundle: fakeBundle("1.0.0") }));
    const result = await runInit(opts(dir, { bundle: fakeBundle("2.0.0") }));
    expect(result.outcomes.map((o) => o.action)).toEqual(["update", "update", "update"]);
    expect(result.outcomes[0]!.note).toBe("from eb-migrate 1.0.0");
    expect(readFileSync(join(dir, HOOK_PATH), "utf8")).toContain("eb-migrate 2.0.0");
    expect(bundleVersion(readFileSync(join(dir, BUNDLE_PATH)))).toBe("2.0.0");
  });

  it("keeps the app's own .ebextensions and .platform files intact", async () => {
    const dir = djangoApp();
    const own: Record<string, string> = {
      ".ebextensions/01_django.config": "option_settings:\n  aws:elasticbeanstalk:container:python:\n    WSGIPath: mysite.wsgi:application\n",
      ".platform/hooks/predeploy/01_collectstatic.sh": "#!/bin/bash\npython manage.py collectstatic --noinput\n",
      ".platform/nginx/conf.d/proxy.conf": "client_max_body_size 20M;\n",
    };
    for (const [path, content] of Object.entries(own)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content, { mode: 0o755 });
    }
    const before = snapshot(dir);
    await runInit(opts(dir));
    const after = snapshot(dir);
    for (const path of Object.keys(own)) expect(after[path]).toBe(before[path]);
  });

  it("does not overwrite a same-named file it did not write", async () => {
    const dir = djangoApp();
    mkdirSync(join(dir, ".ebextensions"));
    writeFileSync(join(dir, EBEXTENSION_PATH), "option_settings: {}\n");
    const result = await runInit(opts(dir));
    expect(result.outcomes.find((o) => o.path === EBEXTENSION_PATH)).toEqual({ path: EBEXTENSION_PATH, action: "kept", note: "not written by eb-migrate" });
    expect(readFileSync(join(dir, EBEXTENSION_PATH), "utf8")).toBe("option_settings: {}\n");
  });

  it("with --no-resources writes no CloudFormation and says how to create the table", async () => {
    const dir = djangoApp();
    const result = await runInit(opts(dir, { resources: false }));
    const config = parse(readFileSync(join(dir, EBEXTENSION_PATH), "utf8")) as Record<string, unknown>;
    expect(config.Resources).toBeUndefined();
    expect(config.option_settings).toBeUndefined();
    expect(formatInitReport(result)).toContain("eb-migrate policy --table");
    expect(formatInitReport(result)).toContain("aws dynamodb create-table --table-name eb-migrate --attribute-definitions AttributeName=pk,AttributeType=S --key-schema AttributeName=pk,KeyType=HASH --billing-mode PAY_PER_REQUEST");
    expect(formatInitReport(result)).toContain("aws dynamodb update-time-to-live --table-name eb-migrate");
  });

  it("with --container-commands writes the script for container_commands instead of the hook", async () => {
    const dir = djangoApp();
    await runInit(opts(dir, { containerCommands: true }));
    expect(existsSync(join(dir, HOOK_PATH))).toBe(false);
    expect(statSync(join(dir, CONTAINER_COMMAND_SCRIPT_PATH)).mode & 0o111).toBe(0o111);
    const config = parse(readFileSync(join(dir, EBEXTENSION_PATH), "utf8")) as { container_commands: Record<string, { command: string }> };
    expect(Object.values(config.container_commands)[0]!.command).toBe(`bash ${CONTAINER_COMMAND_SCRIPT_PATH}`);
  });

  it("reports a hook left from an earlier run when switching to container_commands", async () => {
    const dir = djangoApp();
    await runInit(opts(dir));
    const result = await runInit(opts(dir, { containerCommands: true }));
    expect(result.leftovers).toEqual([HOOK_PATH]);
    expect(formatInitReport(result)).toContain("second run in a deployment is a no-op");
    expect(result.outcomes.find((o) => o.path === EBEXTENSION_PATH)).toEqual({ path: EBEXTENSION_PATH, action: "update", note: "options changed" });
  });

  it("makes an unchanged hook executable again", async () => {
    const dir = djangoApp();
    await runInit(opts(dir));
    const { chmodSync } = await import("node:fs");
    chmodSync(join(dir, HOOK_PATH), 0o644);
    const result = await runInit(opts(dir));
    expect(result.outcomes.find((o) => o.path === HOOK_PATH)).toEqual({ path: HOOK_PATH, action: "update", note: "made executable" });
    expect(statSync(join(dir, HOOK_PATH)).mode & 0o111).toBe(0o111);
  });
});

describe("finding the bundle", () => {
  it("looks next to the running file and in ../dist", () => {
    expect(bundleCandidates("/pkg/dist/eb-migrate-dev.cjs")).toEqual(["/pkg/dist/eb-migrate.cjs"]);
    expect(bundleCandidates("/app/.platform/eb-migrate/eb-migrate.cjs")[0]).toBe("/app/.platform/eb-migrate/eb-migrate.cjs");
    expect(bundleCandidates("")).toEqual([]);
  });

  it("reads the version from the header and refuses other files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ebm-bundle-"));
    writeFileSync(join(dir, "other.cjs"), "console.log(1)\n");
    writeFileSync(join(dir, "eb-migrate.cjs"), fakeBundle("3.2.1").content);
    expect((await findBundle([join(dir, "missing.cjs"), join(dir, "other.cjs"), join(dir, "eb-migrate.cjs")])).version).toBe("3.2.1");
    await expect(findBundle([join(dir, "other.cjs")])).rejects.toThrow(/npm run build/);
  });
});

describe("the CLI (built bundles)", () => {
  const dev = join(repo, "dist", "eb-migrate-dev.cjs");
  const instance = join(repo, "dist", "eb-migrate.cjs");
  beforeAll(() => {
    if (!existsSync(dev) || !existsSync(instance)) throw new Error("run `npm run build` first");
  });
  const cli = (bundle: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [bundle, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 });

  it("init exits 2 and writes nothing outside a Django project", () => {
    const dir = mkdtempSync(join(tmpdir(), "ebm-cli-"));
    const result = cli(dev, ["init", "--dir", dir]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("not a Django project");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("init from the dev entry copies the instance bundle with its version", () => {
    const dir = djangoApp();
    const result = cli(dev, ["init", "--dir", dir]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(dir, BUNDLE_PATH))).toEqual(readFileSync(instance));
    expect(result.stdout).toContain("Next steps:");
  });

  it("init runs from the instance bundle too, and again from the copy it made", () => {
    const dir = djangoApp();
    expect(cli(instance, ["init", "--dir", dir]).status).toBe(0);
    const again = cli(join(dir, BUNDLE_PATH), ["init", "--dir", dir]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/unchanged\s+\.platform\/eb-migrate\/eb-migrate\.cjs/);
  });

  it("init --mode ecs writes the ECS settings into option_settings and the ecs-mode policy", () => {
    const dir = djangoApp();
    const result = cli(dev, ["init", "--dir", dir, "--mode", "ecs", "--ecs-cluster", "release", "--ecs-task-definition", "migrate:3", "--ecs-subnets", "subnet-0abc", "--ecs-capacity-provider-strategy", "FARGATE_SPOT:3,FARGATE:1:1", "--pass-role", "migrate-task", "--log-group", "/ecs/migrate"]);
    expect(result.status, result.stderr).toBe(0);
    const config = parse(readFileSync(join(dir, EBEXTENSION_PATH), "utf8")) as { option_settings: Record<string, Record<string, string>>; Resources: Record<string, { Properties: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown; Condition?: unknown }[] } } }> };
    expect(config.option_settings["aws:elasticbeanstalk:application:environment"]).toEqual({
      EB_MIGRATE_TABLE: '`{"Ref" : "EbMigrateTable"}`',
      EB_MIGRATE_MODE: "ecs",
      EB_MIGRATE_ECS_CLUSTER: "release",
      EB_MIGRATE_ECS_TASK_DEFINITION: "migrate:3",
      EB_MIGRATE_ECS_SUBNETS: "subnet-0abc",
      EB_MIGRATE_ECS_CAPACITY_PROVIDER_STRATEGY: "FARGATE_SPOT:3,FARGATE:1:1",
    });
    const statements = config.Resources.EbMigrateInstancePolicy!.Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((s) => s.Action);
    for (const a of ["ecs:RunTask", "ecs:ListTasks", "ecs:TagResource", "ecs:DescribeTasks", "ecs:StopTask", "ecs:DescribeTaskDefinition", "iam:PassRole", "logs:GetLogEvents"]) expect(actions).toContain(a);
    const text = JSON.stringify(statements);
    expect(text).toContain("task-definition/migrate:*");
    expect(text).toContain("log-group:/ecs/migrate:log-stream:*");
    expect(text).toContain(":role/migrate-task");
    expect(text).toContain("cluster/release");
    // Without resources the settings are still written (and the next steps name the ecs policy).
    const bare = djangoApp();
    const noResources = cli(dev, ["init", "--dir", bare, "--no-resources", "--mode", "ecs", "--ecs-cluster", "release", "--ecs-task-definition", "migrate"]);
    expect(noResources.status, noResources.stderr).toBe(0);
    expect(noResources.stdout).toContain("eb-migrate policy --table eb-migrate --mode ecs");
    const bareConfig = parse(readFileSync(join(bare, EBEXTENSION_PATH), "utf8")) as { option_settings: Record<string, Record<string, string>>; Resources?: unknown };
    expect(bareConfig.Resources).toBeUndefined();
    expect(bareConfig.option_settings["aws:elasticbeanstalk:application:environment"]).toEqual({ EB_MIGRATE_MODE: "ecs", EB_MIGRATE_ECS_CLUSTER: "release", EB_MIGRATE_ECS_TASK_DEFINITION: "migrate" });
  });

  it("init --mode ecs --ecs-image: the ebextension's policy lets the leader register the deployment's revision (only then)", () => {
    const registration = (config: string) => {
      const statements = (parse(config) as { Resources: Record<string, { Properties: { PolicyDocument: { Statement: { Action: string[]; Condition?: Record<string, Record<string, string>> }[] } } }> }).Resources.EbMigrateInstancePolicy!.Properties.PolicyDocument.Statement;
      return statements.filter((s) => s.Action.includes("ecs:RegisterTaskDefinition") || s.Condition?.StringEquals?.["ecs:CreateAction"] === "RegisterTaskDefinition").map((s) => s.Action);
    };
    const withImage = djangoApp();
    const result = cli(dev, ["init", "--dir", withImage, "--mode", "ecs", "--ecs-cluster", "release", "--ecs-task-definition", "migrate", "--ecs-image", "shop:{version_label}"]);
    expect(result.status, result.stderr).toBe(0);
    const config = readFileSync(join(withImage, EBEXTENSION_PATH), "utf8");
    expect((parse(config) as { option_settings: Record<string, Record<string, string>> }).option_settings["aws:elasticbeanstalk:application:environment"]!.EB_MIGRATE_ECS_IMAGE).toBe("shop:{version_label}");
    expect(registration(config)).toEqual([["ecs:RegisterTaskDefinition"], ["ecs:TagResource"]]);
    const without = djangoApp();
    expect(cli(dev, ["init", "--dir", without, "--mode", "ecs", "--ecs-cluster", "release", "--ecs-task-definition", "migrate"]).status).toBe(0);
    expect(registration(readFileSync(join(without, EBEXTENSION_PATH), "utf8"))).toEqual([]);
  });

  it("init --mode ecs without the cluster or task definition, or ECS flags without --mode ecs, is exit 2 naming the flags; nothing written", () => {
    const dir = djangoApp();
    const missing = cli(dev, ["init", "--dir", dir, "--mode", "ecs", "--ecs-container", "web"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("init --mode ecs needs --ecs-cluster and --ecs-task-definition");
    const stray = cli(dev, ["init", "--dir", dir, "--ecs-cluster", "release", "--pass-role", "x"]);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toContain("--ecs-cluster, --pass-role apply only to ecs mode: add --mode ecs");
    const bad = cli(dev, ["init", "--dir", dir, "--mode", "ecs", "--ecs-cluster", "release", "--ecs-task-definition", "migrate", "--ecs-subnets", "nope"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/ecs-subnets|EB_MIGRATE_ECS_SUBNETS/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual(["manage.py"]);
  });

  it("policy --json prints a policy document for the table from the settings", () => {
    const result = cli(instance, ["policy", "--json", "--mode", "ecs", "--region", "eu-west-1"], { EB_MIGRATE_TABLE: "shared-leases", EB_MIGRATE_ECS_TASK_DEFINITION: "migrate:4" });
    expect(result.status, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { Statement: { Action: string[]; Resource: string }[] };
    expect(doc.Statement.find((s) => s.Action.includes("dynamodb:GetItem"))!.Resource).toBe("arn:aws:dynamodb:eu-west-1:*:table/shared-leases");
    expect(doc.Statement.find((s) => s.Action.includes("ecs:RunTask"))!.Resource).toBe("arn:aws:ecs:eu-west-1:*:task-definition/migrate:*");
  });

  it("policy explains each statement without --json, and rejects a bad mode with exit 2", () => {
    const text = cli(instance, ["policy"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("EbMigrateLeaseTable:");
    expect(text.stdout).toContain('"Version": "2012-10-17"');
    const bad = cli(instance, ["policy", "--mode", "lambda"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--mode");
  });
});
