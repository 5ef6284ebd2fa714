// The bench's results as one JSON document and a Markdown section for the README, with the
// targets of the runner issue next to each figure and the ratios against the reference locks.
import type { Distribution } from "./stats.js";
import { sum } from "./stats.js";
import { TAKEOVER_LEASE_SECONDS, type FollowerFigures, type Recovery, type Strategy } from "./scenarios.js";
import { startupMarkdown, type StartupFigures } from "./startup.js";

export interface StrategyResults {
  strategy: Strategy;
  follower: FollowerFigures;
  recovery: Recovery;
  scaleToZero: Recovery;
}

export interface BenchResults {
  date: string;
  machine: string;
  quick: boolean;
  startup: StartupFigures;
  decision: Record<string, Distribution>;
  takeover: { autoScaling: Distribution; leaseExpiry: Distribution; leaseSeconds: number };
  strategies: StrategyResults[];
}

const s = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(2)} s`);
const ms = (v: number) => `${Math.round(v)} ms`;
const dist = (d: Distribution) => `p50 ${ms(d.p50)}, p95 ${ms(d.p95)}, max ${ms(d.max)} (n=${d.n})`;
const ok = (pass: boolean) => (pass ? "met" : "**missed**");

export function recoveryText(r: Recovery, never: string): string {
  return r.ms === undefined ? `never within ${s(r.capMs)} (${never}: ${r.evidence})` : s(r.ms);
}

function callsText(calls: Record<string, number>): string {
  const entries = Object.entries(calls).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "–" : `${sum(calls).toFixed(1)} (${entries.map(([k, v]) => `${k} ${v}`).join(", ")})`;
}

/** eb-migrate's figure divided by the reference's (below 1: eb-migrate is faster / cheaper). */
export function ratios(results: BenchResults): string[] {
  const ours = results.strategies.find((r) => r.strategy.id === "eb-migrate");
  if (!ours) return [];
  const lines: string[] = [];
  for (const ref of results.strategies.filter((r) => r !== ours)) {
    const name = ref.strategy.label;
    lines.push(`follower release p50 vs ${name}: ${(ours.follower.latency.p50 / ref.follower.latency.p50).toFixed(2)}×`);
    lines.push(`follower API calls vs ${name}: ${(sum(ours.follower.callsFollower) / Math.max(0.1, sum(ref.follower.callsFollower))).toFixed(2)}×`);
    lines.push(
      ref.recovery.ms === undefined
        ? `recovery after leader loss vs ${name}: ${s(ours.recovery.ms)} vs never`
        : `recovery after leader loss vs ${name}: ${((ours.recovery.ms ?? Number.NaN) / ref.recovery.ms).toFixed(2)}× (${s(ours.recovery.ms)} vs ${s(ref.recovery.ms)})`,
    );
  }
  return lines;
}

export function markdown(results: BenchResults): string {
  const { startup, decision, takeover } = results;
  const lease = takeover.leaseSeconds;
  const runner = [
    "| figure | result | target |",
    "|---|---|---|",
    ...results.strategies
      .filter((r) => r.strategy.id === "eb-migrate")
      .map((r) => `| follower release after the leader's success | ${dist(r.follower.latency)} | p95 ≤ 500 ms — ${ok(r.follower.latency.p95 <= 500)} |`),
    `| takeover after the leader's instance is terminated (lease ${TAKEOVER_LEASE_SECONDS} s; terminate → takeover: renewals late, then Auto Scaling / EC2) | ${dist(takeover.autoScaling)} | ≤ 4 s — ${ok(takeover.autoScaling.max <= 4000)} |`,
    `| takeover via lease expiry (lease ${lease} s; kill → takeover) | ${dist(takeover.leaseExpiry)} | ≤ ${lease + 1.5} s — ${ok(takeover.leaseExpiry.max <= (lease + 1.5) * 1000)} |`,
    ...results.strategies
      .filter((r) => r.strategy.id === "eb-migrate")
      .flatMap((r) => [`| API calls, leader | ${callsText(r.follower.callsLeader)} | – |`, `| API calls, follower | ${callsText(r.follower.callsFollower)} | – |`]),
  ];
  const compare = [
    "| strategy | follower release (p50 / p95) | recovery after the leader's instance disappears | after scale-to-zero mid-migrate | API calls per follower | API calls, leader |",
    "|---|---|---|---|---|---|",
    ...results.strategies.map(
      (r) =>
        `| ${r.strategy.label} | ${ms(r.follower.latency.p50)} / ${ms(r.follower.latency.p95)} | ${recoveryText(r.recovery, "lock stays")} | ${recoveryText(r.scaleToZero, "lock stays")} | ${callsText(r.follower.callsFollower)} | ${callsText(r.follower.callsLeader)} |`,
    ),
  ];
  const follower = results.strategies.find((r) => r.strategy.id === "eb-migrate")?.follower.latency;
  return [
    startupMarkdown({ startup, decision, ...(follower ? { follower } : {}) }),
    `### Runner figures`,
    "",
    ...runner,
    "",
    `### Against two hand-written locks (same run, same sandbox)`,
    "",
    ...compare,
    "",
    ...ratios(results).map((l) => `- ${l}`),
    "",
    `_${results.quick ? "quick" : "full"} run, ${results.date.slice(0, 10)}, ${results.machine}, local sandbox (no network latency)._`,
    "",
  ].join("\n");
}
