// `eb-migrate demo` end to end (the built dev bundle, a real Django on SQLite), and the clear
// exit 2 when no Python with Django can be found.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { DEV_BUNDLE, runCli, type CliResult } from "../support/cli.js";

/** Debian's python3 without site-packages: a Python 3 that cannot import Django. */
const PYTHON_WITHOUT_DJANGO = fileURLToPath(new URL("../fixtures/bin/python-without-django", import.meta.url));

function expectEveryScene(out: CliResult): void {
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  const summary = out.stdout.slice(out.stdout.indexOf("SCENE"));
  expect(summary).toMatch(/^SCENE\s+INSTANCES\s+LEADER\s+MIGRATIONS APPLIED\s+RESULT\s+TIME$/m);
  const rows = summary.split("\n").filter((l) => /^\d\. /.test(l));
  expect(rows).toHaveLength(5);
  for (const row of rows) expect(row).toMatch(/as expected\s+[\d.]+ (ms|s)$/);
  expect(rows[0]).toMatch(/^1\. Deploy v1 to 4 instances\s+4\s+i-[0-9a-f]+\s+0001_initial, 0002_seed/);
  expect(rows[3]).toMatch(/\(takeover\)\s+0005_backfill_totals/);
  expect(rows[4]).toMatch(/\(fallback\)\s+0006_order_status/);
  expect(out.stdout).toMatch(/every scene behaved as promised/);
  expect(out.stdout + out.stderr).not.toMatch(/\x1b\[/);
}

describe("eb-migrate demo", () => {
  it("with a Python that lacks Django: says so in one line and plays the same scenes with the stand-in", async () => {
    const out = await runCli(["demo"], { EB_MIGRATE_DEMO_PYTHON: PYTHON_WITHOUT_DJANGO }, { bundle: DEV_BUNDLE });
    expectEveryScene(out);
    expect(out.stdout.split("\n").filter((l) => /No Python here can import Django/.test(l))).toEqual([
      `   No Python here can import Django: the scenes play with the demo's migration stand-in, NOT Django (${PYTHON_WITHOUT_DJANGO}, stdlib sqlite3, numbered migrations recorded in a table, no lock: the same hazard as Django's migrate)`,
    ]);
    expect(out.stdout).not.toMatch(/a Django [\d.]+ app/);
  }, 60_000);

  it("plays every scene as expected and ends with the summary table", async () => {
    const out = await runCli(["demo"], {}, { bundle: DEV_BUNDLE });
    expectEveryScene(out);
    expect(out.stdout).toMatch(/a Django [\d.]+ app \(\/usr\/bin\/python3\)/);
    expect(out.stdout).toMatch(/leader_only/);
    expect(out.stdout).not.toMatch(/stand-in/);
  }, 60_000);

  it("without any Python 3: exit 2 and how to install it", async () => {
    const out = await runCli(["demo"], { EB_MIGRATE_DEMO_PYTHON: "/nonexistent/python3" }, { bundle: DEV_BUNDLE });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/^eb-migrate demo: the demo needs Python 3 \(with Django for the real app\); install it/);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stdout).toBe("");
  });
});
