// A day in an environment's life, as five scenes; each says what happened, checks it against
// what eb-migrate promises, and returns one row of the summary.
import { performance } from "node:perf_hooks";
import { inspectDatabase, deployVersion, roleCount, runHooks, startHooks, type DemoBed } from "./bed.js";
import type { InstanceProcess, InstanceRun } from "../sandbox/instance-process.js";
import type { SceneSummary } from "./narrator.js";

interface SceneOutcome {
  ok: boolean;
  leader: string;
  verdict: string;
}

async function scene(bed: DemoBed, n: number, title: string, body: () => Promise<SceneOutcome & { instances: number; expectApplied: number }>): Promise<SceneSummary> {
  bed.narrator.heading(n, title);
  const before = await inspectDatabase(bed);
  const started = performance.now();
  let outcome: SceneOutcome & { instances: number; expectApplied: number };
  try {
    outcome = await body();
  } catch (error) {
    outcome = { ok: false, leader: "none", instances: bed.sandbox.state().instances.length, expectApplied: 0, verdict: `the scene broke off: ${(error as Error).message}` };
  }
  const durationMs = performance.now() - started;
  const after = await inspectDatabase(bed);
  const migrations = after.applied.filter((m) => !before.applied.includes(m));
  const twice = Object.entries(after.log).filter(([, count]) => count > 1).map(([m]) => m);
  const ok = outcome.ok && migrations.length === outcome.expectApplied && twice.length === 0;
  const problems = [
    ...(migrations.length === outcome.expectApplied ? [] : [`expected ${outcome.expectApplied} new migrations, found ${migrations.length}`]),
    ...(twice.length ? [`applied more than once: ${twice.join(", ")}`] : []),
  ];
  bed.narrator.verdict(ok, ok ? outcome.verdict : `${outcome.ok ? "" : `${outcome.verdict}; `}${problems.join("; ")}`.replace(/; $/, ""));
  return { scene: `${n}. ${title}`, instances: outcome.instances, leader: outcome.leader, migrations, ok, durationMs };
}

const show = (bed: DemoBed, runs: InstanceRun[]) => runs.forEach((r) => bed.narrator.instance(r));
const leaderOf = (runs: InstanceRun[]) => runs.find((r) => r.exitCode === 0 && (r.stats?.role === "leader" || r.stats?.role === "fallback-leader"))?.id ?? "none";
const allExited0 = (runs: InstanceRun[]) => runs.every((r) => r.exitCode === 0);

export async function firstDeploy(bed: DemoBed): Promise<SceneSummary> {
  return scene(bed, 1, "Deploy v1 to 4 instances", async () => {
    await deployVersion(bed, 1);
    const instances = bed.sandbox.state().instances;
    bed.narrator.note(`${instances.length} instances run the predeploy hook at the same moment: one migrates, the others wait`);
    const runs = await runHooks(bed, instances);
    show(bed, runs);
    const ok = allExited0(runs) && roleCount(runs, "leader") === 1 && roleCount(runs, "follower", "skipped") === instances.length - 1;
    return { ok, instances: instances.length, leader: leaderOf(runs), expectApplied: 2, verdict: "one instance migrated, every other one waited for it" };
  });
}

export async function rollingDeploy(bed: DemoBed): Promise<SceneSummary> {
  return scene(bed, 2, "Rolling deploy of v2 (batches of 2)", async () => {
    await deployVersion(bed, 2);
    const instances = bed.sandbox.state().instances;
    const batches = [instances.slice(0, 2), instances.slice(2)];
    const runs: InstanceRun[] = [];
    for (const [i, batch] of batches.entries()) {
      bed.narrator.note(`batch ${i + 1}: ${batch.map((b) => b.id).join(", ")}`);
      const batchRuns = await runHooks(bed, batch);
      show(bed, batchRuns);
      runs.push(...batchRuns);
    }
    const [first, second] = [runs.slice(0, 2), runs.slice(2)];
    const ok = allExited0(runs) && roleCount(first, "leader") === 1 && roleCount(second, "skipped") === second.length;
    return { ok, instances: runs.length, leader: leaderOf(runs), expectApplied: 1, verdict: "the first batch's leader migrated; the second batch skipped at once (same deployment)" };
  });
}

export async function nightAndMorning(bed: DemoBed): Promise<SceneSummary> {
  return scene(bed, 3, "Scale to zero at night, back in the morning, deploy v3", async () => {
    const ebLeader = bed.sandbox.state().instances[0]!.id;
    await bed.sandbox.setCapacity(0, { wait: true });
    bed.narrator.note(`22:00 scheduled scale-in: every instance is terminated, including ${ebLeader}`);
    await bed.sandbox.setCapacity(3, { wait: true });
    const morning = bed.sandbox.state().instances;
    bed.narrator.note(`07:00 scale-out: ${morning.length} new instances boot with v2 and run the hook for it`);
    const boot = await runHooks(bed, morning);
    show(bed, boot);
    await deployVersion(bed, 3);
    bed.narrator.note("09:30 eb deploy v3:");
    const runs = await runHooks(bed, morning);
    show(bed, runs);
    bed.narrator.say(`With container_commands "leader_only: true", EB's leader was picked once, among the original instances (${ebLeader}).`);
    bed.narrator.say("After scale-to-zero no instance carries EB_IS_COMMAND_LEADER any more: the v3 migration would silently not run.");
    bed.narrator.say("eb-migrate elects its leader on every deploy, from the instances that exist now.");
    const ok = allExited0([...boot, ...runs]) && roleCount(boot, "skipped") === boot.length && roleCount(runs, "leader") === 1;
    return { ok, instances: morning.length, leader: leaderOf(runs), expectApplied: 1, verdict: "a new leader was elected at once and migrated v3" };
  });
}

export async function leaderCrash(bed: DemoBed): Promise<SceneSummary> {
  return scene(bed, 4, "Deploy v4: the leader crashes mid-migrate", async () => {
    await deployVersion(bed, 4);
    const instances = bed.sandbox.state().instances;
    bed.narrator.note("v4 has a slow data migration (0005_backfill_totals, 2 s); the team's chat webhook hears of every release (EB_MIGRATE_NOTIFY_ON=always)");
    const heard = bed.sandbox.webhook.requests.length;
    const processes = await startHooks(bed, instances, { DEMO_MIGRATE_SLEEP_SECONDS: "2", EB_MIGRATE_NOTIFY: bed.sandbox.state().webhookUrl, EB_MIGRATE_NOTIFY_ON: "always" });
    const leader = await firstToPrint(processes, /0005_backfill_totals: backfilling/);
    leader.crash();
    await bed.sandbox.terminate(leader.id);
    bed.narrator.note(`${leader.id} was killed while applying 0005; Auto Scaling marks it Terminating`);
    const runs = await Promise.all(processes.map((p) => p.done));
    show(bed, runs);
    const survivors = runs.filter((r) => r.id !== leader.id);
    const newLeader = survivors.find((r) => r.stats?.role === "leader");
    const messages = bed.sandbox.webhook.requests.slice(heard).map((r) => (r.body as { text?: string }).text ?? "");
    for (const m of messages) bed.narrator.note(`the team's webhook got: "${m}"`);
    const ok = allExited0(survivors) && roleCount(survivors, "leader") === 1 && newLeader?.stats?.takeover !== undefined && runs.find((r) => r.id === leader.id)?.signal === "SIGKILL" && messages.length === 1;
    return { ok, instances: instances.length, leader: `${newLeader?.id ?? "none"} (takeover)`, expectApplied: 1, verdict: "a follower took over at once and migrated; 0005 ran to completion exactly once; the team heard of it once" };
  });
}

export async function dynamoDbOutage(bed: DemoBed): Promise<SceneSummary> {
  return scene(bed, 5, "Deploy v5 during a DynamoDB outage", async () => {
    await deployVersion(bed, 5);
    const instances = bed.sandbox.state().instances;
    const oldest = instances[0]!.id;
    bed.sandbox.injectFault({ service: "dynamodb", outage: true });
    bed.narrator.note("DynamoDB stops answering (connections reset)");
    let runs: InstanceRun[];
    try {
      runs = await runHooks(bed, instances);
    } finally {
      bed.sandbox.clearFaults();
    }
    show(bed, runs);
    const fallbackLeader = runs.find((r) => r.stats?.role === "fallback-leader");
    const loud = runs.every((r) => /FALLBACK/.test(r.output));
    const ok = allExited0(runs) && fallbackLeader?.id === oldest && roleCount(runs, "fallback-follower") === instances.length - 1 && loud;
    return { ok, instances: instances.length, leader: `${fallbackLeader?.id ?? "none"} (fallback)`, expectApplied: 1, verdict: `the oldest InService instance (${oldest}) migrated; the others went on, each with a loud FALLBACK warning` };
  });
}

export const SCENES = [firstDeploy, rollingDeploy, nightAndMorning, leaderCrash, dynamoDbOutage];

/** The first process whose output matches (the one that became leader). */
function firstToPrint(processes: InstanceProcess[], pattern: RegExp): Promise<InstanceProcess> {
  return Promise.any(processes.map((p) => p.waitFor(pattern).then(() => p)));
}
