// The build's schema-key rewrite (scripts/schema-keys.mjs) changes how the AWS SDK's schema
// modules are written, never what they export: each client's schema module, bundled as it is and
// as rewritten, exports the same values.
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";
import { rewriteSchemaKeys, SCHEMA_MODULE, schemaKeysPlugin } from "../../scripts/schema-keys.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sdk = join(repo, "node_modules", "@aws-sdk");
const schemaModules = readdirSync(sdk)
  .filter((name) => name.startsWith("client-"))
  .flatMap((client) => {
    const dir = join(sdk, client, "dist-es", "schemas");
    return readdirSync(dir).filter((f) => f.endsWith(".js")).map((f) => join(dir, f));
  });
const scratch = mkdtempSync(join(tmpdir(), "ebm-schema-keys-"));

/** The module bundled on its own (with @smithy/core) and loaded: its exports. */
async function load(path: string, plugins: Plugin[], tag: string): Promise<Record<string, unknown>> {
  const result = await build({ entryPoints: [path], bundle: true, platform: "node", format: "cjs", mainFields: ["module", "main"], write: false, logLevel: "silent", plugins });
  const file = join(scratch, `${tag}-${path.split("/").at(-4)}.cjs`);
  writeFileSync(file, result.outputFiles[0]!.text);
  return createRequire(file)(file) as Record<string, unknown>;
}

/**
 * A comparable picture of one export: other exports by name, the SDK's lazy references
 * (`() => Shape$`) by what they return, classes by name, objects and arrays by their contents.
 */
function picture(value: unknown, exportsByValue: Map<unknown, string>, top = true): unknown {
  if (!top && exportsByValue.has(value)) return { export: exportsByValue.get(value) };
  if (typeof value === "function") {
    if (/^class\b/.test(Function.prototype.toString.call(value)) || value.length > 0) return { function: value.name };
    return { thunk: picture((value as () => unknown)(), exportsByValue, false) };
  }
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [picture(k, exportsByValue, false), picture(v, exportsByValue, false)]) };
  if (Array.isArray(value)) return value.map((v) => picture(v, exportsByValue, false));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [picture(k, exportsByValue, false), picture(v, exportsByValue, false)]));
  }
  return value;
}

function pictures(exports: Record<string, unknown>): Record<string, unknown> {
  const byValue = new Map(Object.entries(exports).map(([name, value]) => [value, name]));
  return Object.fromEntries(Object.entries(exports).map(([name, value]) => [name, picture(value, byValue)]));
}

describe("the schema-key rewrite", () => {
  it("applies to every client's schema module and leaves no computed constant key behind", () => {
    expect(schemaModules.length).toBeGreaterThanOrEqual(6);
    for (const path of schemaModules) {
      expect(path).toMatch(SCHEMA_MODULE);
      const { text, rewritten } = rewriteSchemaKeys(readFileSync(path, "utf8"));
      expect(rewritten, path).toBeGreaterThan(0);
      expect(text.match(/\[_\w+\]:/g) ?? [], path).toEqual([]);
    }
  });

  it("keeps a __proto__ key computed (a literal one would set the prototype)", () => {
    const { text } = rewriteSchemaKeys('const _p = "__proto__";\nconst _a = "a";\nexport const x = { [_p]: 1, [_a]: 2 };\n');
    expect(text).toContain('{ [_p]: 1, "a": 2 }');
  });

  it.each(schemaModules.map((path) => [path.split("/").at(-4)!, path]))("exports the same values for %s", async (_client, path) => {
    const original = pictures(await load(path, [], "original"));
    const rewritten = pictures(await load(path, [schemaKeysPlugin], "rewritten"));
    expect(Object.keys(original).length).toBeGreaterThan(10);
    expect(rewritten).toEqual(original);
  });
});
