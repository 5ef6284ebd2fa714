// The follower loop and the leader with an injected clock (virtual time, real DynamoDB in the
// sandbox): progress lines every 10 s, the wait timeout, a lease taken over only after a whole
// lease time of unchanged versions on the follower's own clock, and the leader's renewal and fence.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, ReleaseFailedError, WaitTimeoutError } from "../../src/cli/errors.js";
import { createLogger, memorySink } from "../../src/cli/log.js";
import { resolveSettings } from "../../src/config/settings.js";
import { FOLLOWER_POLL_CAP_MS, HOLDER_CHECK_SPREAD_MS, renewalsLateAfterMs, type HolderState } from "../../src/election/decide.js";
import { fenceAfterMs } from "../../src/election/fence.js";
import { LeaseStore } from "../../src/election/lease.js";
import type { ReleaseRecord } from "../../src/release/record-item.js";
import { ReleaseStore } from "../../src/release/record.js";
import { runRelease, type RunnerDeps } from "../../src/release/runner.js";
import type { Clock } from "../../src/runtime/clock.js";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { virtualClock, type VirtualClock } from "../support/virtual-clock.js";

let sandbox: Sandbox;
let ddb: DynamoDBClient;
beforeAll(async () => {
  sandbox = await startSandbox({ instances: 1 });
  const s = sandbox.state();
  ddb = new DynamoDBClient(sandboxClientConfig(s, s.endpoints.dynamodbUpstream));
});
afterAll(async () => sandbox?.stop());

let envCounter = 0;
function setUp(clock: VirtualClock, settingsEnv: Record<string, string>, holderState: HolderState = "may-run") {
  const environmentId = `e-virtual${++envCounter}`;
  const sink = memorySink();
  const tracked = clock.track(new DynamoDBClient(sandboxClientConfig(sandbox.state(), sandbox.state().endpoints.dynamodbUpstream)));
  const leases = new LeaseStore(tracked, "eb-migrate", clock);
  const releases = new ReleaseStore(tracked, "eb-migrate", clock);
  const executed: string[] = [];
  const holderChecks: number[] = [];
  const deps: RunnerDeps = {
    settings: resolveSettings(settingsEnv),
    identity: { instanceId: "i-follower", region: "us-east-1", environmentId, environmentName: "env" },
    deployment: { key: "v1#1", source: "test" },
    clock,
    log: createLogger({ sinks: [sink], now: clock.now }),
    signal: new AbortController().signal,
    leases,
    releases,
    prepare: async () => async () => {
      executed.push("ran");
      return { exitCode: 0, outputTail: [], durationMs: 1, timedOut: false };
    },
    holderState: async () => {
      holderChecks.push(clock.now());
      return holderState;
    },
    oldestInstance: async () => "i-follower",
    random: () => 0.5,
  };
  return { environmentId, sink, leases, releases, executed, deps, holderChecks };
}

/** The runner's stores through the sandbox's fault proxy, one attempt per call: every injected error reaches the runner. */
function throughFaultProxy<T extends ReturnType<typeof setUp>>(s: T, clock: VirtualClock): T {
  const state = sandbox.state();
  const faulty = clock.track(new DynamoDBClient({ ...sandboxClientConfig(state, state.endpoints.dynamodb), maxAttempts: 1 }));
  s.deps.leases = new LeaseStore(faulty, "eb-migrate", clock);
  s.deps.releases = new ReleaseStore(faulty, "eb-migrate", clock);
  return s;
}

const running = (environmentId: string, leader: string, token: number): ReleaseRecord => ({
  environmentId, environmentName: "env", deploymentKey: "v1#1", status: "running", leader, attempt: 1,
  fencingToken: token, electionMode: "lease", mode: "local", command: "migrate", startedAt: new Date().toISOString(),
});

describe("the mode prepares only when there is something to do", () => {
  const refused = async (): Promise<never> => {
    throw new ConfigError("no Python 3 for the release command");
  };

  it("a release already done is skipped without preparing: an instance that could not run the command still exits 0", async () => {
    const clock = virtualClock();
    const s = setUp(clock, {});
    expect(await runRelease(s.deps)).toMatchObject({ role: "leader" });
    const later = { ...s.deps, identity: { ...s.deps.identity, instanceId: "i-later" }, prepare: refused };
    expect(await runRelease(later)).toEqual({ role: "skipped", leader: "i-follower" });
  });

  it("a release not done yet: the refusal comes before any lease write, and nothing is recorded", async () => {
    const clock = virtualClock();
    const s = setUp(clock, {});
    s.deps.prepare = refused;
    await expect(runRelease(s.deps)).rejects.toBeInstanceOf(ConfigError);
    expect(await s.leases.read(s.environmentId)).toBeUndefined();
    expect(await s.releases.read(s.environmentId, "v1#1")).toBeUndefined();
  });
});

describe("a follower on virtual time", () => {
  it("prints a progress line every 10 s and exits when the leader succeeds", async () => {
    let finishAt: (() => Promise<void>) | undefined;
    const clock = virtualClock(async (t) => {
      if (t >= 35_000 && finishAt) {
        const f = finishAt;
        finishAt = undefined;
        await f();
      }
    });
    const { environmentId, sink, leases, releases, executed, deps } = setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "3600", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "7200" });
    const held = (await leases.acquire(environmentId, "i-leader", 3600, "v1#1", { kind: "fresh" }))!;
    const record = running(environmentId, "i-leader", held.fencingToken);
    await releases.claim(record);
    finishAt = async () => {
      await releases.finish(record, { status: "succeeded", exitCode: 0, durationMs: 35_000, outputTail: [] });
      await leases.release(held);
    };
    const outcome = await runRelease(deps);
    expect(outcome).toMatchObject({ role: "follower", leader: "i-leader" });
    expect(executed).toEqual([]);
    const progress = sink.records.filter((r) => /^waiting for i-leader: migrate running for/.test(r.msg));
    expect(progress.map((r) => r.msg), JSON.stringify(sink.records.map((r) => r.msg))).toEqual([
      expect.stringMatching(/running for 1\d(\.\d)? s$/),
      expect.stringMatching(/running for 2\d(\.\d)? s$/),
      expect.stringMatching(/running for 3\d(\.\d)? s$/),
    ]);
  });

  it("takes over a live holder's lease only after a whole lease time of the same version", async () => {
    const clock = virtualClock();
    const { environmentId, leases, executed, deps, sink } = setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "20", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "100" });
    await leases.acquire(environmentId, "i-stuck", 20, "v1#1", { kind: "fresh" });
    const outcome = await runRelease(deps);
    expect(outcome).toMatchObject({ role: "leader", takeover: "lease-expired" });
    expect(executed).toEqual(["ran"]);
    const takeover = sink.records.find((r) => /took over the lease from i-stuck/.test(r.msg))!;
    expect(takeover.elapsedMs).toBeGreaterThanOrEqual(20_000);
    expect(takeover.elapsedMs).toBeLessThan(22_000);
  });

  it("never takes over while the holder keeps renewing", async () => {
    let held: Awaited<ReturnType<LeaseStore["acquire"]>>;
    let leases: LeaseStore;
    const clock = virtualClock(async () => {
      await leases.renew(held!);
    });
    // Even were Auto Scaling to call it gone: renewals on time are never second-guessed, nor asked about.
    const s = setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "5", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "60" }, "cannot-run");
    leases = s.leases;
    held = await leases.acquire(s.environmentId, "i-alive", 5, "v1#1", { kind: "fresh" });
    const error = await runRelease(s.deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/waited 60 s .* led by i-alive/);
    expect(s.executed).toEqual([]);
    expect(s.holderChecks).toEqual([]);
  });

  it("a holder whose instance cannot be running is taken over once its renewals are late, not before, and long before its lease ends", async () => {
    const clock = virtualClock();
    const { environmentId, leases, deps, sink, holderChecks } = setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "600", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "700" }, "cannot-run");
    await leases.acquire(environmentId, "i-gone", 600, "v1#1", { kind: "fresh" });
    const outcome = await runRelease(deps);
    expect(outcome).toMatchObject({ role: "leader", takeover: "holder-gone" });
    const takeover = sink.records.find((r) => /took over the lease from i-gone/.test(r.msg))!;
    // Late after one renewal interval (2 s) + 1 s; asked once, a spread (≤ 500 ms) and a poll (≤ 400 ms) later at most.
    expect(holderChecks).toHaveLength(1);
    expect(holderChecks[0]).toBeGreaterThanOrEqual(renewalsLateAfterMs(600));
    expect(takeover.elapsedMs).toBeLessThan(renewalsLateAfterMs(600) + HOLDER_CHECK_SPREAD_MS + FOLLOWER_POLL_CAP_MS);
  });

  it("a late holder that may be running is asked again at growing intervals, then taken over after the lease time", async () => {
    const clock = virtualClock();
    const { environmentId, leases, deps, holderChecks } = setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "30", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "100" }, "may-run");
    await leases.acquire(environmentId, "i-paused", 30, "v1#1", { kind: "fresh" });
    const outcome = await runRelease(deps);
    expect(outcome).toMatchObject({ role: "leader", takeover: "lease-expired" });
    const gaps = holderChecks.slice(1).map((t, n) => t - holderChecks[n]!);
    // 1 s, 2 s, 4 s, 8 s, 8 s … (random fixed at 0.5 → ×1), each rounded up to the next poll.
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(gaps.length).toBeLessThanOrEqual(7);
    for (const [n, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(Math.min(8_000, 1_000 * 2 ** n));
  });

  it("a command that cannot even start marks the release failed: the next instance exits 1 at once, without retrying", async () => {
    const clock = virtualClock();
    const first = setUp(clock, {});
    first.deps.prepare = async () => async () => {
      throw new ReleaseFailedError("RunTask failed: MISSING (the container instance is missing)");
    };
    await expect(runRelease(first.deps)).rejects.toThrow(/RunTask failed/);
    const stored = await first.releases.read(first.environmentId, "v1#1");
    expect(stored).toMatchObject({ status: "failed", reason: "RunTask failed: MISSING (the container instance is missing)" });
    expect((await first.leases.read(first.environmentId))?.holder).toBeUndefined();
    const second = { ...first.deps, identity: { ...first.deps.identity, instanceId: "i-second" } };
    const error = await runRelease(second).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseFailedError);
    expect((error as Error).message).toMatch(/failed on i-follower \(RunTask failed/);
    expect(first.executed).toEqual([]);
  });

  it("a leader whose outcome write meets a burst of 5xx keeps the lease and retries it; the command runs once", async () => {
    const clock = virtualClock();
    const s = throughFaultProxy(setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "6", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "120" }), clock);
    s.deps.prepare = async () => async () => {
      s.executed.push("ran");
      // The outcome write and the lease release both meet errors after the command finished.
      sandbox.injectFault({ service: "dynamodb", operation: "UpdateItem", error: "InternalServerError", count: 8 });
      return { exitCode: 0, outputTail: ["done"], durationMs: 1, timedOut: false };
    };
    const outcome = await runRelease(s.deps);
    sandbox.clearFaults();
    expect(outcome).toMatchObject({ role: "leader" });
    expect(s.executed).toEqual(["ran"]);
    expect(await s.releases.read(s.environmentId, "v1#1")).toMatchObject({ status: "succeeded", outputTail: ["done"] });
    expect((await s.leases.read(s.environmentId))?.holder).toBeUndefined();
    expect(s.sink.records.some((r) => /could not record the outcome/.test(r.msg))).toBe(true);
  });

  it("a leader whose claim took most of the lease renews before it starts the command", async () => {
    const clock = virtualClock();
    const s = setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "5", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "60" });
    // The leader's writes and the command's start, in the order they happened, on the virtual clock.
    const calls: { call: "renewed" | "not renewed" | "claimed" | "started"; at: number }[] = [];
    const claim = s.releases.claim.bind(s.releases);
    s.deps.releases.claim = async (record, ...rest) => {
      await clock.sleep(4_500); // DynamoDB throttling: the claim takes 90 % of the lease
      const claimed = await claim(record, ...rest);
      calls.push({ call: "claimed", at: clock.now() });
      return claimed;
    };
    const renew = s.leases.renew.bind(s.leases);
    s.deps.leases.renew = async (...args) => {
      const sentAt = clock.now();
      const result = await renew(...args);
      calls.push({ call: result === "renewed" ? "renewed" : "not renewed", at: sentAt });
      return result;
    };
    const acquire = s.leases.acquire.bind(s.leases);
    let versionAtAcquisition: string | undefined;
    s.deps.leases.acquire = async (...args) => {
      const held = await acquire(...args);
      versionAtAcquisition = held?.recordVersion;
      return held;
    };
    let versionAtStart: string | undefined;
    let deadlineAtStart: number | undefined;
    s.deps.prepare = async () => async ({ fence }) => {
      calls.push({ call: "started", at: clock.now() });
      deadlineAtStart = fence?.deadline();
      versionAtStart = (await s.leases.read(s.environmentId))?.recordVersion;
      return { exitCode: 0, outputTail: [], durationMs: 1, timedOut: false };
    };
    expect(await runRelease(s.deps)).toMatchObject({ role: "leader" });
    expect(versionAtAcquisition).toBeDefined();
    // Another instance watching since the acquisition saw the version change before the command began.
    expect(versionAtStart).not.toBe(versionAtAcquisition);
    // The heartbeat renewed during the slow claim too; what counts is a renewal written after
    // the claim and before the command started (the heartbeat's next one is due later).
    const claimed = calls.findIndex((c) => c.call === "claimed");
    const started = calls.findIndex((c) => c.call === "started");
    expect(claimed, JSON.stringify(calls)).toBeGreaterThanOrEqual(0);
    expect(started, JSON.stringify(calls)).toBeGreaterThan(claimed);
    const between = calls.slice(claimed + 1, started);
    expect(between.map((c) => c.call), JSON.stringify(calls)).toContain("renewed");
    // So the command starts with the whole fence time from that renewal, not what was left of an older one.
    const renewal = between.filter((c) => c.call === "renewed").at(-1)!;
    expect(deadlineAtStart).toBe(renewal.at + fenceAfterMs(5, s.deps.settings.killGraceMs));
  });

  it("sustained throttling never triggers the fallback: the table exists, it is only busy", async () => {
    const clock = virtualClock();
    const s = throughFaultProxy(setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "3", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "30" }), clock);
    let fallbackAsked = false;
    s.deps.oldestInstance = async () => {
      fallbackAsked = true;
      return "i-follower";
    };
    sandbox.injectFault({ service: "dynamodb", error: "ThrottlingException" });
    const error = await runRelease(s.deps).catch((e: unknown) => e);
    sandbox.clearFaults();
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(fallbackAsked).toBe(false);
    expect(s.executed).toEqual([]);
  });
});

describe("a leader on virtual time", () => {
  it("whose renewals fail (DynamoDB unavailable) stops its command at the fence deadline of its last renewal", async () => {
    let outage = false;
    // The table goes away 7 s into the command, with the command still running.
    const clock = virtualClock((t) => {
      if (t >= 7_000 && !outage) {
        outage = true;
        sandbox.injectFault({ service: "dynamodb", outage: true });
      }
    });
    const s = throughFaultProxy(setUp(clock, { EB_MIGRATE_LEASE_SECONDS: "30", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "60" }), clock);
    const renewals: { at: number; result: string }[] = [];
    const renew = s.deps.leases.renew.bind(s.deps.leases);
    s.deps.leases.renew = async (...args) => {
      const at = clock.now();
      const result = await renew(...args);
      renewals.push({ at, result });
      return result;
    };
    let stopped: { at: number; reason: unknown; deadline: number } | undefined;
    s.deps.prepare = async () => async ({ fence }) => {
      s.executed.push("started");
      // A command that would run for an hour: only the fence ends it.
      await clock.sleep(3_600_000, fence!.signal).catch(() => undefined);
      stopped = { at: clock.now(), reason: fence!.signal.reason, deadline: fence!.deadline() };
      return { exitCode: null, signal: "SIGTERM", outputTail: [], durationMs: clock.now(), timedOut: false };
    };
    let error: unknown;
    try {
      error = await runRelease(s.deps).catch((e: unknown) => e);
    } finally {
      sandbox.clearFaults();
    }
    const lastRenewed = renewals.filter((r) => r.result === "renewed").at(-1);
    // Renewed every 2 s until the outage; every renewal since has no answer.
    expect(lastRenewed?.at, JSON.stringify(renewals)).toBe(6_000);
    const failed = renewals.filter((r) => r.at > lastRenewed!.at);
    expect(failed.length, JSON.stringify(renewals)).toBeGreaterThan(0);
    expect(failed.every((r) => r.result === "unknown"), JSON.stringify(renewals)).toBe(true);
    // Stopped by the fence, at its deadline: the last renewal's start plus the fence time.
    expect(stopped).toEqual({ at: 6_000 + fenceAfterMs(30, s.deps.settings.killGraceMs), reason: "unrenewed", deadline: 6_000 + fenceAfterMs(30, s.deps.settings.killGraceMs) });
    expect(s.executed).toEqual(["started"]);
    expect(s.sink.records.some((r) => /can no longer prove it holds the lease; its command was stopped/.test(r.msg))).toBe(true);
    // The table never came back: the fenced leader ends at the wait timeout, like any follower.
    expect(error).toBeInstanceOf(WaitTimeoutError);
  });
});
