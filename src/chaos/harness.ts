// One chaos run: a fresh sandbox with the marker command, instance processes started on demand,
// waits on their log lines, kills as the faults require, and afterwards the observation the
// invariants are checked against (exits, marker lines, the lease as the table holds it).
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { instanceRoot } from "../config/environment.js";
import { DEFAULT_TABLE } from "../config/settings.js";
import { LeaseStore } from "../election/lease.js";
import { systemClock } from "../runtime/clock.js";
import { sandboxClientConfig, startSandbox, type Sandbox, type SandboxInstanceEntry, type SandboxOptions } from "../sandbox/index.js";
import { startInstanceProcess, type InstanceProcess, type InstanceRun, type LogLine } from "../sandbox/instance-process.js";
import type { MarkerEvent, RunObservation } from "./invariants.js";
import { appendKilled, readMarkers, writeMarkerCommand, type MarkerCommand, type MarkerShape } from "./marker.js";

export interface HarnessOptions {
  bundle: string;
  instances: number;
  leaseSeconds?: number;
  waitTimeoutSeconds?: number;
  sleepSeconds?: number;
  exitCode?: number;
  /** What else the marker command does (ignore SIGTERM, fork a worker, print a lot). */
  marker?: Omit<MarkerShape, "sleepSeconds" | "exitCode">;
  properties?: Record<string, string>;
  sandbox?: Partial<SandboxOptions>;
  faultSeed?: number;
}

/** What one instance process of a chaos run does differently. */
export interface SpawnOptions {
  /** Instead of the harness's bundle (the bench's reference locks). */
  bundle?: string;
  /** The instance's root unless given. */
  cwd?: string;
  env?: Record<string, string>;
  /** The bundle's arguments: `run` unless given. */
  args?: string[];
  /** Wall-clock offset via libfaketime (e.g. "+15m"); the monotonic clock stays real. */
  fakeTime?: string;
}

/** An instance process's end, with the chaos label of the deployment it was started for. */
export interface ProcessExit extends InstanceRun {
  deployment: string;
}

export const FAKETIME_LIBRARY = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

type Waiter = { match: (p: InstanceProcess, l: LogLine) => boolean; resolve: (v: { proc: InstanceProcess; line: LogLine }) => void };

export class Harness {
  readonly procs: InstanceProcess[] = [];
  /** The chaos label of the deployment each process was started for. */
  private readonly deployments = new Map<InstanceProcess, string>();
  /** Processes the chaos killed (by pid), exempt from exit-code checks. */
  private readonly killed = new Set<number>();
  private waiters: Waiter[] = [];

  private constructor(
    readonly sandbox: Sandbox,
    readonly dir: string,
    readonly marker: MarkerCommand,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions): Promise<Harness> {
    const dir = await mkdtemp(join(tmpdir(), "eb-migrate-chaos-"));
    const marker = await writeMarkerCommand(dir, { ...options.marker, sleepSeconds: options.sleepSeconds ?? 1, exitCode: options.exitCode ?? 0 });
    const sandbox = await startSandbox({
      instances: options.instances,
      baseDir: join(dir, "sandbox"),
      ...(options.faultSeed === undefined ? {} : { faultSeed: options.faultSeed }),
      ...options.sandbox,
      environmentProperties: {
        EB_MIGRATE_COMMAND: `sh ${marker.script}`,
        EB_MIGRATE_LEASE_SECONDS: String(options.leaseSeconds ?? 3),
        EB_MIGRATE_WAIT_TIMEOUT_SECONDS: String(options.waitTimeoutSeconds ?? 60),
        ...options.properties,
      },
    });
    return new Harness(sandbox, dir, marker, options);
  }

  instances(): SandboxInstanceEntry[] {
    return this.sandbox.state().instances;
  }

  /**
   * Starts `node <bundle> run` as `instance` (JSON log lines; CHAOS_INSTANCE and CHAOS_DEPLOYMENT
   * for the marker command and for finding the instance's processes).
   */
  spawn(instance: SandboxInstanceEntry, deployment = "d1", extra: SpawnOptions = {}): InstanceProcess {
    const proc = startInstanceProcess({
      id: instance.id,
      bundle: extra.bundle ?? this.options.bundle,
      cwd: extra.cwd ?? instanceRoot(instance.env),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/root",
        ...instance.env,
        EB_MIGRATE_LOG_FORMAT: "json",
        CHAOS_INSTANCE: instance.id,
        CHAOS_DEPLOYMENT: deployment,
        ...extra.env,
        ...(extra.fakeTime ? { LD_PRELOAD: FAKETIME_LIBRARY, FAKETIME: extra.fakeTime, DONT_FAKE_MONOTONIC: "1" } : {}),
      },
      statsDir: this.dir,
      ...(extra.args ? { args: extra.args } : {}),
      onLine: (p, line) => {
        for (const w of [...this.waiters]) {
          if (w.match(p, line)) {
            this.waiters = this.waiters.filter((x) => x !== w);
            w.resolve({ proc: p, line });
          }
        }
      },
    });
    this.procs.push(proc);
    this.deployments.set(proc, deployment);
    return proc;
  }

  /** The first log line (already seen or coming) that matches, or undefined after `timeoutMs`. */
  waitFor(match: (p: InstanceProcess, l: LogLine) => boolean, timeoutMs: number): Promise<{ proc: InstanceProcess; line: LogLine } | undefined> {
    for (const p of this.procs) {
      const line = p.lines.find((l) => match(p, l));
      if (line) return Promise.resolve({ proc: p, line });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The process that started the command most recently and is still alive. */
  runningLeader(): InstanceProcess | undefined {
    const alive = this.procs.filter((p) => !p.exited);
    let best: { p: InstanceProcess; at: number } | undefined;
    for (const p of alive) {
      for (const l of p.lines) if (l.state === "running" && (!best || l.seenAt > best.at)) best = { p, at: l.seenAt };
    }
    return best?.p;
  }

  /** SIGKILL of the eb-migrate process alone: its supervisor stops the command. */
  killProcess(proc: InstanceProcess): void {
    if (proc.exited || proc.child.pid === undefined) return;
    this.killed.add(proc.child.pid);
    proc.child.kill("SIGKILL");
  }

  /**
   * The machine is gone: every process of the instance dies at once — found by the
   * CHAOS_INSTANCE its processes inherit, so a command still starting dies too. ECS tasks run
   * elsewhere (the sandbox's ECS starts them without that variable) and live on.
   */
  async killInstance(instance: string): Promise<void> {
    for (const p of this.procs.filter((x) => x.id === instance && !x.exited)) {
      if (p.child.pid !== undefined) this.killed.add(p.child.pid);
      p.crash();
    }
    for (let pass = 0; pass < 3; pass++) {
      const pids = await processesOf(instance);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await sleep(20);
    }
    const markers = await readMarkers(this.marker.file);
    for (const start of markers.filter((m) => m.kind === "start" && m.instance === instance)) {
      if (!markers.some((m) => m.kind === "end" && m.pid === start.pid)) await appendKilled(this.marker.file, start);
    }
  }

  /** Kills the instance's processes, then terminates it in Auto Scaling. */
  async terminateInstance(instance: string): Promise<void> {
    await this.killInstance(instance);
    await this.sandbox.terminate(instance);
  }

  wasKilled(exit: ProcessExit): boolean {
    const proc = this.procs.find((p) => p.id === exit.id && p.startedAt === exit.startedAt);
    return proc?.child.pid !== undefined && this.killed.has(proc.child.pid);
  }

  /** Polls the marker file until a line matches (the command really started), or the timeout. */
  async waitForMarker(match: (m: MarkerEvent) => boolean, timeoutMs: number): Promise<MarkerEvent | undefined> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const found = (await readMarkers(this.marker.file)).find(match);
      if (found) return found;
      await sleep(100);
    }
    return undefined;
  }

  async allDone(timeoutMs = 120_000): Promise<ProcessExit[]> {
    const timer = setTimeout(() => this.procs.forEach((p) => p.crash()), timeoutMs);
    try {
      return await Promise.all(this.procs.map(async (p) => ({ ...(await p.done), deployment: this.deployments.get(p)! })));
    } finally {
      clearTimeout(timer);
    }
  }

  /** SDK client options for looking at (or setting up) the sandbox from the chaos process. */
  clientOptions(endpoint: string) {
    return sandboxClientConfig(this.sandbox.state(), endpoint);
  }

  async leaseHolder(): Promise<string | undefined> {
    const state = this.sandbox.state();
    const client = new DynamoDBClient(this.clientOptions(state.endpoints.dynamodbUpstream));
    try {
      return (await new LeaseStore(client, DEFAULT_TABLE, systemClock).read(state.environment.id))?.holder;
    } finally {
      client.destroy();
    }
  }

  async observe(exits: ProcessExit[]): Promise<RunObservation> {
    return {
      exits: exits.map((e, n) => ({
        instance: e.id,
        deployment: e.deployment,
        exitCode: e.exitCode,
        signal: e.signal,
        ...(e.stats?.role ? { role: e.stats.role } : {}),
        startedAt: e.startedAt,
        exitedAt: e.exitedAt,
        killedByChaos: this.killed.has(this.procs[n]!.child.pid ?? -1),
      })),
      markers: await readMarkers(this.marker.file),
      leaseHolder: await this.leaseHolder(),
    };
  }

  async stop(): Promise<void> {
    for (const p of this.procs) p.crash();
    await this.sandbox.stop().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Pids of processes whose environment says CHAOS_INSTANCE=<instance> (Linux /proc). */
async function processesOf(instance: string): Promise<number[]> {
  const wanted = `CHAOS_INSTANCE=${instance}`;
  const pids: number[] = [];
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const environ = await readFile(`/proc/${name}/environ`, "latin1").catch(() => "");
    if (environ.split("\0").includes(wanted)) pids.push(Number(name));
  }
  return pids;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
