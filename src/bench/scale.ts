// The scale bench: a 100-instance environment on the sandbox, started as Elastic Beanstalk
// starts it (all at once; rolling, in batches), waiting through a 60 s command — what the
// whole fleet costs the account, counted at the sandbox, which answers every request: Auto
// Scaling + EC2 calls per second (mean, peak), DynamoDB reads and writes (per follower, the
// leader's), calls per deploy, follower release, takeover after the holder's instance is
// terminated mid-command, peak RSS per instance process; optionally under an account-wide
// describe throttle.
import { Harness, sleep, type ProcessExit } from "../chaos/harness.js";
import { checkRun } from "../chaos/invariants.js";
import type { DescribeThrottle, RequestCounts } from "../sandbox/index.js";
import { distribution, percentile, type Distribution } from "./stats.js";
import type { BenchContext } from "./scenarios.js";

export interface ScaleCase {
  label: string;
  instances: number;
  commandSeconds: number;
  /** "all-at-once": every instance starts together; "rolling": batches of `batch`, each after the previous one exited. */
  start: "all-at-once" | "rolling";
  batch?: number;
  /** Terminate the holder's instance this long after its command started. */
  terminateHolderAfterMs?: number;
  throttle?: DescribeThrottle;
}

export interface ScaleFigures {
  case: ScaleCase;
  leaseSeconds: number;
  wallMs: number;
  /** Auto Scaling + EC2 requests of the whole fleet. */
  describe: { total: number; meanPerSecond: number; peakPerSecond: number; throttled: number; byOperation: Record<string, number> };
  dynamodb: {
    reads: number;
    writes: number;
    readsMeanPerSecond: number;
    readsPeakPerSecond: number;
    /** Each waiting follower's reads over its own run time. */
    readsPerFollowerPerSecond: { mean: number; max: number };
    /** The holder's writes over its command (renewals, outcome). */
    leaderWritesPerSecond: number;
  };
  /** Every request by service.operation (the calls of one deploy). */
  totals: Record<string, number>;
  /** The command's successful end to each follower's exit. */
  release: Distribution;
  /** The holder's instance terminated → a follower's takeover line. */
  takeoverMs?: number;
  /** Peak RSS of the instance processes (their --stats-file). */
  rssKb: { p50: number; max: number };
  /** Commands that completed with exit 0 (the promise: exactly one; a terminated holder's command dies unfinished). */
  completions: number;
  /** The chaos matrix's invariants over this run (never two at once, exactly one success, …). */
  violations: string[];
  exitCodes: Record<string, number>;
}

const READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems", "DescribeTable"]);
const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const isDescribe = (key: string) => key.startsWith("autoscaling.") || key.startsWith("ec2.");
const dynamo = (key: string, kinds: Set<string>) => key.startsWith("dynamodb.") && kinds.has(key.slice("dynamodb.".length));
const round = (v: number, places = 2) => Math.round(v * 10 ** places) / 10 ** places;

function sumWhere(record: Record<string, number> | Map<string, number>, pick: (key: string) => boolean): number {
  let n = 0;
  for (const [k, v] of record instanceof Map ? record : Object.entries(record)) if (pick(k)) n += v;
  return n;
}

export const SCALE_CASES = (quick: boolean): ScaleCase[] => {
  const instances = quick ? 20 : 100;
  const commandSeconds = quick ? 10 : 60;
  const batch = Math.max(1, Math.round(instances / 4));
  const terminateHolderAfterMs = quick ? 3_000 : 20_000;
  const throttle = { perSecond: 10, burst: 10 };
  return [
    { label: `${instances} instances, all at once`, instances, commandSeconds, start: "all-at-once" },
    { label: `${instances} instances, rolling (batches of ${batch})`, instances, commandSeconds, start: "rolling", batch },
    { label: `${instances} instances, holder's instance terminated mid-command`, instances, commandSeconds, start: "all-at-once", terminateHolderAfterMs },
    { label: `${instances} instances, all at once, describe throttle 10/s`, instances, commandSeconds, start: "all-at-once", throttle },
    { label: `${instances} instances, holder terminated, describe throttle 10/s`, instances, commandSeconds, start: "all-at-once", terminateHolderAfterMs, throttle },
  ];
};

/** One deploy of the case on a fresh sandbox (lease 30 s, the default). */
export async function scaleRun(ctx: BenchContext, c: ScaleCase): Promise<ScaleFigures> {
  const leaseSeconds = 30;
  const h = await Harness.start({ bundle: ctx.bundle, instances: c.instances, sleepSeconds: c.commandSeconds, leaseSeconds, waitTimeoutSeconds: c.commandSeconds * 3 + 120 });
  try {
    const instances = h.instances();
    if (c.throttle) h.sandbox.setDescribeThrottle(c.throttle);
    h.sandbox.resetRequestCounts();
    const t0 = Date.now();
    let takeoverMs: number | undefined;
    const damage = (async () => {
      if (c.terminateHolderAfterMs === undefined) return;
      const started = await h.waitForMarker((m) => m.kind === "start", 60_000);
      if (!started) throw new Error(`${c.label}: the command never started`);
      await sleep(c.terminateHolderAfterMs);
      const t = Date.now();
      await h.terminateInstance(started.instance);
      const took = await h.waitFor((_p, l) => l.state === "takeover", leaseSeconds * 1000 + 30_000);
      if (!took) throw new Error(`${c.label}: nobody took over after the holder's instance was terminated`);
      takeoverMs = took.line.seenAt - t;
    })();
    if (c.start === "all-at-once") for (const i of instances) h.spawn(i);
    else {
      const size = c.batch ?? instances.length;
      for (let at = 0; at < instances.length; at += size) {
        const batch = instances.slice(at, at + size).map((i) => h.spawn(i));
        await Promise.all(batch.map((p) => p.done));
      }
    }
    await damage;
    const exits = await h.allDone((c.commandSeconds * 3 + 180) * 1000);
    const wallMs = Math.max(...exits.map((e) => e.exitedAt)) - t0;
    const counts = h.sandbox.requestCounts();
    const observation = await h.observe(exits);
    const { markers } = observation;
    const violations = checkRun(observation).map((v) => `[${v.invariant}] ${v.detail}`);
    const success = markers.filter((m) => m.kind === "end" && m.exitCode === 0).sort((a, b) => a.at - b.at);
    const endAt = success.at(-1)?.at;
    const figures = summarize(c, leaseSeconds, wallMs, counts, exits, h, endAt);
    return { ...figures, ...(takeoverMs === undefined ? {} : { takeoverMs }), completions: success.length, violations };
  } finally {
    await h.stop();
  }
}

function summarize(c: ScaleCase, leaseSeconds: number, wallMs: number, counts: RequestCounts, exits: ProcessExit[], h: Harness, endAt: number | undefined): Omit<ScaleFigures, "completions" | "takeoverMs" | "violations"> {
  const seconds = Math.max(1, wallMs / 1000);
  const describeTotal = sumWhere(counts.totals, isDescribe);
  const reads = sumWhere(counts.totals, (k) => dynamo(k, READS));
  const writes = sumWhere(counts.totals, (k) => dynamo(k, WRITES));
  const perSecondDescribe = counts.perSecond.map((b) => sumWhere(b, isDescribe));
  const perSecondReads = counts.perSecond.map((b) => sumWhere(b, (k) => dynamo(k, READS)));
  const followerRates: number[] = [];
  const leaderRates: number[] = [];
  for (const e of exits) {
    const mine = counts.byInstance.get(e.id);
    if (!mine) continue;
    const ran = Math.max(1, (e.exitedAt - e.startedAt) / 1000);
    if (e.stats?.role === "follower") followerRates.push(sumWhere(mine, (k) => dynamo(k, READS)) / ran);
    if (e.stats?.role === "leader") leaderRates.push(sumWhere(mine, (k) => dynamo(k, WRITES)) / ran);
  }
  const release = exits.filter((e) => e.stats?.role === "follower" && endAt !== undefined).map((e) => Math.max(0, e.exitedAt - endAt!));
  const rss = exits.map((e) => e.stats?.maxRssKb).filter((v): v is number => typeof v === "number");
  const exitCodes: Record<string, number> = {};
  for (const e of exits) {
    const key = h.wasKilled(e) ? "killed by the bench" : String(e.exitCode ?? e.signal);
    exitCodes[key] = (exitCodes[key] ?? 0) + 1;
  }
  return {
    case: c,
    leaseSeconds,
    wallMs,
    describe: {
      total: describeTotal,
      meanPerSecond: round(describeTotal / seconds),
      peakPerSecond: Math.max(0, ...perSecondDescribe),
      throttled: sumWhere(counts.throttled, isDescribe),
      byOperation: Object.fromEntries([...counts.totals].filter(([k]) => isDescribe(k))),
    },
    dynamodb: {
      reads,
      writes,
      readsMeanPerSecond: round(reads / seconds, 1),
      readsPeakPerSecond: Math.max(0, ...perSecondReads),
      readsPerFollowerPerSecond: { mean: round(followerRates.reduce((a, b) => a + b, 0) / Math.max(1, followerRates.length)), max: round(Math.max(0, ...followerRates)) },
      leaderWritesPerSecond: round(Math.max(0, ...leaderRates)),
    },
    totals: Object.fromEntries([...counts.totals].sort(([a], [b]) => a.localeCompare(b))),
    release: distribution(release.length > 0 ? release : [Number.NaN]),
    rssKb: { p50: Math.round(percentile(rss, 50)), max: Math.max(0, ...rss) },
    exitCodes,
  };
}

const sec = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(2)} s`);
const met = (pass: boolean) => (pass ? "met" : "**missed**");

/** The scale section of bench/results.md, with the issue's targets checked per case. */
export function scaleMarkdown(figures: ScaleFigures[]): string {
  const rows = figures.map((f) => {
    const d = f.describe;
    const r = f.dynamodb.readsPerFollowerPerSecond;
    const terminated = f.case.terminateHolderAfterMs !== undefined;
    // The terminated holder's command dies with its instance (no end): one completion either way.
    const checks = [
      ...(terminated ? [`takeover ≤ 4 s ${met((f.takeoverMs ?? Number.POSITIVE_INFINITY) <= 4000)}`] : [`≤ 1 call/s ${met(d.meanPerSecond <= 1)}`]),
      `≤ 3 reads/s ${met(r.max <= 3)}`,
      `exactly once ${met(f.completions === 1)}`,
      `${f.violations.length} violations`,
    ];
    return `| ${f.case.label} | ${sec(f.wallMs)} | ${d.total} (${d.meanPerSecond}/s mean, ${d.peakPerSecond}/s peak${d.throttled ? `, ${d.throttled} throttled` : ""}) | ${r.mean} / ${r.max} | ${f.dynamodb.leaderWritesPerSecond} | ${f.release.p50} / ${f.release.p95} ms | ${sec(f.takeoverMs)} | ${Math.round(f.rssKb.p50 / 1024)} / ${Math.round(f.rssKb.max / 1024)} MiB | ${f.completions} | ${checks.join("; ")} |`;
  });
  const first = figures[0];
  return [
    `### A ${first?.case.instances ?? 100}-instance fleet (lease ${first?.leaseSeconds ?? 30} s, ${first?.case.commandSeconds ?? 60} s command)`,
    "",
    "Counted at the sandbox (every request of the fleet). Auto Scaling + EC2: every `autoscaling.*` and `ec2.*` call; DynamoDB reads per follower: its reads over its own run time; leader writes: renewals and outcome over its run.",
    "",
    "| case | deploy | Auto Scaling + EC2 calls | DynamoDB reads/s per follower (mean / max) | leader writes/s | follower release p50 / p95 | takeover (terminate → takeover) | RSS p50 / max | completions | targets |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...figures.map((f) => `- ${f.case.label}: ${Object.entries(f.totals).map(([k, v]) => `${k} ${v}`).join(", ")}; exits ${JSON.stringify(f.exitCodes)}${f.violations.length ? `; VIOLATIONS: ${f.violations.join("; ")}` : ""}`),
    "",
  ].join("\n");
}
