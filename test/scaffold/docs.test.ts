// The README stays in step with the code: every setting with its default, every IAM action.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/settings.js";
import { DEPLOYER_ACTIONS } from "../../src/scaffold/deployer-policy.js";
import { POLICY_ACTIONS } from "../../src/scaffold/policy.js";

const doc = readFileSync(join(dirname(new URL(import.meta.url).pathname), "..", "..", "README.md"), "utf8");
const row = (name: string) => doc.split("\n").find((line) => line.startsWith(`| \`EB_MIGRATE_${name}\` |`));

describe("README.md", () => {
  it.each(SETTINGS.map((s) => [s.name, s] as const))("lists EB_MIGRATE_%s with its flag and default", (name, spec) => {
    const line = row(name);
    expect(line, `no settings row for EB_MIGRATE_${name}`).toBeDefined();
    expect(line).toContain(`\`--${spec.flag}\``);
    expect(line).toContain(spec.default === undefined || spec.default === "" ? "(not set)" : `\`${spec.default}\``);
  });

  it("lists every IAM action of the policy", () => {
    for (const group of POLICY_ACTIONS) {
      const line = doc.split("\n").find((l) => l.startsWith(`| \`${group.sid}\` |`));
      expect(line, group.sid).toBeDefined();
      for (const action of group.actions) expect(line, `${group.sid} ${action}`).toContain(`\`${action}\``);
    }
  });

  it("lists every permission of policy --deployer", () => {
    for (const group of DEPLOYER_ACTIONS) {
      const line = doc.split("\n").find((l) => l.startsWith(`| \`${group.sid}\` |`));
      expect(line, group.sid).toBeDefined();
      for (const action of group.actions) expect(line, `${group.sid} ${action}`).toContain(`\`${action}\``);
    }
  });

  it("documents every init option", () => {
    for (const flag of ["--dir", "--dry-run", "--force", "--container-commands", "--no-resources", "--keep-existing", "--role"]) expect(doc).toContain(`| \`${flag}`);
  });
});
