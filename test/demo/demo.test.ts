// `eb-migrate demo` end to end (the built dev bundle, a real Django on SQLite), and the clear
// exit 2 when no Python with Django can be found.
import { describe, expect, it } from "vitest";
import { DEV_BUNDLE, runCli } from "../ops/cli.js";

describe("eb-migrate demo", () => {
  it("plays every scene as expected and ends with the summary table", async () => {
    const out = await runCli(["demo"], {}, { bundle: DEV_BUNDLE });
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    const summary = out.stdout.slice(out.stdout.indexOf("SCENE"));
    expect(summary).toMatch(/^SCENE\s+INSTANCES\s+LEADER\s+MIGRATIONS APPLIED\s+RESULT\s+TIME$/m);
    const rows = summary.split("\n").filter((l) => /^\d\. /.test(l));
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatch(/as expected\s+[\d.]+ (ms|s)$/);
    expect(rows[0]).toMatch(/^1\. Deploy v1 to 4 instances\s+4\s+i-[0-9a-f]+\s+0001_initial, 0002_seed/);
    expect(rows[3]).toMatch(/\(takeover\)\s+0005_backfill_totals/);
    expect(rows[4]).toMatch(/\(fallback\)\s+0006_order_status/);
    expect(out.stdout).toMatch(/leader_only/);
    expect(out.stdout).toMatch(/every scene behaved as promised/);
    // Not a TTY: no colour codes anywhere.
    expect(out.stdout + out.stderr).not.toMatch(/\x1b\[/);
  }, 60_000);

  it("without a Python that has Django: exit 2 and how to install it", async () => {
    const out = await runCli(["demo"], { EB_MIGRATE_DEMO_PYTHON: "/nonexistent/python3" }, { bundle: DEV_BUNDLE });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/^eb-migrate demo: the demo needs Python with Django; install it \(Debian\/Ubuntu: apt-get install python3-django; elsewhere: pip install django\)/);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stdout).toBe("");
  });
});
