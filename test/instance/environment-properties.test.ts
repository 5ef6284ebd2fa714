// environmentProperties(root): what EB's get-config prints, or nothing when it cannot say.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { environmentProperties, GET_CONFIG } from "../../src/instance/eb-files.js";

function rootWithGetConfig(script?: string): string {
  const root = mkdtempSync(join(tmpdir(), "ebm-get-config-"));
  if (script !== undefined) {
    mkdirSync(dirname(join(root, GET_CONFIG)), { recursive: true });
    writeFileSync(join(root, GET_CONFIG), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  }
  return root;
}

describe("environmentProperties", () => {
  it("returns the properties get-config prints, names a shell could export only", async () => {
    const root = rootWithGetConfig(`[ "$1" = environment ] && echo '{"A":"x y=z","EB_MIGRATE_TABLE":"t-1","bad-name":"no","N":5}'`);
    expect(await environmentProperties(root)).toEqual({ A: "x y=z", EB_MIGRATE_TABLE: "t-1", N: "5" });
  });

  it.each([
    ["is absent (off an instance)", undefined],
    ["fails", "echo '{\"A\":\"1\"}'; exit 3"],
    ["prints no JSON object", "echo 'not json'"],
    ["prints a JSON array", "echo '[1]'"],
  ])("returns {} when get-config %s", async (_case, script) => {
    expect(await environmentProperties(rootWithGetConfig(script))).toEqual({});
  });
});
