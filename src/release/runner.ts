// One instance's part in a release: read the release record (skip when done), contend for the
// environment's lease, and either lead (run the command under heartbeats, record the outcome)
// or follow (wait for the leader's outcome, taking over when the holder is lost).
import { ConfigError, NoElectionError, ReleaseFailedError, WaitTimeoutError, type EbMigrateError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Settings } from "../config/settings.js";
import { decide, followerDelayMs, HOLDER_CHECK_SPREAD_MS, holderCheckDelayMs, observe, renewalsLate, type Decision, type HolderState, type LeaseRecord, type Observation } from "../election/decide.js";
import { unfenced } from "../election/fence.js";
import { startHeartbeat } from "../election/heartbeat.js";
import type { HeldLease, LeaseStore } from "../election/lease.js";
import { TableRefusedError, TableUnavailableError, TableUnusableError } from "../table/errors.js";
import type { Deployment, Identity } from "../instance/types.js";
import { backoffDelay } from "../runtime/backoff.js";
import type { Clock } from "../runtime/clock.js";
import type { Execute, ExecutionResult } from "./execution.js";
import type { LeaderOutcome } from "./leader-outcome.js";
import { releaseMode } from "./modes/index.js";
import type { ReleaseStore } from "./record.js";
import type { ReleaseRecord } from "./record-item.js";
import { skipRun } from "./run-log.js";
import type { RunOutcome } from "./run-outcome.js";

/** A progress line this often while waiting. */
export const PROGRESS_EVERY_MS = 10_000;
/** How long the table must stay unreachable, before any successful call, to fall back. */
export const DEFAULT_FALLBACK_AFTER_MS = 15_000;

export interface RunnerDeps {
  settings: Settings;
  identity: Identity;
  deployment: Deployment;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  leases: LeaseStore;
  releases: ReleaseStore;
  /**
   * How the leader runs the command (the mode's prepare): called once, when the first read of
   * the release record shows there is something to do (or the fallback election starts), before
   * any lease write — so a refusal is exit 2 with nothing written, and an instance that finds its
   * release done never probes interpreters it will not use.
   */
  prepare(): Promise<Execute>;
  /** Whether the holder's instance can still be running (asked only once its renewals are late). */
  holderState(instanceId: string): Promise<HolderState>;
  /** Fallback election: the oldest InService instance of our group, or throws. */
  oldestInstance(): Promise<string>;
  /** Jitter of polls and holder checks (tests pass a fixed one). */
  random?: () => number;
  fallbackAfterMs?: number;
  /**
   * `release --env`: this finished record (status and fencing token as seen at the start) is run
   * again as a new attempt instead of being final; any other outcome is final as usual.
   */
  rerun?: { status: "succeeded" | "failed"; fencingToken: number };
  /** Called once by the leader after its outcome is recorded (lease or fallback); must not throw. */
  onLeaderOutcome?(outcome: LeaderOutcome): Promise<void>;
}

type LeadResult = { kind: "done"; outcome: RunOutcome } | { kind: "lost" };

/** The runner's own view of its deps: `execute` prepares once, on first use. */
type Prepared = RunnerDeps & { execute: () => Promise<Execute> };

export async function runRelease(runnerDeps: RunnerDeps): Promise<RunOutcome> {
  let prepared: Promise<Execute> | undefined;
  const deps: Prepared = { ...runnerDeps, execute: () => (prepared ??= runnerDeps.prepare()) };
  const { settings, identity, deployment, clock, signal } = deps;
  const self = identity.instanceId;
  const start = clock.now();
  const deadline = start + settings.waitTimeoutSeconds * 1000;
  const random = deps.random ?? Math.random;
  const fallbackAfterMs = deps.fallbackAfterMs ?? Math.min(DEFAULT_FALLBACK_AFTER_MS, settings.leaseSeconds * 1000);
  let log = deps.log;
  // Every table call of a follower ends at SIGTERM/SIGINT or the deadline, even one that hangs.
  // A host timer (unref'd), not the injected clock: it only cuts a call short; the decision
  // that the wait is over is taken on `clock` at the loop's top.
  const waitSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, Math.ceil(deadline - start)))]);
  return await follow();

  async function follow(): Promise<RunOutcome> {
    let tableEverAnswered = false;
    let unavailableSince: number | undefined;
    let observation: Observation | undefined;
    // Questions about a late holder: when the next may be asked, and what the last one said.
    let holderCheck: { holder: string; attempt: number; next: number; state: HolderState } | undefined;
    let holderSeen: { holder: string; since: number } | undefined;
    let waits = 0;
    let lastProgress = start;
    let runningSeenSince: number | undefined;
    // A follower polls the lease alone: the leader writes its outcome before it gives the lease
    // back, so the release record is read first, then again only when the lease says the outcome
    // may be there — no holder, a holder whose renewals are late, or one busy with another deployment.
    let readRelease = true;

    for (;;) {
      if (signal.aborted) throw new WaitTimeoutError(`stopped by ${String(signal.reason)} while waiting for the release of ${deployment.key}`);
      const now = clock.now();
      if (now >= deadline) throw waitTimeout(settings, deployment, holderSeen?.holder);
      let lease: LeaseRecord | undefined;
      try {
        if (readRelease) {
          const release = await deps.releases.read(identity.environmentId, deployment.key, waitSignal);
          tableEverAnswered = true;
          unavailableSince = undefined;
          if (release?.status === "succeeded" && !isRerun(deps, release)) {
            if (waits === 0 && runningSeenSince === undefined) return skipRun(log, deployment, release);
            log.info(`release succeeded on ${release.leader} after ${seconds(clock.now() - start)} s of waiting`, { state: "released", role: "follower" });
            return { role: "follower", leader: release.leader, attempt: release.attempt };
          }
          if (release?.status === "failed" && !isRerun(deps, release)) throw releaseFailed(release);
          if (release?.status === "running") runningSeenSince ??= clock.now();
          await deps.execute();
        }
        lease = await deps.leases.read(identity.environmentId, waitSignal);
        tableEverAnswered = true;
        unavailableSince = undefined;
        observation = observe(observation, lease, clock.now(), true);

        const holder = lease?.holder;
        if (holder !== undefined && holderSeen?.holder !== holder) holderSeen = { holder, since: clock.now() };
        const late = renewalsLate(lease, observation, clock.now());
        let holderState: HolderState = "unknown";
        if (!late || holder === undefined || holder === self) holderCheck = undefined;
        else {
          // Renewals are late: ask Auto Scaling / EC2 whether the holder can still be running —
          // the first time a little after lateness (at random), then at growing, jittered intervals.
          if (holderCheck?.holder !== holder) holderCheck = { holder, attempt: 0, next: clock.now() + random() * HOLDER_CHECK_SPREAD_MS, state: "unknown" };
          if (clock.now() >= holderCheck.next) {
            holderCheck.state = await deps.holderState(holder);
            holderCheck.next = clock.now() + holderCheckDelayMs(holderCheck.attempt++, random);
          }
          holderState = holderCheck.state;
        }
        const decision = decide({ self, lease, observation, holderState, now: clock.now() });
        log.debug(`decision: ${decision.kind}`, { holder, version: lease?.recordVersion, late, holderState });
        if (decision.kind === "wait") {
          readRelease = late || (lease?.deploymentKey !== undefined && lease.deploymentKey !== deployment.key);
          if (clock.now() - lastProgress >= PROGRESS_EVERY_MS) {
            lastProgress = clock.now();
            const since = runningSeenSince ?? holderSeen?.since;
            log.info(progressLine(decision, lease, deployment, since !== undefined ? clock.now() - since : undefined, settings), { role: "follower" });
          } else if (waits === 0) {
            log.info(`${decision.holder} holds the lease${lease?.deploymentKey && lease.deploymentKey !== deployment.key ? ` for deployment ${lease.deploymentKey}` : ""}; waiting for the release`, { role: "follower", state: "waiting" });
          }
          await clock.sleep(Math.min(followerDelayMs(waits++, random), Math.max(0, deadline - clock.now())), waitSignal).catch(() => undefined);
          continue;
        }
        if (!readRelease) {
          // The lease is free (or ours, or taken over): the outcome may be written — read it first.
          readRelease = true;
          continue;
        }
        const acquireStart = clock.now();
        const held = await deps.leases.acquire(identity.environmentId, self, settings.leaseSeconds, deployment.key, acquireMode(decision), waitSignal);
        if (!held) {
          observation = undefined;
          continue;
        }
        log = deps.log.child({ role: "leader" });
        if (decision.kind === "takeover") {
          log.warn(`took over the lease from ${lease?.holder} (${decision.reason === "holder-gone" ? "its renewals stopped and Auto Scaling / EC2 say its instance cannot be running" : `its lease was not renewed for ${lease?.leaseSeconds} s`})`, { state: "takeover", reason: decision.reason, fencingToken: held.fencingToken });
        } else {
          log.info(`acquired the lease (fencing token ${held.fencingToken})`, { state: "leader" });
        }
        const result = await lead({ ...deps, log }, held, acquireStart, deadline, decision.kind === "takeover" ? decision.reason : undefined);
        if (result.kind === "done") return result.outcome;
        log = deps.log.child({ role: "follower" });
        observation = undefined;
        holderCheck = undefined;
        readRelease = true;
      } catch (error) {
        // Stopped (signal or deadline) in the middle of a call: the loop's top says which.
        if (waitSignal.aborted && (error instanceof TableUnavailableError || error instanceof TableUnusableError)) continue;
        if (error instanceof TableUnusableError && !tableEverAnswered) return await fallback(deps, error.message);
        if (error instanceof TableUnavailableError || error instanceof TableUnusableError) {
          observation = undefined;
          readRelease = true;
          // Throttling proves the table exists: busy is not unusable, and never a reason to fall back.
          if (error instanceof TableUnavailableError && error.throttled) tableEverAnswered = true;
          unavailableSince ??= clock.now();
          if (!tableEverAnswered && clock.now() - unavailableSince >= fallbackAfterMs) {
            return await fallback(deps, `${error.message} (for ${seconds(clock.now() - unavailableSince)} s)`);
          }
          log.warn(`${error.message}; retrying`, { state: "table-unavailable" });
          await clock.sleep(Math.min(1000, Math.max(0, deadline - clock.now())), waitSignal).catch(() => undefined);
          continue;
        }
        throw error;
      }
    }
  }
}

function acquireMode(decision: Exclude<Decision, { kind: "wait" }>) {
  if (decision.kind === "takeover") return { kind: "takeover" as const, expectVersion: decision.expectVersion };
  return { kind: decision.kind === "reenter" ? ("reenter" as const) : ("fresh" as const) };
}

/**
 * Leads the release while holding `held` (acquired by a write sent at `acquiredAt`); always
 * gives the lease back unless it was lost. The heartbeat runs from the acquisition on: reading
 * and claiming the release can take long when DynamoDB throttles, and that time counts too.
 */
async function lead(deps: Prepared, held: HeldLease, acquiredAt: number, deadline: number, takeover: "holder-gone" | "lease-expired" | undefined): Promise<LeadResult> {
  const { settings, identity, deployment, clock, log } = deps;
  let releaseLease = true;
  const heartbeat = startHeartbeat({ leases: deps.leases, clock, log, held, acquiredAt, killGraceMs: settings.killGraceMs });
  const fence = heartbeat.fence;
  let handedBack = false;
  /** Stops the heartbeat and, unless it was lost, releases the lease — once, on every exit path. */
  const handBack = async () => {
    if (handedBack) return;
    handedBack = true;
    await heartbeat.stop();
    if (!releaseLease) return;
    // Cleanup outlives a burst of errors: a lease left held would make the next deployment
    // wait a lease time (or an Auto Scaling check) for nothing.
    const until = Math.max(deadline, clock.now() + held.leaseSeconds * 1000);
    await retryWhileUnavailable(deps, until, "release the lease", () => deps.leases.release(held)).catch((error: Error) =>
      log.warn(`could not release the lease (${error.message}); another instance takes it over after ${held.leaseSeconds} s`),
    );
  };
  try {
    const current = await deps.releases.read(identity.environmentId, deployment.key, fence.signal);
    if (current?.status === "succeeded" && !isRerun(deps, current)) return { kind: "done", outcome: skipRun(log, deployment, current) };
    if (current?.status === "failed" && !isRerun(deps, current)) throw releaseFailed(current);
    const previous = current?.status === "running" ? current : undefined;
    const rerunOf = current && isRerun(deps, current) ? current : undefined;
    const record: ReleaseRecord = {
      environmentId: identity.environmentId,
      environmentName: identity.environmentName,
      deploymentKey: deployment.key,
      ...(deployment.versionLabel ? { versionLabel: deployment.versionLabel } : {}),
      ...(deployment.deploymentId ? { deploymentId: deployment.deploymentId } : {}),
      status: "running",
      leader: identity.instanceId,
      attempt: ((previous ?? rerunOf)?.attempt ?? 0) + 1,
      fencingToken: held.fencingToken,
      electionMode: "lease",
      mode: settings.mode,
      command: settings.command.redactedText,
      startedAt: new Date(clock.wallNow()).toISOString(),
      ...(previous?.taskArn ? { taskArn: previous.taskArn } : {}),
      ...(takeover ? { takeover } : {}),
    };
    // A re-run is a run of its own (ecs: its own task); whoever takes it over keeps its key.
    const runKey = previous ? previous.runKey : rerunOf ? `${deployment.key}#rerun-${record.attempt}` : undefined;
    if (runKey) record.runKey = runKey;
    const claim = await deps.releases.claim(record, rerunOf, fence.signal);
    if (!claim.claimed) {
      log.info("another leader recorded this release first; following it", { state: "follower" });
      return { kind: "lost" };
    }
    if (rerunOf) log.warn(`running the release again: attempt ${rerunOf.attempt} ${rerunOf.status} on ${rerunOf.leader}; this is attempt ${record.attempt}`, { state: "rerun" });
    if (previous) log.warn(`release was left running by ${previous.leader} (attempt ${previous.attempt}); this is attempt ${record.attempt}`, { state: "retry" });

    const persist = <T>(what: string, write: () => Promise<T>) => retryWhileUnavailable(deps, deadline, what, write);
    // Start the command only on a freshly renewed lease: it then has the whole fence time
    // (fence.ts) before it must stop.
    if (!(await heartbeat.renewNow())) {
      releaseLease = fence.signal.reason !== "lost";
      log.warn("could not renew the lease before starting the command; following whoever holds it", { state: "fenced" });
      return { kind: "lost" };
    }
    log.info(`running ${releaseMode(settings).runs}: ${settings.command.redactedText}`, { state: "running", attempt: record.attempt });
    const execute = await deps.execute();
    const result = await executeOrRecordFailure(deps, record, persist, takeover, () =>
      execute({
        record,
        ...(previous?.taskArn ? { existingTaskArn: previous.taskArn } : {}),
        fence,
        deadline,
        hooks: {
          onLine: (line) => log.info(`| ${line}`),
          onTaskStarted: async (taskArn) => {
            record.taskArn = taskArn;
            if (!(await persist("record the task ARN", () => deps.releases.setTaskArn(record, taskArn, heartbeat.lost)))) heartbeat.markLost();
          },
        },
      }),
    );
    if (fence.signal.aborted) {
      releaseLease = fence.signal.reason !== "lost";
      log.warn("this instance can no longer prove it holds the lease; its command was stopped and another instance takes over", { state: "fenced" });
      return { kind: "lost" };
    }
    // The command has finished: from here the heartbeat only keeps the lease while the
    // outcome is written, however long DynamoDB takes to answer — never run it again.
    heartbeat.commandFinished();
    const succeeded = result.exitCode === 0 && !result.timedOut && !result.interrupted;
    const reason = succeeded ? undefined : failureReason(result, settings);
    const written = await persist("record the outcome", () =>
      deps.releases.finish(
        record,
        {
          status: succeeded ? "succeeded" : "failed",
          ...(result.exitCode !== null ? { exitCode: result.exitCode } : {}),
          ...(reason ? { reason } : {}),
          durationMs: result.durationMs,
          outputTail: result.outputTail,
          ...(result.dbLock ? { dbLock: result.dbLock } : {}),
        },
        heartbeat.lost,
      ),
    ).catch((error: unknown) => {
      // Even the reduced outcome was refused: say so; the record stays running (a new leader retries).
      if (error instanceof TableRefusedError) throw new ReleaseFailedError(`the command ${succeeded ? "succeeded" : "failed"} but its outcome could not be recorded: ${error.message}`, { cause: error });
      throw error;
    });
    if (!written) {
      releaseLease = false;
      log.warn("a newer leader took over before the outcome could be recorded; following it", { state: "fenced" });
      return { kind: "lost" };
    }
    // Followers watch the lease: give it back before anything slower (notifications) happens.
    await handBack();
    await reportOutcome(deps, { election: "lease", leader: identity.instanceId, succeeded, ...(reason ? { reason } : {}), exitCode: result.exitCode, durationMs: result.durationMs, outputTail: result.outputTail, attempt: record.attempt, fencingToken: record.fencingToken, ...(takeover ? { takeover } : {}) });
    if (succeeded) {
      log.info(`release succeeded in ${seconds(result.durationMs)} s`, { state: "succeeded" });
      return { kind: "done", outcome: { role: "leader", leader: identity.instanceId, attempt: record.attempt, ...(takeover ? { takeover } : {}) } };
    }
    log.error(`release failed: ${reason}`, { state: "failed" });
    if (result.timedOut) throw new WaitTimeoutError(`${reason}; the release is marked failed`);
    throw new ReleaseFailedError(`${reason}${tailText(result.outputTail)}`);
  } finally {
    await handBack();
  }
}

/** Retries a write while DynamoDB does not answer (after the SDK's own retries), until `until`. */
async function retryWhileUnavailable<T>(deps: RunnerDeps, until: number, what: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof TableUnavailableError) || deps.clock.now() >= until) throw error;
      if (attempt === 0) deps.log.warn(`could not ${what} (${error.message}); retrying`);
      await deps.clock.sleep(Math.min(backoffDelay(attempt, 100, 1000), Math.max(0, until - deps.clock.now())));
    }
  }
}

/**
 * Runs the command; when it cannot even be started (a RunTask failure, an override too large),
 * the release is marked failed with that message before the error goes on, so followers stop
 * waiting and no other instance retries the same hopeless start.
 */
async function executeOrRecordFailure(
  deps: RunnerDeps,
  record: ReleaseRecord,
  persist: <T>(what: string, write: () => Promise<T>) => Promise<T>,
  takeover: "holder-gone" | "lease-expired" | undefined,
  execute: () => Promise<ExecutionResult>,
): Promise<ExecutionResult> {
  try {
    return await execute();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const written = await persist("record the failure", () => deps.releases.finish(record, { status: "failed", reason, durationMs: 0, outputTail: [] })).catch(() => false);
    if (written) {
      await reportOutcome(deps, { election: "lease", leader: record.leader, succeeded: false, reason, exitCode: null, durationMs: 0, outputTail: [], attempt: record.attempt, fencingToken: record.fencingToken, ...(takeover ? { takeover } : {}) });
    }
    throw error;
  }
}

async function fallback(deps: Prepared, why: string): Promise<RunOutcome> {
  const { settings, identity, log } = deps;
  const execute = await deps.execute();
  if (settings.fallback === "off") {
    throw new NoElectionError(`${why}; no leader can be elected and EB_MIGRATE_FALLBACK=off (create the table and grant access — see "eb-migrate policy" — or set EB_MIGRATE_FALLBACK=oldest-instance)`);
  }
  log.warn(`!!! FALLBACK ELECTION: ${why}. The oldest InService instance of the Auto Scaling group runs the command; other instances do NOT wait for it. Fix the table (see "eb-migrate doctor").`, { state: "fallback" });
  let oldest: string;
  try {
    oldest = await deps.oldestInstance();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new NoElectionError(`${why}; and the fallback election failed too: ${(error as Error).message}`, { cause: error });
  }
  if (oldest !== identity.instanceId) {
    log.warn(`!!! FALLBACK: ${oldest} is the oldest InService instance and runs the command; this instance goes on without waiting`, { state: "fallback-follower", role: "follower" });
    return { role: "fallback-follower", leader: oldest };
  }
  const leaderLog = log.child({ role: "leader" });
  leaderLog.warn(`!!! FALLBACK: this is the oldest InService instance; running the command without a lease`, { state: "fallback-leader" });
  const result = await execute({
    record: undefined,
    fence: unfenced(),
    deadline: deps.clock.now() + settings.waitTimeoutSeconds * 1000,
    hooks: { onLine: (line) => leaderLog.info(`| ${line}`) },
  });
  const succeeded = result.exitCode === 0 && !result.timedOut && !result.interrupted;
  const reason = succeeded ? undefined : failureReason(result, settings);
  await reportOutcome({ ...deps, log: leaderLog }, { election: "fallback", leader: identity.instanceId, succeeded, ...(reason ? { reason } : {}), exitCode: result.exitCode, durationMs: result.durationMs, outputTail: result.outputTail });
  if (reason === undefined) {
    leaderLog.info(`release succeeded in ${seconds(result.durationMs)} s (fallback election)`, { state: "succeeded" });
    return { role: "fallback-leader", leader: identity.instanceId };
  }
  if (result.timedOut) throw new WaitTimeoutError(reason);
  throw new ReleaseFailedError(`${reason}${tailText(result.outputTail)}`);
}

function isRerun(deps: RunnerDeps, record: ReleaseRecord): boolean {
  return deps.rerun !== undefined && record.status === deps.rerun.status && record.fencingToken === deps.rerun.fencingToken;
}

/** The leader's outcome to whoever listens (notifications); a failing listener only warns. */
async function reportOutcome(deps: RunnerDeps, outcome: LeaderOutcome): Promise<void> {
  if (!deps.onLeaderOutcome) return;
  try {
    await deps.onLeaderOutcome(outcome);
  } catch (error) {
    deps.log.warn(`reporting the outcome failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** One line, reason first (timeout, signal, exit code), then the command. */
export function failureReason(result: ExecutionResult, settings: Settings): string {
  const what = releaseMode(settings).subject(settings, result);
  if (result.timedOut) {
    const lock = result.dbLock && !result.dbLock.acquired && !result.dbLock.noLock ? ` while waiting for the database lock held by ${result.dbLock.heldBy ?? "another session"}` : "";
    return `timed out after ${settings.waitTimeoutSeconds} s (EB_MIGRATE_WAIT_TIMEOUT_SECONDS): ${what} was stopped${lock}`;
  }
  if (result.interrupted) return `interrupted by ${result.interrupted}: ${what} was stopped`;
  if (result.signal) return `killed by ${result.signal}: ${what}`;
  if (result.exitCode === null) return `${what} ended without an exit code${result.detail ? ` (${result.detail})` : ""}`;
  return `exit code ${result.exitCode}: ${what}${result.detail ? ` (${result.detail})` : ""}`;
}

function releaseFailed(release: ReleaseRecord): EbMigrateError {
  const reason = release.reason ?? `exit code ${release.exitCode ?? "unknown"}`;
  return new ReleaseFailedError(
    `the release of ${release.deploymentKey} failed on ${release.leader} (${reason}); fix the command and deploy again${tailText(release.outputTail ?? [])}`,
  );
}

function tailText(lines: string[]): string {
  if (lines.length === 0) return "";
  const last = lines.slice(-20);
  return `\nlast ${last.length} lines of output:\n${last.map((l) => `  | ${l}`).join("\n")}`;
}

function waitTimeout(settings: Settings, deployment: Deployment, holder: string | undefined): WaitTimeoutError {
  return new WaitTimeoutError(
    `waited ${settings.waitTimeoutSeconds} s for the release of ${deployment.key}${holder ? ` led by ${holder}` : ""} without an outcome; raise EB_MIGRATE_WAIT_TIMEOUT_SECONDS (and EB's command timeout) or see "eb-migrate status"`,
  );
}

function progressLine(decision: Extract<Decision, { kind: "wait" }>, lease: LeaseRecord | undefined, deployment: Deployment, runningForMs: number | undefined, settings: Settings): string {
  if (lease?.deploymentKey && lease.deploymentKey !== deployment.key) return `waiting for ${decision.holder}, which holds the lease for deployment ${lease.deploymentKey}`;
  const what = releaseMode(settings).progressName(settings);
  return `waiting for ${decision.holder}: ${what} running for ${seconds(runningForMs ?? 0)} s`;
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
