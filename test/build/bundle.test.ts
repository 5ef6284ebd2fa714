// The instance bundle's contract (PRODUCT.md): one file, Node >= 20, nothing required at run
// time beyond Node's built-ins, strict mode, and no AWS SDK notice in users' deploy logs.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { describe, expect, it } from "vitest";
import { BUNDLE_CEILING_BYTES } from "../../src/bench/startup.js";
import { BUNDLE } from "../support/fleet.js";

const source = readFileSync(BUNDLE, "utf8");
/**
 * The bundled code (scripts/build.mjs says why it is laid out so): the early part, the file's own
 * code in a function, and the rest, carried as line comments after a marker.
 */
const EARLY_START = "const earlyPart = (() => {\nconst module = { exports: {} }, exports = module.exports;\n";
const early = source.slice(source.indexOf(EARLY_START) + EARLY_START.length, source.indexOf("\nreturn module.exports;\n})();"));
const REST_MARKER = "//# eb-migrate: the rest of the bundle";
const rest = source.slice(source.lastIndexOf(REST_MARKER) + REST_MARKER.length).trimEnd().replace(/^\n\/\//, "").replace(/\n\/\//g, "\n");
const code = `${early}\n${rest}`;

describe("dist/eb-migrate.cjs", () => {
  it("names its version in the second line and answers --version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(source.split("\n")[1]).toMatch(new RegExp(`^// eb-migrate ${pkg.version.replace(/\./g, "\\.")} `));
    const result = spawnSync(process.execPath, [BUNDLE, "--version"], { encoding: "utf8" });
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(result.status).toBe(0);
  });

  it("stays under 700 KB (the SDK's schema keys rewritten so unused shapes drop out)", () => {
    // Node compiles the whole file on every start (and on every instance): an SDK layout change
    // that undoes scripts/schema-keys.mjs roughly doubles it (1.1 MB without the rewrite).
    expect(statSync(BUNDLE).size).toBeLessThanOrEqual(BUNDLE_CEILING_BYTES);
  });

  it("requires nothing but Node's built-ins", () => {
    // Calls, not mentions: the SDK quotes `[require("@aws-sdk/signature-v4-crt")]` in an error message.
    expect(code.length).toBeGreaterThan(100_000);
    const required = [...code.matchAll(/(?<![\w$.[])require\("([^"]+)"\)/g)].map((m) => m[1]!);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(required.filter((name) => !builtins.has(name))).toEqual([]);
    expect(code).not.toMatch(/dynalite|memory-level/);
  });

  it("runs in strict mode: the first statement of the file and of the bundled code is the directive", () => {
    const firstStatement = source.split("\n").find((line) => line !== "" && !line.startsWith("#!") && !line.startsWith("//"));
    expect(firstStatement).toBe('"use strict";');
    expect(early.startsWith('"use strict";')).toBe(true);
    expect(rest.startsWith('"use strict";')).toBe(true);
  });

  it("has no AWS SDK in the early part (what a skipped run compiles); the rest has the clients", () => {
    expect(early.length).toBeGreaterThan(20_000);
    for (const mark of ["@aws-sdk/", "middlewareStack", "AmazonSimpleNotificationService"]) {
      expect(early, mark).not.toContain(mark);
      expect(rest, mark).toContain(mark);
    }
  });

  it("keeps the AWS SDK's Node 20 notice out of the deploy log", () => {
    const env = { PATH: process.env.PATH, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y", AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: "http://127.0.0.1:9", AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" };
    // `status --env` builds SDK clients and calls AWS (here: nothing listens, so it fails fast).
    const result = spawnSync(process.execPath, [BUNDLE, "status", "--env", "my-env"], { env, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toMatch(/eb-migrate status: /);
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning|will require node/);
  });
});
