// The heartbeat and its fence timer on virtual time, with a lease store whose renewals answer
// (or hang) as each test says: the fence fires from the last renewal's start, whatever is in flight.
import { describe, expect, it } from "vitest";
import { createLogger, memorySink } from "../../src/cli/log.js";
import { fenceAfterMs } from "../../src/election/fence.js";
import { startHeartbeat } from "../../src/election/heartbeat.js";
import type { HeldLease } from "../../src/election/lease.js";
import { virtualClock, type VirtualClock } from "../support/virtual-clock.js";

type Answer = "renewed" | "lost" | "unknown" | "hang";

function setUp(answers: (n: number, now: number) => Answer, leaseSeconds = 30, killGraceMs = 3_000) {
  const clock = virtualClock();
  const held: HeldLease = { environmentId: "e-1", holder: "i-a", fencingToken: 1, recordVersion: "v0", leaseSeconds };
  const renewals: { at: number; signal: AbortSignal | undefined }[] = [];
  const leases = {
    renew: (_lease: HeldLease, signal?: AbortSignal) => {
      const answer = answers(renewals.length, clock.now());
      renewals.push({ at: clock.now(), signal });
      if (answer !== "hang") return Promise.resolve(answer);
      // Connection accepted, never answered: only the abort signal ends it.
      return new Promise<"unknown">((resolve) => signal?.addEventListener("abort", () => resolve("unknown"), { once: true }));
    },
  };
  const heartbeat = startHeartbeat({ leases, clock, log: createLogger({ sinks: [memorySink()], now: clock.now }), held, acquiredAt: 0, killGraceMs });
  return { clock, heartbeat, renewals };
}

/** Resolves once the fence signal aborts, with the virtual time it happened at. */
function fired(clock: VirtualClock, signal: AbortSignal): Promise<{ at: number; reason: unknown }> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve({ at: clock.now(), reason: signal.reason }), { once: true }));
}

describe("the heartbeat's fence", () => {
  it("fires at the deadline while a renewal hangs, and aborts the hung renewal", async () => {
    const fenceAfter = fenceAfterMs(30, 3_000);
    const { clock, heartbeat, renewals } = setUp((n) => (n < 3 ? "renewed" : "hang"));
    const fence = await fired(clock, heartbeat.fence.signal);
    // Renewals at 2, 4, 6 s succeeded; the one sent at 8 s hangs: the deadline is 6 s + fenceAfter.
    expect(renewals.map((r) => r.at)).toEqual([2_000, 4_000, 6_000, 8_000]);
    expect(fence).toEqual({ at: 6_000 + fenceAfter, reason: "unrenewed" });
    expect(heartbeat.fence.deadline()).toBe(6_000 + fenceAfter);
    expect(renewals[3]!.signal?.aborted).toBe(true);
    await heartbeat.stop();
  });

  it("is moved later by every successful renewal (from the renewal's start) and tells its listeners", async () => {
    const fenceAfter = fenceAfterMs(30, 3_000);
    const { clock, heartbeat } = setUp(() => "renewed");
    const extended: number[] = [];
    heartbeat.fence.onExtend((deadline) => extended.push(deadline));
    expect(heartbeat.fence.deadline()).toBe(fenceAfter);
    await clock.sleep(3 * fenceAfter);
    expect(heartbeat.fence.signal.aborted).toBe(false);
    expect(extended.slice(0, 3)).toEqual([2_000 + fenceAfter, 4_000 + fenceAfter, 6_000 + fenceAfter]);
    expect(heartbeat.fence.deadline()).toBeGreaterThan(2 * fenceAfter);
    await heartbeat.stop();
  });

  it("keeps firing from the last success when renewals fail without hanging", async () => {
    const { clock, heartbeat } = setUp((n) => (n === 0 ? "renewed" : "unknown"), 3, 300);
    const fence = await fired(clock, heartbeat.fence.signal);
    expect(fence).toEqual({ at: 1_000 + fenceAfterMs(3, 300), reason: "unrenewed" });
    await heartbeat.stop();
  });

  it("aborts at once with 'lost' when a renewal finds the lease taken over", async () => {
    const { clock, heartbeat } = setUp((n) => (n === 1 ? "lost" : "renewed"));
    expect(await fired(clock, heartbeat.fence.signal)).toEqual({ at: 4_000, reason: "lost" });
    expect(heartbeat.lost.aborted).toBe(true);
    await heartbeat.stop();
  });

  it("never fires 'unrenewed' once the command has finished (the outcome is still written)", async () => {
    const { clock, heartbeat } = setUp(() => "unknown");
    heartbeat.commandFinished();
    await clock.sleep(120_000);
    expect(heartbeat.fence.signal.aborted).toBe(false);
    await heartbeat.stop();
  });

  it("renewNow says whether the command may start: not once the deadline has passed", async () => {
    const { clock, heartbeat } = setUp(() => "unknown", 3, 300);
    expect(await heartbeat.renewNow()).toBe(true);
    await clock.sleep(fenceAfterMs(3, 300));
    expect(await heartbeat.renewNow()).toBe(false);
    await heartbeat.stop();
  });
});
