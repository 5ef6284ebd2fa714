// CLI manners: every command's --help says what each flag does; a mistyped command or flag
// gets the closest one as a "did you mean" (exit 2).
import { describe, expect, it } from "vitest";
import type { CommandContext } from "../../src/cli/command.js";
import { INSTANCE_COMMANDS } from "../../src/commands/index.js";
import { runProgram } from "../../src/cli/program.js";
import { demoCommand } from "../../src/commands/demo.js";
import { sandboxCommand } from "../../src/commands/sandbox.js";

const COMMANDS = [...INSTANCE_COMMANDS, sandboxCommand, demoCommand];

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const ctx: CommandContext = {
    env: {},
    cwd: "/nonexistent",
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    signal: new AbortController().signal,
  };
  const code = await runProgram(argv, ctx, COMMANDS);
  return { code, stdout, stderr };
}

describe("--help", () => {
  for (const command of COMMANDS.filter((c) => !c.name.startsWith("__"))) {
    it(`${command.name} --help describes every flag`, async () => {
      const out = await cli([command.name, "--help"]);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(`usage: ${command.usage}`);
      for (const flag of Object.keys(command.options)) {
        const description = command.flags[flag];
        expect(description, `--${flag} of ${command.name} has no description`).toMatch(/\w{3,}/);
        expect(out.stdout).toMatch(new RegExp(`^  --${flag}( VALUE)?\\s+${description!.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m"));
      }
    });
  }
});

describe("did you mean", () => {
  it("an unknown command names the closest one", async () => {
    const out = await cli(["statsu"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe('eb-migrate: unknown command "statsu" (did you mean "status"?); run "eb-migrate --help" for the list\n');
  });

  it("an unknown flag names the closest one", async () => {
    const out = await cli(["init", "--no-resource"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^eb-migrate init: unknown option --no-resource \(did you mean --no-resources\?\)\nusage: /);
  });

  it("nothing close: no guess", async () => {
    const out = await cli(["status", "--frobnicate"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^eb-migrate status: unknown option --frobnicate\nusage: /);
  });
});
