// The bundle's compile cache (scripts/build.mjs): on Node >= 22.1 enabled in
// $EB_MIGRATE_ROOT/var/cache/eb-migrate/<bundle digest>-node<version>, before the bundled code
// is compiled, other keys pruned; never a reason for a run to fail; nothing at all on Node 20.
// This machine has Node 20, so a preloaded stand-in for module.enableCompileCache records the
// calls (whether Node 22 then reads the cache is Node's part, measured by `npm run bench` there).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE } from "../support/fleet.js";

const CACHE = "var/cache/eb-migrate";

function setup() {
  const base = mkdtempSync(join(tmpdir(), "ebm-compile-cache-"));
  const root = join(base, "root");
  mkdirSync(root);
  const calls = join(base, "calls");
  const stub = join(base, "stub.cjs");
  // Records enableCompileCache's directory, and each module compiled after it.
  writeFileSync(
    stub,
    `const Module = require("node:module"), fs = require("node:fs");
// The bundle asks for the cache from Node 22 on: this Node says it is one.
Object.defineProperty(process.versions, "node", { value: "22.1.0" });
Module.enableCompileCache = (dir) => { fs.appendFileSync(${JSON.stringify(calls)}, "enable " + dir + "\\n"); return { status: 0, directory: dir }; };
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) { fs.appendFileSync(${JSON.stringify(calls)}, "compile " + content.length + "\\n"); return compile.call(this, content, filename); };
`,
  );
  const run = (withStub: boolean) =>
    spawnSync(process.execPath, [...(withStub ? ["--require", stub] : []), BUNDLE, "run"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, EB_MIGRATE_ROOT: root, EB_MIGRATE_DISABLED: "true" },
      timeout: 30_000,
    });
  const recorded = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []);
  return { root, run, recorded };
}

describe("the compile cache", () => {
  it("is enabled in a private directory per bundle and Node version before the bundled code compiles; other keys go", () => {
    const { root, run, recorded } = setup();
    mkdirSync(join(root, CACHE, "0123456789abcdef-nodev22.0.0"), { recursive: true, mode: 0o700 });
    const result = run(true);
    expect(result.status, result.stderr).toBe(0);
    const lines = recorded();
    // Compiles: the bundle file itself (before any of its lines ran, with the early part, which
    // hands over: the run is disabled), then the rest of its code.
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["compile", "enable", "compile"]);
    const dir = lines[1]!.slice("enable ".length);
    expect(dir.startsWith(join(root, CACHE) + "/")).toBe(true);
    expect(dir.slice(join(root, CACHE).length + 1)).toMatch(new RegExp(`^[0-9a-f]{16}-node${process.version.replace(/\./g, "\\.")}$`));
    expect(Number(lines[2]!.split(" ")[1])).toBeGreaterThan(Number(lines[0]!.split(" ")[1]) * 0.8);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(root, CACHE))).toEqual([dir.split("/").at(-1)]);
  });

  it("is not used when another user could write the directory", () => {
    const { root, run, recorded } = setup();
    mkdirSync(join(root, CACHE), { recursive: true });
    chmodSync(join(root, CACHE), 0o777);
    const result = run(true);
    expect(result.status, result.stderr).toBe(0);
    expect(recorded().filter((l) => l.startsWith("enable"))).toEqual([]);
  });

  it("never fails the run when the directory cannot be made", () => {
    const { root, run, recorded } = setup();
    mkdirSync(join(root, "var/cache"), { recursive: true });
    writeFileSync(join(root, CACHE), "a file where the directory would go");
    const result = run(true);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("EB_MIGRATE_DISABLED is set");
    expect(recorded().filter((l) => l.startsWith("enable"))).toEqual([]);
  });

  it("does nothing on a Node without enableCompileCache (Node 20), and uses Node's own where it exists", () => {
    const { root, run } = setup();
    const result = run(false);
    expect(result.status, result.stderr).toBe(0);
    const nodeHasCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === "function";
    expect(existsSync(join(root, CACHE))).toBe(nodeHasCache);
  });
});
