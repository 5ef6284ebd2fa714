// Node 20 keeps working (the floor) but is end of life: `run` says so once per deploy, and the
// AWS SDK's own Node notice stays out of the log (test/build/bundle.test.ts).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { nodeVersionWarning } from "../../src/runtime/node-version.js";
import { BUNDLE } from "../support/fleet.js";

describe("the Node.js version", () => {
  it("warns below Node 22 only", () => {
    expect(nodeVersionWarning("20.19.0")).toMatch(/^Node\.js v20\.19\.0 is end of life; eb-migrate still runs on it, .*nodejs22/);
    expect(nodeVersionWarning("22.0.0")).toBeUndefined();
    expect(nodeVersionWarning("24.3.1")).toBeUndefined();
  });

  it("run logs the warning once, in one line, on Node 20 (none on 22+)", () => {
    const env = { PATH: process.env.PATH, AWS_REGION: "us-east-1", AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9", EB_MIGRATE_ROOT: "/nonexistent" };
    const result = spawnSync(process.execPath, [BUNDLE, "run"], { env, encoding: "utf8", timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n").filter((l) => /is end of life/.test(l))).toHaveLength(Number(process.versions.node.split(".")[0]) < 22 ? 1 : 0);
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning|will require node/);
  });
});
