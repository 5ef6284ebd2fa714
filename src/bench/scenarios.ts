// The timed scenarios, each on a fresh sandbox with the marker command: decision latency,
// follower release latency and API calls, recovery after the leader's instance disappears,
// takeover via lease expiry, and scale-to-zero — for eb-migrate and the reference locks alike.
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { Harness, sleep, type HarnessOptions, type SpawnOptions } from "../chaos/harness.js";
import type { InstanceProcess } from "../sandbox/instance-process.js";
import { distribution, meanCalls, type Distribution } from "./stats.js";

export interface Strategy {
  id: "eb-migrate" | "create-if-absent" | "lease-expiry";
  label: string;
}

export const STRATEGIES: Strategy[] = [
  { id: "eb-migrate", label: "eb-migrate (lease + Auto Scaling check)" },
  { id: "create-if-absent", label: "(a) create-if-absent lock, 1 s poll" },
  { id: "lease-expiry", label: "(b) lease-expiry lock, 20 s lease" },
];

/** The lease of the Auto Scaling takeover figure: the default, so the figure is what users get. */
export const TAKEOVER_LEASE_SECONDS = 30;

export interface BenchContext {
  bundle: string;
  benchBundle: string;
}

type Start = (h: Harness, strategy: Strategy, instance: ReturnType<Harness["instances"]>[number]) => InstanceProcess;

/** Starts one instance process of the strategy (the references run inside dist/bench.cjs). */
function starter(ctx: BenchContext): Start {
  return (h, strategy, instance) => {
    const extra: SpawnOptions =
      strategy.id === "eb-migrate" ? {} : { bundle: ctx.benchBundle, args: ["reference", strategy.id], env: { BENCH_ENVIRONMENT_ID: h.sandbox.state().environment.id } };
    return h.spawn(instance, "d1", extra);
  };
}

async function withHarness<T>(ctx: BenchContext, options: Omit<HarnessOptions, "bundle">, body: (h: Harness) => Promise<T>): Promise<T> {
  const h = await Harness.start({ bundle: ctx.bundle, ...options });
  try {
    return await body(h);
  } finally {
    await h.stop();
  }
}


/** Spawn to the first line that states a role (acquired, waiting, skipped), per instance. */
export async function decisionLatency(ctx: BenchContext, instances: number): Promise<Distribution> {
  return withHarness(ctx, { instances, sleepSeconds: 1 }, async (h) => {
    for (const i of h.instances()) h.spawn(i);
    const exits = await h.allDone();
    const samples = exits.map((e) => {
      const line = e.lines.find((l) => l.state === "leader" || l.state === "waiting" || l.state === "skipped" || l.state === "released");
      if (!line) throw new Error(`${e.id} never decided: exit ${e.exitCode}\n${e.text}`);
      return line.seenAt - e.startedAt;
    });
    return distribution(samples);
  });
}

export interface FollowerFigures {
  latency: Distribution;
  callsLeader: Record<string, number>;
  callsFollower: Record<string, number>;
}

/** Follower release latency: the command's successful end to the follower's "released" line. */
export async function followerRelease(ctx: BenchContext, strategy: Strategy, runs: number, instances = 3): Promise<FollowerFigures> {
  const latencies: number[] = [];
  const leaderCalls: Record<string, number>[] = [];
  const followerCalls: Record<string, number>[] = [];
  for (let n = 0; n < runs; n++) {
    // Command times spread over 1-2 s: with every instance started at once, a fixed time would
    // phase-lock the followers' polls to the command's end and flatter (or punish) a poll period.
    const sleepSeconds = Math.round((1 + n / runs) * 100) / 100;
    await withHarness(ctx, { instances, sleepSeconds }, async (h) => {
      for (const i of h.instances()) starter(ctx)(h, strategy, i);
      const exits = await h.allDone();
      const end = (await h.waitForMarker((m) => m.kind === "end" && m.exitCode === 0, 1000))?.at;
      if (end === undefined) throw new Error(`${strategy.id}: the command never succeeded`);
      for (const e of exits) {
        if (e.exitCode !== 0) throw new Error(`${strategy.id}: ${e.id} exited ${e.exitCode}\n${e.text}`);
        if (e.stats?.role === "leader") leaderCalls.push(e.stats.calls);
        const released = e.lines.find((l) => l.state === "released");
        if (released) {
          latencies.push(released.seenAt - end);
          followerCalls.push(e.stats?.calls ?? {});
        }
      }
    });
  }
  return { latency: distribution(latencies), callsLeader: meanCalls(leaderCalls), callsFollower: meanCalls(followerCalls) };
}

export interface Recovery {
  /** Milliseconds until another instance started the command again; undefined: never within the cap. */
  ms?: number;
  capMs: number;
  /** Why it never recovered (what the table still holds). */
  evidence?: string;
}

/** The leader's instance is terminated mid-command: how long until another instance runs it. */
export async function recoveryAfterLoss(ctx: BenchContext, strategy: Strategy, capMs: number): Promise<Recovery> {
  return withHarness(ctx, { instances: 3, sleepSeconds: 2, leaseSeconds: 30, waitTimeoutSeconds: Math.ceil(capMs / 1000) + 30 }, async (h) => {
    for (const i of h.instances()) starter(ctx)(h, strategy, i);
    const running = await h.waitFor((_p, l) => l.state === "running", 20_000);
    if (!running) throw new Error(`${strategy.id}: no instance started the command`);
    const first = await h.waitForMarker((m) => m.kind === "start", 5_000);
    const t0 = Date.now();
    await h.terminateInstance(running.proc.id);
    const again = await h.waitForMarker((m) => m.kind === "start" && m.pid !== first?.pid, capMs);
    return again ? { ms: again.at - t0, capMs } : { capMs, evidence: await lockEvidence(h, running.proc.id) };
  });
}

/** Runner only: the leader's processes die but its instance stays InService — lease expiry. */
export async function takeoverByExpiry(ctx: BenchContext, leaseSeconds: number): Promise<number> {
  return withHarness(ctx, { instances: 3, sleepSeconds: 30, leaseSeconds }, async (h) => {
    for (const i of h.instances()) h.spawn(i);
    const running = await h.waitFor((_p, l) => l.state === "running", 20_000);
    if (!running) throw new Error("no instance started the command");
    await sleep(500);
    const t0 = Date.now();
    await h.killInstance(running.proc.id);
    const took = await h.waitFor((_p, l) => l.state === "takeover", leaseSeconds * 1000 + 20_000);
    if (!took) throw new Error("no takeover after the lease expired");
    return took.line.seenAt - t0;
  });
}

/**
 * Runner only: the leader's instance is terminated — takeover once its renewals are late (3 s)
 * and Auto Scaling / EC2 say it cannot be running; the default 30 s lease, which never elapses.
 */
export async function takeoverByAutoScaling(ctx: BenchContext): Promise<number> {
  return withHarness(ctx, { instances: 3, sleepSeconds: 40, leaseSeconds: TAKEOVER_LEASE_SECONDS }, async (h) => {
    for (const i of h.instances()) h.spawn(i);
    const running = await h.waitFor((_p, l) => l.state === "running", 20_000);
    if (!running) throw new Error("no instance started the command");
    await sleep(500);
    const t0 = Date.now();
    await h.terminateInstance(running.proc.id);
    const took = await h.waitFor((_p, l) => l.state === "takeover", 30_000);
    if (!took) throw new Error("no takeover after the holder's instance was terminated");
    return took.line.seenAt - t0;
  });
}

/**
 * Scale to zero mid-command (a night-time schedule), then back to two: how long the new
 * instances take to complete the release of the same deployment.
 */
export async function scaleToZero(ctx: BenchContext, strategy: Strategy, capMs: number): Promise<Recovery> {
  return withHarness(ctx, { instances: 2, sleepSeconds: 2, leaseSeconds: 30, waitTimeoutSeconds: Math.ceil(capMs / 1000) + 30 }, async (h) => {
    for (const i of h.instances()) starter(ctx)(h, strategy, i);
    const running = await h.waitFor((_p, l) => l.state === "running", 20_000);
    if (!running) throw new Error(`${strategy.id}: no instance started the command`);
    const leader = running.proc.id;
    for (const i of h.instances()) await h.killInstance(i.id);
    await h.sandbox.setCapacity(0, { wait: true });
    await h.sandbox.setCapacity(2, { wait: true });
    const t0 = Date.now();
    for (const i of h.instances()) starter(ctx)(h, strategy, i);
    const done = await h.waitForMarker((m) => m.kind === "end" && m.exitCode === 0, capMs);
    return done ? { ms: done.at - t0, capMs } : { capMs, evidence: await lockEvidence(h, leader) };
  });
}

/** The lock/lease items of the table, as proof that a dead holder still blocks everyone. */
async function lockEvidence(h: Harness, deadLeader: string): Promise<string> {
  const state = h.sandbox.state();
  const client = new DynamoDBClient(h.clientOptions(state.endpoints.dynamodbUpstream));
  try {
    const items = (await client.send(new ScanCommand({ TableName: "eb-migrate" }))).Items ?? [];
    const locks = items.filter((i) => /lock#|^lease#/.test(i.pk?.S ?? ""));
    const held = locks.map((i) => `${i.pk?.S?.split("#")[0]} held by ${i.holder?.S ?? i.owner?.S ?? "nobody"}`).join(", ");
    return `${held || "no lock item"}; ${deadLeader} was terminated`;
  } finally {
    client.destroy();
  }
}

