// The lease decision and the follower's timing rules, table-driven with an injected clock.
import { describe, expect, it } from "vitest";
import {
  decide,
  FOLLOWER_POLL_CAP_MS,
  followerDelayMs,
  heartbeatIntervalMs,
  holderCheckDelayMs,
  holderStateFromEc2,
  holderStateFromLifecycle,
  observe,
  renewalsLate,
  renewalsLateAfterMs,
  type DecideInput,
  type LeaseRecord,
} from "../../src/election/decide.js";

const lease = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({ holder: "i-b", recordVersion: "v1", fencingToken: 3, leaseSeconds: 30, ...over });

describe("decide", () => {
  // Renewals count as late after 3 s for a 30 s lease (renewalsLateAfterMs).
  const cases: [string, Omit<DecideInput, "self">, string][] = [
    ["no lease record → acquire", { lease: undefined, observation: undefined, holderState: "unknown", now: 0 }, "acquire"],
    ["released lease (no holder) → acquire", { lease: lease({ holder: undefined }), observation: undefined, holderState: "unknown", now: 0 }, "acquire"],
    ["held by me (earlier process on this instance) → reenter", { lease: lease({ holder: "i-a" }), observation: undefined, holderState: "unknown", now: 0 }, "reenter"],
    ["holder cannot run, renewals late → takeover", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "cannot-run", now: 3_000 }, "takeover:holder-gone"],
    ["holder cannot run, but renewals on time → wait (a live renewal outranks Auto Scaling and EC2)", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "cannot-run", now: 2_999 }, "wait"],
    ["holder cannot run, first sight of its version → wait", { lease: lease(), observation: undefined, holderState: "cannot-run", now: 0 }, "wait"],
    ["holder cannot run, version just changed → wait", { lease: lease({ recordVersion: "v2" }), observation: { recordVersion: "v1", since: 0 }, holderState: "cannot-run", now: 9_000 }, "wait"],
    ["holder may run, first sight → wait", { lease: lease(), observation: undefined, holderState: "may-run", now: 0 }, "wait"],
    ["holder may run, renewals late, less than the lease → wait", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "may-run", now: 29_999 }, "wait"],
    ["holder may run, same version for the whole lease → takeover", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "may-run", now: 30_000 }, "takeover:lease-expired"],
    ["holder unknown (Auto Scaling and EC2 not answering), lease expired → takeover", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "unknown", now: 31_000 }, "takeover:lease-expired"],
    ["holder unknown, renewals late → wait", { lease: lease(), observation: { recordVersion: "v1", since: 0 }, holderState: "unknown", now: 10_000 }, "wait"],
    ["version changed (heartbeat) → wait, whatever the time", { lease: lease({ recordVersion: "v2" }), observation: { recordVersion: "v1", since: 0 }, holderState: "may-run", now: 999_000 }, "wait"],
    ["holder's own lease time is used, not ours", { lease: lease({ leaseSeconds: 60 }), observation: { recordVersion: "v1", since: 0 }, holderState: "may-run", now: 45_000 }, "wait"],
    ["a 3 s lease: late after 2 s", { lease: lease({ leaseSeconds: 3 }), observation: { recordVersion: "v1", since: 0 }, holderState: "cannot-run", now: 2_000 }, "takeover:holder-gone"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    const d = decide({ self: "i-a", ...input });
    expect(d.kind === "takeover" ? `takeover:${d.reason}` : d.kind).toBe(expected);
  });

  it("takes over conditional on the version it observed", () => {
    const d = decide({ self: "i-a", lease: lease({ recordVersion: "v9" }), observation: { recordVersion: "v9", since: 0 }, holderState: "cannot-run", now: 5_000 });
    expect(d).toEqual({ kind: "takeover", reason: "holder-gone", expectVersion: "v9" });
  });

  it("reports how long is left of the lease while waiting", () => {
    const d = decide({ self: "i-a", lease: lease(), observation: { recordVersion: "v1", since: 1_000 }, holderState: "may-run", now: 11_000 });
    expect(d).toEqual({ kind: "wait", holder: "i-b", remainingMs: 20_000 });
  });

  it.each([
    [3, 2_000],
    [6, 3_000],
    [30, 3_000],
    [3600, 3_000],
  ])("renewals of a %i s lease are late after %i ms; renewalsLate agrees", (seconds, ms) => {
    expect(renewalsLateAfterMs(seconds)).toBe(ms);
    const l = lease({ leaseSeconds: seconds });
    expect(renewalsLate(l, { recordVersion: "v1", since: 0 }, ms - 1)).toBe(false);
    expect(renewalsLate(l, { recordVersion: "v1", since: 0 }, ms)).toBe(true);
    expect(renewalsLate(l, { recordVersion: "v0", since: 0 }, ms * 10)).toBe(false);
    expect(renewalsLate(lease({ holder: undefined }), { recordVersion: "v1", since: 0 }, ms * 10)).toBe(false);
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
    expect(decide({ self: "i-a", lease: skewed, observation: obs, holderState: "may-run", now: 1_000 }).kind).toBe("wait");
  });
});

describe("timing rules", () => {
  it.each([
    [0, 0, 213],
    [0, 1, 250],
    [1, 0, 340],
    [1, 1, 400],
    [50, 0.5, 370],
  ])("follower poll %i with random %d waits %i ms (250 ms, then 400 ms, less up to 15 %%)", (attempt, random, ms) => {
    expect(followerDelayMs(attempt, () => random)).toBe(ms);
  });
  it("a follower reads at most ~2.75 times a second on average, and never waits over 400 ms", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const delays = Array.from({ length: 10_000 }, (_, n) => followerDelayMs(n + 2, random));
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(1000 / mean).toBeLessThan(2.75);
    expect(Math.max(...delays)).toBeLessThanOrEqual(FOLLOWER_POLL_CAP_MS);
  });
  it.each([
    [0, 0.5, 1_000],
    [1, 0.5, 2_000],
    [3, 0.5, 8_000],
    [9, 0.5, 8_000],
    [0, 0, 500],
    [3, 0.999, 11_992],
  ])("holder check %i after the first with random %d waits %i ms", (attempt, random, ms) => {
    expect(holderCheckDelayMs(attempt, () => random)).toBe(ms);
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

describe("can the holder's instance be running? (one table per service)", () => {
  it.each([
    [undefined, "ask-ec2"],
    ["InService", "ask-ec2"],
    ["Pending", "ask-ec2"],
    ["Pending:Wait", "ask-ec2"],
    ["Standby", "ask-ec2"],
    ["EnteringStandby", "ask-ec2"],
    ["Detaching", "ask-ec2"],
    ["Detached", "ask-ec2"],
    ["Terminating:Wait", "ask-ec2"],
    ["Warmed:Running", "ask-ec2"],
    ["Warmed:Stopped", "ask-ec2"],
    ["SomeFutureState", "ask-ec2"],
    ["Terminating", "cannot-run"],
    ["Terminating:Proceed", "cannot-run"],
    ["Terminated", "cannot-run"],
  ])("Auto Scaling %s → %s", (state, expected) => {
    expect(holderStateFromLifecycle(state)).toBe(expected);
  });
  it.each([
    ["pending", "may-run"],
    ["running", "may-run"],
    ["stopping", "cannot-run"],
    ["stopped", "cannot-run"],
    ["shutting-down", "cannot-run"],
    ["terminated", "cannot-run"],
    [undefined, "cannot-run"],
    ["", "unknown"],
  ])("EC2 %s → %s", (state, expected) => {
    expect(holderStateFromEc2(state)).toBe(expected);
  });
});
