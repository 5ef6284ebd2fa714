// The fence arithmetic and the setting combinations checked up front: with every accepted
// lease and grace, the command is dead before another instance may judge the lease expired,
// with room for two renewals before the fence.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import { resolveSettings } from "../../src/config/settings.js";
import { heartbeatIntervalMs } from "../../src/election/decide.js";
import { defaultKillGraceMs, fenceAfterMs, fenceMarginMs, minimumLeaseSeconds } from "../../src/election/fence.js";

describe("the fence arithmetic", () => {
  it.each([3, 4, 5, 6, 10, 30, 60, 600, 3600])("a %i s lease with the default grace: fence + grace + margin ≤ lease, two renewals before the fence", (lease) => {
    const s = resolveSettings({ EB_MIGRATE_LEASE_SECONDS: String(lease), EB_MIGRATE_WAIT_TIMEOUT_SECONDS: String(lease + 60) });
    expect(s.killGraceMs).toBe(defaultKillGraceMs(lease));
    const fence = fenceAfterMs(lease, s.killGraceMs);
    expect(fence + s.killGraceMs + fenceMarginMs(lease)).toBeLessThanOrEqual(lease * 1000);
    expect(fence).toBeGreaterThanOrEqual(2 * heartbeatIntervalMs(lease));
  });

  it("a lease too short for the grace is exit 2, naming the minimum lease", () => {
    const error = (() => {
      try {
        resolveSettings({ EB_MIGRATE_LEASE_SECONDS: "5", EB_MIGRATE_KILL_GRACE_SECONDS: "10" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    const minimum = minimumLeaseSeconds(10_000)!;
    expect(minimum).toBeGreaterThan(10);
    expect((error as Error).message).toContain(`EB_MIGRATE_LEASE_SECONDS=5 is too short for a kill grace of 10 s`);
    expect((error as Error).message).toContain(`at least ${minimum}`);
    // And the minimum it names is accepted.
    expect(resolveSettings({ EB_MIGRATE_LEASE_SECONDS: String(minimum), EB_MIGRATE_KILL_GRACE_SECONDS: "10" }).killGraceMs).toBe(10_000);
    expect(() => resolveSettings({ EB_MIGRATE_LEASE_SECONDS: String(minimum - 1), EB_MIGRATE_KILL_GRACE_SECONDS: "10" })).toThrow(ConfigError);
  });

  it.each(["0", "abc", "1.2345", "-1", "601"])("EB_MIGRATE_KILL_GRACE_SECONDS=%s is refused", (value) => {
    expect(() => resolveSettings({ EB_MIGRATE_KILL_GRACE_SECONDS: value })).toThrow(/EB_MIGRATE_KILL_GRACE_SECONDS=".*" is not valid: expected a number of seconds from 0.1 to 600/);
  });

  it("a grace in seconds with decimals", () => {
    expect(resolveSettings({ EB_MIGRATE_KILL_GRACE_SECONDS: "2.5" }).killGraceMs).toBe(2_500);
  });
});
