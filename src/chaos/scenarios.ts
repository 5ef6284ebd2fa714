// The fault matrix: one row per fault, each a function that plays one run against a fresh
// sandbox and returns the invariant violations and how long the run took to complete.
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { join } from "node:path";
import { Harness, sleep, type HarnessOptions, type ProcessExit } from "./harness.js";
import { chaosPostgres, writeChaosDjangoProject } from "./database.js";
import { checkLeaseReleased, checkRun, type RunObservation, type Violation } from "./invariants.js";

export interface RunContext {
  bundle: string;
  /** Seeded per run: the same seed plays the same kill points and fault hits. */
  random: () => number;
  seed: number;
  /** 0-based run number within the row (rows that alternate two variants use it). */
  run: number;
}

export interface RunResult {
  violations: Violation[];
  completionMs: number;
}

export interface Row {
  id: string;
  fault: string;
  runs: number;
  quickRuns: number;
  play(ctx: RunContext): Promise<RunResult>;
}

type Act = (h: Harness, ctx: RunContext) => Promise<void>;
type Expect = (exits: ProcessExit[], h: Harness, seen: RunObservation) => Violation[];

/** Starts every instance, lets `act` do the damage, waits for all exits, checks the invariants. */
async function fleetRun(ctx: RunContext, options: Omit<HarnessOptions, "bundle">, act: Act, expect: Expect = survivorsSucceed, start = true): Promise<RunResult> {
  const h = await Harness.start({ bundle: ctx.bundle, faultSeed: ctx.seed, ...options });
  try {
    const t0 = Date.now();
    if (start) for (const i of h.instances()) h.spawn(i);
    await act(h, ctx);
    const exits = await h.allDone();
    const observation = await h.observe(exits);
    const violations = [...checkRun(observation), ...expect(exits, h, observation)];
    if (violations.length > 0 && process.env.CHAOS_VERBOSE) {
      process.stderr.write(`markers: ${JSON.stringify(observation.markers)}\n`);
      for (const e of exits) process.stderr.write(`--- ${e.id} ${e.deployment} exit=${e.exitCode} ${e.signal ?? ""} role=${e.stats?.role}\n${e.lines.map((l) => `${l.time} ${l.role ?? ""} ${l.msg}`).join("\n")}\n${e.text}`);
    }
    return { violations, completionMs: Math.max(...exits.map((e) => e.exitedAt)) - t0 };
  } finally {
    await h.stop();
  }
}

const outcome = (detail: string): Violation => ({ invariant: "expected-outcome", detail });

/** Every process the chaos did not kill exits 0 (the release succeeded in the end). */
function survivorsSucceed(exits: ProcessExit[], h: Harness): Violation[] {
  return exits.filter((e) => !h.wasKilled(e) && e.exitCode !== 0).map((e) => outcome(`${e.id} exited ${e.exitCode ?? e.signal} (role ${e.stats?.role ?? "none"}), expected 0`));
}

/** The first leader's command was stopped (not run to its end) and a later one completed. */
function commandStopped(h: Harness): Violation[] {
  const startedAt = (p: (typeof h.procs)[number]) => p.lines.find((l) => l.state === "running")?.seenAt ?? Number.POSITIVE_INFINITY;
  const first = [...h.procs].sort((a, b) => startedAt(a) - startedAt(b))[0];
  const fenced = first?.lines.some((l) => l.state === "fenced");
  return fenced ? [] : [outcome(`the blackholed leader ${first?.id ?? "(none)"} never reported its command fenced`)];
}

const waitRunning = (h: Harness, timeoutMs = 20_000) => h.waitFor((_p, l) => l.state === "running", timeoutMs);

export const ROWS: Row[] = [
  {
    id: "baseline",
    fault: "no fault (4 instances)",
    runs: 5,
    quickRuns: 2,
    play: (ctx) => fleetRun(ctx, { instances: 4 }, async () => {}),
  },
  {
    id: "leader-sigkill",
    fault: "leader process SIGKILLed at a random point",
    runs: 20,
    quickRuns: 5,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, sleepSeconds: 1.5 }, async (h) => {
        await sleep(Math.floor(ctx.random() * 2500));
        const alive = h.procs.filter((p) => !p.exited);
        const victim = h.runningLeader() ?? alive[Math.floor(ctx.random() * alive.length)];
        if (victim) h.killProcess(victim);
      }),
  },
  {
    id: "instance-terminated",
    fault: "leader's instance terminated mid-command",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, sleepSeconds: 3 }, async (h) => {
        const running = await waitRunning(h);
        await sleep(Math.floor(ctx.random() * 1000));
        if (running) await h.terminateInstance(running.proc.id);
      }),
  },
  {
    id: "holder-terminating-wait",
    fault: "holder's instance terminated mid-command behind a termination hook (Terminating:Wait, still running); odd runs its node process is paused 10-13 s too (lease 8 s)",
    runs: 10,
    quickRuns: 2,
    play: (ctx) => holderLeavesService(ctx, "hook", (h, id) => h.sandbox.terminate(id)),
  },
  {
    id: "holder-detached",
    fault: "holder's instance detached from its group mid-command (still running); odd runs its node process is paused 10-13 s too (lease 8 s)",
    runs: 10,
    quickRuns: 2,
    play: (ctx) => holderLeavesService(ctx, "no hook", (h, id) => h.sandbox.detach(id, { decrement: false })),
  },
  {
    id: "dynamodb-throttling",
    fault: "DynamoDB throttling on 30 % of requests",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 4, leaseSeconds: 10 }, async (h) => {
        h.sandbox.injectFault({ service: "dynamodb", error: "ThrottlingException", rate: 0.3 });
      }),
  },
  {
    id: "dynamodb-5xx",
    fault: "DynamoDB 5xx bursts (4 errors every 2 s)",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 4, leaseSeconds: 10 }, async (h) => {
        const timer = setInterval(() => h.sandbox.injectFault({ service: "dynamodb", error: "InternalServerError", count: 4 }), 2000);
        void Promise.all(h.procs.map((p) => p.done)).then(() => clearInterval(timer));
      }),
  },
  {
    id: "dynamodb-outage",
    fault: "DynamoDB unreachable for 1-6 s mid-command (lease 6 s)",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, leaseSeconds: 6, sleepSeconds: 2 }, async (h) => {
        await waitRunning(h);
        h.sandbox.injectFault({ service: "dynamodb", outage: true });
        await sleep(1000 + Math.floor(ctx.random() * 5000));
        h.sandbox.clearFaults();
      }),
  },
  {
    id: "leader-dynamodb-blackhole",
    fault: "only the leader's DynamoDB connections hang (accepted, never answered) mid-command; healed after the successor's run",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, sleepSeconds: 5 }, async (h) => {
        const running = await waitRunning(h);
        if (!running) return;
        await sleep(Math.floor(ctx.random() * 1000));
        h.sandbox.injectFault({ service: "dynamodb", instance: running.proc.id, hang: true });
        // Its fence must stop its command before a follower, a lease later, starts the next one.
        const successor = await h.waitFor((p, l) => p.id !== running.proc.id && l.state === "running", 30_000);
        if (successor) await h.waitForMarker((m) => m.kind === "end" && m.instance === successor.proc.id, 30_000);
        await sleep(Math.floor(ctx.random() * 2000));
        h.sandbox.clearFaults();
      }, (exits, h) => [...survivorsSucceed(exits, h), ...commandStopped(h)]),
  },
  {
    id: "follower-dynamodb-blackhole",
    fault: "one waiting follower's DynamoDB connections hang: it exits 3 at its wait timeout",
    runs: 10,
    quickRuns: 2,
    play: (ctx) => {
      let victim: string | undefined;
      return fleetRun(
        ctx,
        { instances: 3, sleepSeconds: 3, waitTimeoutSeconds: 10 },
        async (h) => {
          const running = await waitRunning(h);
          if (!running) return;
          // A follower that has seen the table (it is waiting): cut off from the start, it
          // would rightly take the fallback instead.
          const waiting = await h.waitFor((p, l) => p.id !== running.proc.id && l.state === "waiting", 10_000);
          victim = waiting?.proc.id;
          if (victim) h.sandbox.injectFault({ service: "dynamodb", instance: victim, hang: true });
        },
        (exits) =>
          exits.flatMap((e) => {
            const expected = e.id === victim ? 3 : 0;
            return e.exitCode === expected ? [] : [outcome(`${e.id}${e.id === victim ? " (blackholed)" : ""} exited ${e.exitCode ?? e.signal}, expected ${expected}`)];
          }),
      );
    },
  },
  {
    id: "runner-pause",
    fault: "the leader's node process (not its command) paused 6-12 s by SIGSTOP, then SIGCONT",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, sleepSeconds: 8 }, async (h) => {
        const running = await waitRunning(h);
        if (!running) return;
        await sleep(Math.floor(ctx.random() * 1000));
        // The runner alone: its supervisor and command run on and must be stopped at the fence deadline.
        running.proc.child.kill("SIGSTOP");
        await sleep(6000 + Math.floor(ctx.random() * 6000));
        running.proc.child.kill("SIGCONT");
      }),
  },
  {
    id: "autoscaling-throttling",
    fault: "Auto Scaling throttling 50 % + leader's instance terminated",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, sleepSeconds: 3 }, async (h) => {
        h.sandbox.injectFault({ service: "autoscaling", error: "Throttling", rate: 0.5 });
        const running = await waitRunning(h);
        if (running) await h.terminateInstance(running.proc.id);
      }),
  },
  {
    id: "clock-skew",
    fault: "wall clocks ±15 min apart + leader SIGKILLed (lease expiry)",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(
        ctx,
        { instances: 4, sleepSeconds: 1.5 },
        async (h) => {
          h.instances().forEach((i, n) => h.spawn(i, "d1", { fakeTime: n % 2 === 0 ? "+15m" : "-15m" }));
          const running = await waitRunning(h);
          await sleep(Math.floor(ctx.random() * 1000));
          if (running) h.killProcess(running.proc);
        },
        survivorsSucceed,
        false,
      ),
  },
  {
    id: "sigterm-timeout",
    fault: "SIGTERM to every instance (EB's command timeout) at 1-3 s",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(
        ctx,
        { instances: 3, sleepSeconds: 20 },
        async (h) => {
          await sleep(1000 + Math.floor(ctx.random() * 2000));
          for (const p of h.procs) p.signal("SIGTERM");
        },
        (exits) => exits.filter((e) => e.exitCode === 0).map((e) => outcome(`${e.id} exited 0 although the command was stopped`)),
      ),
  },
  {
    id: "hook-and-container-commands",
    fault: "container_commands and the hook both run it (twice per instance)",
    runs: 5,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(
        ctx,
        { instances: 3 },
        async (h) => {
          await Promise.all(
            h.instances().map(async (i) => {
              await h.spawn(i).done;
              await h.spawn(i).done;
            }),
          );
        },
        (exits, h) => [
          ...survivorsSucceed(exits, h),
          ...h.instances().flatMap((i) => {
            const second = exits.filter((e) => e.id === i.id)[1];
            return second?.stats?.role === "skipped" ? [] : [outcome(`the second run on ${i.id} was ${second?.stats?.role ?? "missing"}, expected skipped`)];
          }),
        ],
        false,
      ),
  },
  {
    id: "two-deployments",
    fault: "a second deployment starts while the first migrates",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, sleepSeconds: 1.5 }, async (h) => {
        // Every first-deployment process has read its deployment before the files change.
        await Promise.all(h.procs.map((p) => h.waitFor((q, l) => q === p && l.state === "start", 20_000)));
        await sleep(Math.floor(ctx.random() * 1000));
        await h.sandbox.deploy();
        const launched = await Promise.all([0, 1].map(() => h.sandbox.launch({ group: "temporary", wait: true })));
        for (const entry of launched) h.spawn(entry, "d2");
      }),
  },
  {
    id: "failing-migrate",
    fault: "the release command exits 1",
    runs: 5,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, exitCode: 1, sleepSeconds: 0.5 }, async () => {}, (exits) =>
        exits.filter((e) => e.exitCode !== 1).map((e) => outcome(`${e.id} exited ${e.exitCode}, expected 1 (release failed)`)),
      ),
  },
  {
    id: "two-environments-one-database",
    fault: "two environments (3 instances each) deploy at once on one database; half the runs a leader is SIGKILLed",
    runs: 10,
    quickRuns: 2,
    play: (ctx) => twoEnvironmentsOneDatabase(ctx),
  },
  {
    id: "ecs-task-lost",
    fault: "ECS mode: leader's instance terminated while its task runs",
    runs: 5,
    quickRuns: 2,
    play: (ctx) => ecsTaskLost(ctx),
  },
];

/**
 * The holder's instance leaves service mid-command but runs on: a termination hook holds it in
 * Terminating:Wait, or it is detached. Even runs: its renewals go on, so nobody may take over —
 * exactly one command starts (the old "gone at once" verdict started a second beside it).
 * Odd runs: its node process is paused as well (not its command), so renewals stop; Auto
 * Scaling / EC2 still say it may be running, so only the lease time may hand the release on —
 * after its fence stopped the command.
 */
function holderLeavesService(ctx: RunContext, hook: "hook" | "no hook", leave: (h: Harness, id: string) => Promise<unknown>): Promise<RunResult> {
  const paused = ctx.run % 2 === 1;
  return fleetRun(
    ctx,
    { instances: 3, sleepSeconds: 12, leaseSeconds: 8 },
    async (h) => {
      if (hook === "hook") h.sandbox.putTerminationHook({ heartbeatTimeoutSeconds: 300 });
      const running = await leaderMidCommand(h, ctx, 1000);
      if (!running) return;
      await leave(h, running.proc.id);
      if (!paused) return;
      running.proc.child.kill("SIGSTOP");
      await sleep(10_000 + Math.floor(ctx.random() * 3000));
      running.proc.child.kill("SIGCONT");
    },
    (exits, h, seen) => {
      const starts = seen.markers.filter((m) => m.kind === "start").length;
      const taken = !paused && starts !== 1 ? [outcome(`the command started ${starts} times; its holder renewed throughout, so nobody should have taken over`)] : [];
      // A takeover as "holder gone" would mean the states of a running instance were read as gone.
      const gone = exits.flatMap((e) => e.lines.filter((l) => l.state === "takeover" && l.reason === "holder-gone").map(() => outcome(`${e.id} took over as if the holder's instance were gone`)));
      return [...survivorsSucceed(exits, h), ...taken, ...gone];
    },
  );
}

/** The leader's node process alone dies (SIGKILL) once its command really started. */
async function killLeaderRunner(h: Harness, ctx: RunContext, withinMs: number): Promise<void> {
  const running = await leaderMidCommand(h, ctx, withinMs);
  if (running) h.killProcess(running.proc);
}

/** The leader once its command really started (its marker line), then a random 0–`withinMs` later. */
async function leaderMidCommand(h: Harness, ctx: RunContext, withinMs: number): ReturnType<typeof waitRunning> {
  const running = await waitRunning(h);
  if (!running) return undefined;
  await h.waitForMarker((m) => m.kind === "start" && m.instance === running.proc.id, 15_000);
  await sleep(Math.floor(ctx.random() * withinMs));
  return running;
}

/** Some instance logged an output line cut to the cap (`…[truncated N bytes]`). */
function sawTruncatedLine(exits: ProcessExit[]): Violation[] {
  return exits.some((e) => e.lines.some((l) => /^\| x+…\[truncated \d+ bytes\]$/.test(l.msg))) ? [] : [outcome("no log line was cut to the line cap")];
}

/** Faults the command brings itself: it ignores SIGTERM, leaves children, floods its output. */
const COMMAND_ROWS: Row[] = [
  {
    id: "sigterm-ignored-self-fence",
    fault: "command ignores SIGTERM; DynamoDB cut off 3.5-6 s mid-command (lease 3 s): the leader self-fences",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, leaseSeconds: 3, sleepSeconds: 4, marker: { ignoreTerm: true } }, async (h) => {
        const running = await waitRunning(h);
        if (!running) return;
        await h.waitForMarker((m) => m.kind === "start", 15_000);
        await sleep(Math.floor(ctx.random() * 500));
        h.sandbox.injectFault({ service: "dynamodb", outage: true });
        await sleep(3500 + Math.floor(ctx.random() * 2500));
        h.sandbox.clearFaults();
      }),
  },
  {
    id: "sigterm-ignored-leader-death",
    fault: "command ignores SIGTERM; the leader's node process SIGKILLed mid-command (its supervisor lives)",
    runs: 10,
    quickRuns: 2,
    // The command outlives a takeover by lease expiry: only a kill of its group stops it in time.
    play: (ctx) => fleetRun(ctx, { instances: 3, leaseSeconds: 3, sleepSeconds: 6, marker: { ignoreTerm: true } }, (h) => killLeaderRunner(h, ctx, 1500)),
  },
  {
    id: "background-worker",
    fault: "command forks a background worker that ignores SIGTERM; the leader's node process SIGKILLed",
    runs: 10,
    quickRuns: 2,
    play: (ctx) => fleetRun(ctx, { instances: 3, leaseSeconds: 3, sleepSeconds: 2.5, marker: { worker: true } }, (h) => killLeaderRunner(h, ctx, 1500)),
  },
  {
    id: "shell-mode",
    fault: "EB_MIGRATE_SHELL=true (`sh release.sh && echo ok`); the leader's node process SIGKILLed",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(
        ctx,
        { instances: 3, leaseSeconds: 3, sleepSeconds: 6, properties: { EB_MIGRATE_SHELL: "true" } },
        async (h) => {
          await h.sandbox.setEnvironmentProperties({ EB_MIGRATE_COMMAND: `sh ${h.marker.script} && echo ok` });
          for (const i of h.instances()) h.spawn(i);
          await killLeaderRunner(h, ctx, 1500);
        },
        survivorsSucceed,
        false,
      ),
  },
  {
    id: "long-output-line",
    fault: "the command prints one 80,000-character line (lease 3 s)",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, leaseSeconds: 3, sleepSeconds: 1.5, marker: { outputLines: 1, outputLineBytes: 80_000 } }, async () => {}, (exits, h) => [...survivorsSucceed(exits, h), ...sawTruncatedLine(exits)]),
  },
  {
    id: "large-tail",
    fault: "the command prints 50 lines of 10 KB (500 KB of output)",
    runs: 10,
    quickRuns: 2,
    play: (ctx) =>
      fleetRun(ctx, { instances: 3, leaseSeconds: 3, sleepSeconds: 0.5, marker: { outputLines: 50, outputLineBytes: 10_000 } }, async () => {}, (exits, h) => [...survivorsSucceed(exits, h), ...sawTruncatedLine(exits)]),
  },
];

ROWS.push(...COMMAND_ROWS);

/** The new leader must wait on the task already running, never start a second one. */
async function ecsTaskLost(ctx: RunContext): Promise<RunResult> {
  return await fleetRun(
    ctx,
    { instances: 3, sleepSeconds: 3, properties: { EB_MIGRATE_MODE: "ecs", EB_MIGRATE_ECS_CLUSTER: "release", EB_MIGRATE_ECS_TASK_DEFINITION: "web" } },
    async (h) => {
      await registerEcs(h);
      // The command names the run itself: the task's environment is the task's, not the instance's.
      await h.sandbox.setEnvironmentProperties({ EB_MIGRATE_COMMAND: `sh ${h.marker.script} ecs-task d1` });
      for (const i of h.instances()) h.spawn(i);
      const running = await waitRunning(h);
      if (!running) return;
      await h.waitForMarker((m) => m.kind === "start", 15_000);
      await h.terminateInstance(running.proc.id);
    },
    (exits, h) => {
      const tasks = h.sandbox.ecs?.tasks().length ?? 0;
      return [...survivorsSucceed(exits, h), ...(tasks === 1 ? [] : [outcome(`${tasks} ECS tasks were started, expected 1`)])];
    },
    false,
  );
}

async function registerEcs(h: Harness): Promise<void> {
  const state = h.sandbox.state();
  const ecs = new ECSClient(h.clientOptions(state.endpoints.ecs));
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: "release" }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "web",
        containerDefinitions: [
          {
            name: "app",
            image: "example/app:latest",
            essential: true,
            command: ["false"],
            logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/web", "awslogs-region": state.region, "awslogs-stream-prefix": "ecs" } },
          },
        ],
      }),
    );
  } finally {
    ecs.destroy();
  }
}

/**
 * A web and a worker tier deployed at once: two sandboxes (two environment ids, one lease table),
 * each electing its own leader, both running the marker command under the database lock
 * (EB_MIGRATE_DB_LOCK=on, through a minimal Django project on PostgreSQL). Both write one marker
 * file, so "never two at once" is checked across the environments: only the lock keeps them apart.
 */
async function twoEnvironmentsOneDatabase(ctx: RunContext): Promise<RunResult> {
  const server = await chaosPostgres();
  const common = { bundle: ctx.bundle, faultSeed: ctx.seed, instances: 3, sleepSeconds: 1 };
  const web = await Harness.start({ ...common, properties: { EB_MIGRATE_DB_LOCK: "on" }, sandbox: { environmentName: "shop-web" } });
  let worker: Harness | undefined;
  try {
    worker = await Harness.start({
      ...common,
      properties: { EB_MIGRATE_DB_LOCK: "on", EB_MIGRATE_COMMAND: `sh ${web.marker.script}` },
      sandbox: { environmentName: "shop-worker", dynamodbEndpoint: web.sandbox.endpoints.dynamodbUpstream },
    });
    const project = await writeChaosDjangoProject(join(web.dir, "django"), server);
    const t0 = Date.now();
    const tiers: [Harness, string][] = [[web, "d1-web"], [worker, "d1-worker"]];
    for (const [h, deployment] of tiers) for (const i of h.instances()) h.spawn(i, deployment, { cwd: project.dir, env: project.env });
    if (ctx.random() < 0.5) {
      const [h] = tiers[Math.floor(ctx.random() * 2)]!;
      await h.waitFor((_p, l) => l.state === "running", 20_000);
      await sleep(Math.floor(ctx.random() * 1500));
      const victim = h.runningLeader();
      if (victim) h.killProcess(victim);
    }
    const [webExits, workerExits] = [await web.allDone(), await worker.allDone()];
    const [webSeen, workerSeen] = [await web.observe(webExits), await worker.observe(workerExits)];
    const violations = [
      ...checkRun({ exits: [...webSeen.exits, ...workerSeen.exits], markers: webSeen.markers, leaseHolder: undefined }),
      ...checkLeaseReleased(webSeen),
      ...checkLeaseReleased(workerSeen),
      ...survivorsSucceed(webExits, web),
      ...survivorsSucceed(workerExits, worker),
    ];
    if (violations.length > 0 && process.env.CHAOS_VERBOSE) process.stderr.write(`markers: ${JSON.stringify(webSeen.markers)}\n${[...webExits, ...workerExits].map((e) => `--- ${e.id} ${e.deployment} exit=${e.exitCode}\n${e.lines.map((l) => l.msg).join("\n")}\n${e.text}`).join("\n")}\n`);
    return { violations, completionMs: Math.max(...[...webExits, ...workerExits].map((e) => e.exitedAt)) - t0 };
  } finally {
    await worker?.stop();
    await web.stop();
  }
}
