// The cheap part of the chaos matrix through the built dist/chaos.cjs: real instance processes
// against the sandbox, the invariants checked after every run, zero violations expected.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const CHAOS = fileURLToPath(new URL("../../dist/chaos.cjs", import.meta.url));
// In matrix order (the table keeps it).
const ROWS = ["baseline", "leader-sigkill", "sigterm-timeout", "failing-migrate", "sigterm-ignored-leader-death"];

interface ChaosResults {
  rows: { id: string; runs: number; violations: number; examples: unknown[] }[];
  runs: { row: string; violations: unknown[] }[];
}

describe("chaos, quick subset", () => {
  const out = mkdtempSync(join(tmpdir(), "eb-migrate-chaos-test-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("plays every run of the cheap rows without a violation", () => {
    const run = spawnSync(process.execPath, [CHAOS, "--rows", ROWS.join(","), "--runs", "2", "--out", out], { encoding: "utf8", timeout: 110_000 });
    const results = JSON.parse(readFileSync(join(out, "chaos-results.json"), "utf8")) as ChaosResults;
    const detail = `${run.stdout}\n${run.stderr}`;
    expect(results.rows.map((r) => r.id)).toEqual(ROWS);
    expect(results.runs, detail).toHaveLength(ROWS.length * 2);
    expect(results.rows.map((r) => [r.id, r.violations, r.examples]), detail).toEqual(ROWS.map((id) => [id, 0, []]));
    expect(run.status, detail).toBe(0);
    expect(readFileSync(join(out, "chaos-table.md"), "utf8")).toMatch(/\| leader process SIGKILLed at a random point \| 2 \| 0 \|/);
  }, 120_000);

  it("two environments on one database: no two commands at once across the environments", () => {
    const row = "two-environments-one-database";
    // Under vitest the chaos run uses the test PostgreSQL server (EB_MIGRATE_TEST_PG* in its environment).
    const run = spawnSync(process.execPath, [CHAOS, "--rows", row, "--runs", "2", "--out", out], { encoding: "utf8", timeout: 85_000 });
    const detail = `${run.stdout}\n${run.stderr}`;
    const results = JSON.parse(readFileSync(join(out, "chaos-results.json"), "utf8")) as ChaosResults;
    expect(results.rows.map((r) => [r.id, r.runs, r.violations, r.examples]), detail).toEqual([[row, 2, 0, []]]);
    expect(run.status, detail).toBe(0);
  }, 90_000);

  it("plays the partial faults of the quick subset without a violation: only the leader's DynamoDB blackholed", () => {
    const rows = ["leader-dynamodb-blackhole"];
    const dir = mkdtempSync(join(out, "partial-"));
    const run = spawnSync(process.execPath, [CHAOS, "--rows", rows.join(","), "--runs", "2", "--out", dir], { encoding: "utf8", timeout: 85_000 });
    const results = JSON.parse(readFileSync(join(dir, "chaos-results.json"), "utf8")) as ChaosResults;
    const detail = `${run.stdout}\n${run.stderr}`;
    expect(results.runs, detail).toHaveLength(rows.length * 2);
    expect(results.rows.map((r) => [r.id, r.violations, r.examples]), detail).toEqual(rows.map((id) => [id, 0, []]));
    expect(run.status, detail).toBe(0);
  }, 90_000);

  it("rejects an unknown row with exit 2, naming the known ones", () => {
    const run = spawnSync(process.execPath, [CHAOS, "--rows", "no-such-row", "--out", out], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown row\(s\) no-such-row; known: baseline, leader-sigkill/);
  });
});
