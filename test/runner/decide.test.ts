// The lease decision and the follower's timing rules, table-driven with an injected clock.
import { describe, expect, it } from "vitest";
import { decide, followerDelayMs, heartbeatIntervalMs, holderStateFromLifecycle, observe, type DecideInput, type LeaseRecord } from "../../src/election/decide.js";

const lease = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({ holder: "i-b", recordVersion: "v1", fencingToken: 3, leaseSeconds: 30, ...over });

describe("decide", () => {
  const cases: [string, Omit<DecideInput, "self">, string][] = [
    ["no lease record → acquire", { lease: undefined, observation: undefined, holderState: "unknown", now: 0 }, "acquire"],
    ["released lease (no holder) → acquire", { lease: lease({ holder: undefined }), observation: undefined, holderState: "unknown", now: 0 }, "acquire"],
    ["held by me (earlier process on this instance) → reenter", { lease: lease({ holder: "i-a" }), observation: undefined, holderState: "unknown", now: 0 }, "reenter"],
    ["holder gone from Auto Scaling → takeover at once", { lease: lease(), observation: undefined, holderState: "gone", now: 0 }, "takeover:holder-gone"],
    ["holder alive, first sight → wait", { lease: lease(), observation: undefined, holderState: "alive", now: 0 }, "wait"],
    ["holder alive, same version for less than the lease → wait", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "alive", now: 29_999 }, "wait"],
    ["holder alive, same version for the whole lease → takeover", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "alive", now: 30_000 }, "takeover:lease-expired"],
    ["holder unknown (Auto Scaling not answering), lease expired → takeover", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "unknown", now: 31_000 }, "takeover:lease-expired"],
    ["version changed (heartbeat) → wait, whatever the time", { lease: lease({ recordVersion: "v2" }), observation: { recordVersion: "v1", since: 0 }, holderState: "alive", now: 999_000 }, "wait"],
    ["holder's own lease time is used, not ours", { lease: lease({ leaseSeconds: 60 }), observation: { recordVersion: "v1", since: 0 }, holderState: "alive", now: 45_000 }, "wait"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    const d = decide({ self: "i-a", ...input });
    expect(d.kind === "takeover" ? `takeover:${d.reason}` : d.kind).toBe(expected);
  });

  it("takes over conditional on the version it observed", () => {
    const d = decide({ self: "i-a", lease: lease({ recordVersion: "v9" }), observation: undefined, holderState: "gone", now: 0 });
    expect(d).toEqual({ kind: "takeover", reason: "holder-gone", expectVersion: "v9" });
  });

  it("reports how long is left of the lease while waiting", () => {
    const d = decide({ self: "i-a", lease: lease(), observation: { recordVersion: "v1", since: 1_000 }, holderState: "alive", now: 11_000 });
    expect(d).toEqual({ kind: "wait", holder: "i-b", remainingMs: 20_000 });
  });
});

describe("observe", () => {
  it("starts a window at the first sight of a version", () => {
    expect(observe(undefined, lease(), 500, true)).toEqual({ recordVersion: "v1", since: 500 });
  });
  it("keeps the window while the version is unchanged", () => {
    expect(observe({ recordVersion: "v1", since: 100 }, lease(), 900, true)).toEqual({ recordVersion: "v1", since: 100 });
  });
  it("restarts the window when the version changes", () => {
    expect(observe({ recordVersion: "v1", since: 100 }, lease({ recordVersion: "v2" }), 900, true)).toEqual({ recordVersion: "v2", since: 900 });
  });
  it("drops the window after a failed read: an outage of the table is not the holder's death", () => {
    expect(observe({ recordVersion: "v1", since: 100 }, lease(), 900, false)).toBeUndefined();
  });
  it("has nothing to watch when the lease is free", () => {
    expect(observe({ recordVersion: "v1", since: 100 }, lease({ holder: undefined }), 900, true)).toBeUndefined();
  });
  it("never uses wall-clock fields: a skewed renewedAt changes nothing", () => {
    const skewed = lease({ renewedAt: "2001-01-01T00:00:00.000Z", acquiredAt: "2001-01-01T00:00:00.000Z" });
    const obs = observe(undefined, skewed, 0, true);
    expect(decide({ self: "i-a", lease: skewed, observation: obs, holderState: "alive", now: 1_000 }).kind).toBe("wait");
  });
});

describe("timing rules", () => {
  it.each([
    [0, 250],
    [1, 500],
    [2, 800],
    [3, 800],
    [50, 800],
  ])("follower poll %i waits %i ms (first check within 250 ms, capped below 1 s)", (attempt, ms) => {
    expect(followerDelayMs(attempt)).toBe(ms);
  });
  it.each([
    [3, 1000],
    [6, 2000],
    [30, 2000],
    [3600, 2000],
  ])("a %i s lease is renewed every %i ms (2 s, a third of shorter leases)", (lease, ms) => {
    expect(heartbeatIntervalMs(lease)).toBe(ms);
  });
});

describe("holder liveness from the Auto Scaling lifecycle", () => {
  it.each([
    [undefined, "gone"],
    ["InService", "alive"],
    ["Pending", "alive"],
    ["Pending:Wait", "alive"],
    ["Standby", "alive"],
    ["Terminating", "gone"],
    ["Terminating:Wait", "gone"],
    ["Terminated", "gone"],
    ["Detached", "gone"],
  ])("%s → %s", (state, expected) => {
    expect(holderStateFromLifecycle(state)).toBe(expected);
  });
});
