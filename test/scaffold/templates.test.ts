// The generated templates: valid YAML with only keys EB accepts, CloudFormation shapes, a hook
// that passes bash -n and shellcheck and really passes eb-migrate's exit code through.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SETTINGS } from "../../src/config/settings.js";
import { ebextensionConfig, FIND_NODE_SCRIPT } from "../../src/scaffold/ebextension.js";
import { BUNDLE_PATH, CONTAINER_COMMAND_SCRIPT_PATH, FIND_NODE_FUNCTION, HOOK_PATH, hookScript } from "../../src/scaffold/hook-script.js";
import { BUNDLE } from "../support/fleet.js";

const repo = join(dirname(new URL(import.meta.url).pathname), "..", "..");
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;

/** Top-level keys of an .ebextensions config file (EB developer guide, "Advanced environment customization"). */
const EB_KEYS = new Set(["option_settings", "packages", "groups", "users", "sources", "files", "commands", "services", "container_commands", "Resources", "Outputs", "Parameters", "Mappings", "Conditions"]);

type Yaml = Record<string, unknown>;
const config = (containerCommands: boolean, resources: boolean) => parse(ebextensionConfig({ version, containerCommands, resources })) as Yaml;

describe("the .ebextensions config", () => {
  it("is valid YAML with only keys Elastic Beanstalk accepts", () => {
    for (const cc of [false, true]) {
      for (const res of [false, true]) {
        const doc = config(cc, res);
        expect(Object.keys(doc).filter((k) => !EB_KEYS.has(k))).toEqual([]);
        expect(doc.container_commands !== undefined).toBe(cc);
        expect(doc.Resources !== undefined).toBe(res);
      }
    }
  });

  it("uses LF line endings and no tabs", () => {
    const text = ebextensionConfig({ version, containerCommands: true, resources: true });
    expect(text).not.toContain("\r");
    expect(text).not.toContain("\t");
  });

  it("defines a DynamoDB table the way the runner expects it (key pk, on demand, TTL on expiresAt)", () => {
    const table = (config(false, true).Resources as Yaml).EbMigrateTable as Yaml;
    expect(table.Type).toBe("AWS::DynamoDB::Table");
    const props = table.Properties as Yaml;
    expect(props.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
    expect(props.AttributeDefinitions).toEqual([{ AttributeName: "pk", AttributeType: "S" }]);
    expect(props.BillingMode).toBe("PAY_PER_REQUEST");
    expect(props.ProvisionedThroughput).toBeUndefined();
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: "expiresAt", Enabled: true });
    // No TableName: CloudFormation names it, so two environments never share a table.
    expect(props.TableName).toBeUndefined();
  });

  it("attaches a managed policy to the instance profile's role", () => {
    const policy = (config(false, true).Resources as Yaml).EbMigrateInstancePolicy as Yaml;
    expect(policy.Type).toBe("AWS::IAM::ManagedPolicy");
    const props = policy.Properties as Yaml;
    const doc = props.PolicyDocument as { Version: string; Statement: { Effect: string; Action: string[]; Resource: unknown }[] };
    expect(doc.Version).toBe("2012-10-17");
    for (const s of doc.Statement) {
      expect(s.Effect).toBe("Allow");
      expect(s.Action.length).toBeGreaterThan(0);
      expect(s.Resource).toBeDefined();
    }
    expect(props.Roles).toEqual([
      { "Fn::GetOptionSetting": { Namespace: "aws:autoscaling:launchconfiguration", OptionName: "IamInstanceProfile", DefaultValue: "aws-elasticbeanstalk-ec2-role" } },
    ]);
  });

  it("init --role attaches the policy to the named role instead", () => {
    const doc = parse(ebextensionConfig({ version, containerCommands: false, resources: true, role: "my-app-instance-role" })) as Yaml;
    const props = ((doc.Resources as Yaml).EbMigrateInstancePolicy as Yaml).Properties as Yaml;
    expect(props.Roles).toEqual(["my-app-instance-role"]);
  });

  it("passes the generated table name to instances with EB's backtick Ref syntax, and nothing else", () => {
    const settings = config(false, true).option_settings as Yaml;
    expect(settings).toEqual({ "aws:elasticbeanstalk:application:environment": { EB_MIGRATE_TABLE: '`{"Ref" : "EbMigrateTable"}`' } });
    expect(config(false, false).option_settings).toBeUndefined();
  });

  it("never sets the deployment command timeout", () => {
    const text = ebextensionConfig({ version, containerCommands: true, resources: true });
    expect(text).not.toMatch(/^\s*Timeout:/m);
    expect(text).not.toContain("aws:elasticbeanstalk:command:");
  });

  it("installs nodejs22 with dnf unless nodejs22 or nodejs24 is there (an instance with only Node 20 gets 22), and adds the log to eb logs", () => {
    const doc = config(false, true);
    const commands = doc.commands as Record<string, { command: string; test: string }>;
    const install = Object.values(commands).find((c) => c.command.startsWith("dnf install"))!;
    expect(install.command).toBe("dnf install -y nodejs22");
    expect(install.test).toBe("[ -x /usr/bin/dnf ] && ! rpm -q nodejs22 >/dev/null 2>&1 && ! rpm -q nodejs24 >/dev/null 2>&1");
    expect(doc.files as Record<string, unknown>).toHaveProperty([FIND_NODE_SCRIPT]);
    const files = doc.files as Record<string, { content: string; mode: string }>;
    expect(files[FIND_NODE_SCRIPT]!.content).toContain(FIND_NODE_FUNCTION);
    expect(files[FIND_NODE_SCRIPT]!.mode).toBe("000755");
    expect(files["/opt/elasticbeanstalk/tasks/taillogs.d/eb-migrate.conf"]!.content.trim()).toBe("/var/log/eb-migrate.log");
    expect(files["/opt/elasticbeanstalk/tasks/bundlelogs.d/eb-migrate.conf"]!.content.trim()).toBe("/var/log/eb-migrate.log");
  });

  it("installs a node finder that passes bash -n and shellcheck", () => {
    const files = config(false, true).files as Record<string, { content: string }>;
    const dir = mkdtempSync(join(tmpdir(), "ebm-find-node-"));
    const file = join(dir, "find-node.sh");
    writeFileSync(file, files[FIND_NODE_SCRIPT]!.content);
    expect(spawnSync("bash", ["-n", file]).status).toBe(0);
    const lint = spawnSync("/usr/bin/shellcheck", ["-S", "style", file], { encoding: "utf8" });
    expect(lint.status, lint.stdout).toBe(0);
    const found = spawnSync("/usr/bin/bash", [file], { encoding: "utf8", env: { PATH: dirname(process.execPath) } });
    expect(found.status).toBe(0);
    expect(found.stdout.trim()).toBe(process.execPath);
  });

  it("runs container_commands without leader_only, through the same script as the hook", () => {
    const entries = Object.values(config(true, true).container_commands as Record<string, Yaml>);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.leader_only).toBeUndefined();
    expect(entries[0]!.command).toBe(`bash ${CONTAINER_COMMAND_SCRIPT_PATH}`);
  });

  it("lists every setting with its default", () => {
    const text = ebextensionConfig({ version, containerCommands: false, resources: true });
    for (const s of SETTINGS) expect(text).toContain(`EB_MIGRATE_${s.name}`);
  });

  it("is shipped in ebextensions/ and platform-hooks/ exactly as init writes it", () => {
    const expected: Record<string, string> = {
      "ebextensions/eb-migrate.config": ebextensionConfig({ version, containerCommands: false, resources: true }),
      "ebextensions/container-commands/eb-migrate.config": ebextensionConfig({ version, containerCommands: true, resources: true }),
      "platform-hooks/predeploy/50_eb_migrate.sh": hookScript(version),
    };
    for (const [path, content] of Object.entries(expected)) {
      const file = join(repo, path);
      if (process.env.UPDATE_TEMPLATES === "1") {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content, { mode: path.endsWith(".sh") ? 0o755 : 0o644 });
      }
      expect(readFileSync(file, "utf8"), `${path} is stale: run UPDATE_TEMPLATES=1 npx vitest run test/scaffold/templates.test.ts`).toBe(content);
    }
  });
});

describe("the predeploy hook script", () => {
  const script = hookScript(version);

  it("is a bash strict-mode script with LF endings that passes bash -n and shellcheck", () => {
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("set -euo pipefail");
    expect(script).not.toContain("\r");
    const dir = mkdtempSync(join(tmpdir(), "ebm-hook-"));
    const file = join(dir, "hook.sh");
    writeFileSync(file, script);
    const syntax = spawnSync("bash", ["-n", file], { encoding: "utf8" });
    expect(syntax.status, syntax.stderr).toBe(0);
    const lint = spawnSync("/usr/bin/shellcheck", ["-S", "style", file], { encoding: "utf8" });
    expect(lint.error, "shellcheck is needed for this test (apt-get install shellcheck)").toBeUndefined();
    expect(lint.status, lint.stdout).toBe(0);
  });

  it("runs the bundle's run command relative to the app directory", () => {
    expect(script).toContain(`bundle="${BUNDLE_PATH}"`);
    expect(script).toMatch(/exec "\$node_bin" "\$bundle" run "\$@"\n/);
  });

  /** An app with the hook and a fake bundle (or the real one), and a PATH holding only what the hook needs. */
  function instance(nodeNames: Record<string, string>, options: { realBundle?: boolean } = {}) {
    const base = mkdtempSync(join(tmpdir(), "ebm-inst-"));
    const app = join(base, "app");
    const root = join(base, "root");
    const bin = join(base, "bin");
    for (const d of [app, root, bin]) mkdirSync(d, { recursive: true });
    for (const tool of ["bash", "mkdir", "dirname"]) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    for (const [name, target] of Object.entries(nodeNames)) {
      if (target.startsWith("#!")) {
        writeFileSync(join(bin, name), target);
        chmodSync(join(bin, name), 0o755);
      } else symlinkSync(target, join(bin, name));
    }
    mkdirSync(join(app, dirname(HOOK_PATH)), { recursive: true });
    mkdirSync(join(app, dirname(BUNDLE_PATH)), { recursive: true });
    writeFileSync(join(app, HOOK_PATH), script, { mode: 0o755 });
    if (options.realBundle) copyFileSync(BUNDLE, join(app, BUNDLE_PATH));
    else writeFileSync(
      join(app, BUNDLE_PATH),
      `console.log("fake eb-migrate " + JSON.stringify(process.argv.slice(2)) + " cwd=" + process.cwd() + " FROM_EB=" + process.env.FROM_EB + " PRESET=" + process.env.PRESET);\nprocess.exit(Number(process.env.FAKE_EXIT ?? 0));\n`,
    );
    const run = (env: Record<string, string> = {}) =>
      spawnSync("/usr/bin/bash", [join(app, HOOK_PATH)], { cwd: app, encoding: "utf8", env: { PATH: bin, EB_MIGRATE_ROOT: root, ...env }, timeout: 30_000 });
    return { app, root, bin, run };
  }

  it.each([0, 1, 3, 4])("passes exit code %i of eb-migrate run through", (code) => {
    const { app, run } = instance({ node: process.execPath });
    const result = run({ FAKE_EXIT: String(code) });
    expect(result.status, result.stderr).toBe(code);
    expect(result.stdout).toContain(`fake eb-migrate ["run"] cwd=${app}`);
  });

  it("finds the namespaced node-20 of Amazon Linux 2023 when there is no node", () => {
    const { run } = instance({ "node-20": process.execPath });
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("fake eb-migrate");
  });

  it("exits 2 with a clear message when there is no Node.js at all", () => {
    const { root, run } = instance({});
    const result = run();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("no Node.js >= 20");
    expect(result.stdout).not.toContain("fake eb-migrate");
    // eb logs shows it too.
    expect(readFileSync(join(root, "var/log/eb-migrate.log"), "utf8")).toContain("no Node.js >= 20");
  });

  it("exits 2 when the only Node.js is older than 20", () => {
    const { run } = instance({ node: "#!/usr/bin/bash\necho 18\n" });
    const result = run();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("no Node.js >= 20");
  });

  /** A `node` that logs each start (its arguments) to a file, then runs the real Node; `--version` answers `version` if given. */
  function countingNode(log: string, version?: string): string {
    const answer = version ? `[ "$1" = --version ] && { echo ${version}; exit 0; }\n` : "";
    return `#!/usr/bin/bash\necho "$(basename "$0") $*" >>${log}\n${answer}exec ${process.execPath} "$@"\n`;
  }

  it("prefers a Node >= 22 found by its name and starts Node once: for eb-migrate itself", () => {
    const log = join(mkdtempSync(join(tmpdir(), "ebm-starts-")), "starts");
    const { run } = instance({ node: countingNode(log), "node-22": countingNode(log), basename: "/usr/bin/basename" }, { realBundle: true });
    const result = run({ EB_MIGRATE_DISABLED: "true" });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("EB_MIGRATE_DISABLED is set");
    expect(result.stderr).not.toContain("end of life");
    expect(readFileSync(log, "utf8")).toBe(`node-22 ${BUNDLE_PATH} run\n`);
  });

  it("asks an unnamed node only for --version (no JavaScript) and warns below Node 22", () => {
    const log = join(mkdtempSync(join(tmpdir(), "ebm-starts-")), "starts");
    const { run } = instance({ node: countingNode(log, "v20.11.1"), basename: "/usr/bin/basename" }, { realBundle: true });
    const result = run({ EB_MIGRATE_DISABLED: "true" });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(`node --version\nnode ${BUNDLE_PATH} run\n`);
    expect(result.stderr).toMatch(/warning: running on Node\.js 20 .* end of life; install Node\.js 22/);
  });

  it("Amazon Linux 2023's `node`, a link to node-20, is known by that name: no Node starts before eb-migrate", () => {
    const log = join(mkdtempSync(join(tmpdir(), "ebm-starts-")), "starts");
    const { bin, run } = instance({ "node-20": countingNode(log, "v20.11.1"), basename: "/usr/bin/basename" }, { realBundle: true });
    symlinkSync(join(bin, "node-20"), join(bin, "node"));
    const result = run({ EB_MIGRATE_DISABLED: "true" });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(`node ${BUNDLE_PATH} run\n`);
    expect(result.stderr).toMatch(/warning: running on Node\.js 20 /);
  });

  it("looks through PATH as bash does: an empty entry, a directory with a space, glob characters", () => {
    const { base, bin, run } = { ...instance({}), base: mkdtempSync(join(tmpdir(), "ebm-path-")) };
    const spaced = join(base, "my node *");
    mkdirSync(spaced);
    symlinkSync(process.execPath, join(spaced, "node-22"));
    const result = run({ PATH: `:${join(base, "missing")}:${spaced}:${bin}` });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("fake eb-migrate");
  });

  it("prefers node-22 over a Node 20 `node` and over node-20", () => {
    const { run } = instance({ node: "#!/usr/bin/bash\necho v20.1.0\n", "node-20": "#!/usr/bin/bash\nexit 9\n", "node-22": process.execPath });
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("fake eb-migrate");
  });

  it("eb-migrate reads the environment properties from EB's get-config, keeping values already set", () => {
    const { root, run } = instance({ node: process.execPath }, { realBundle: true });
    const getConfig = join(root, "opt/elasticbeanstalk/bin/get-config");
    mkdirSync(dirname(getConfig), { recursive: true });
    // DISABLED makes run stop before any AWS call; a bad LEASE_SECONDS shows which value was read.
    writeFileSync(getConfig, `#!/usr/bin/bash\n[ "$1" = environment ] && echo '{"EB_MIGRATE_DISABLED":"true","EB_MIGRATE_LEASE_SECONDS":"soon","bad-name":"x"}'\n`, { mode: 0o755 });
    const fromEb = run();
    expect(fromEb.status, fromEb.stderr).toBe(2);
    expect(fromEb.stderr).toContain("EB_MIGRATE_LEASE_SECONDS");
    const preset = run({ EB_MIGRATE_LEASE_SECONDS: "60" });
    expect(preset.status, preset.stderr).toBe(0);
    expect(preset.stderr).toContain("EB_MIGRATE_DISABLED is set");
  });
});
