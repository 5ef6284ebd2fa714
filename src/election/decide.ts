// Who leads, given the lease record and what this instance has observed of it: pure functions,
// no I/O, no clock of their own (the caller passes monotonic `now`).
import { backoffDelay } from "../runtime/backoff.js";

/** The lease record as stored (one per environment). */
export interface LeaseRecord {
  /** Instance id of the holder; absent once released. */
  holder?: string;
  /** Random id rewritten by every acquisition and heartbeat: the only liveness signal used. */
  recordVersion: string;
  /** Rises with every acquisition; writes of a leader are conditional on its token. */
  fencingToken: number;
  /** The lease time the holder promised to renew within (its EB_MIGRATE_LEASE_SECONDS). */
  leaseSeconds: number;
  /** The deployment the holder is releasing (for progress lines). */
  deploymentKey?: string;
  /** Wall-clock times, shown to people only — never used to judge expiry. */
  acquiredAt?: string;
  renewedAt?: string;
}

/**
 * What this instance has seen: the record version and since when (monotonic ms) it has seen it
 * unchanged, without a failed read in between.
 */
export interface Observation {
  recordVersion: string;
  since: number;
}

/**
 * What Auto Scaling and EC2 say about the holder's instance, asked only once its renewals are
 * late (see `holderVerdict*` below): it "cannot-run" (the command cannot be running any more:
 * take over once renewals are late), it "may-run" (only the lease time can tell), or "unknown"
 * (not an instance, or nobody answered: the lease time decides).
 */
export type HolderState = "cannot-run" | "may-run" | "unknown";

export type Decision =
  | { kind: "acquire" }
  | { kind: "reenter" }
  | { kind: "takeover"; reason: "holder-gone" | "lease-expired"; expectVersion: string }
  | { kind: "wait"; holder: string; remainingMs: number };

export interface DecideInput {
  self: string;
  lease: LeaseRecord | undefined;
  observation: Observation | undefined;
  holderState: HolderState;
  now: number;
}

/**
 * Never takes over a holder whose renewals are on time, whatever Auto Scaling or EC2 say; once
 * they are late, at once if its instance cannot be running, else after a whole lease time.
 */
export function decide({ self, lease, observation, holderState, now }: DecideInput): Decision {
  if (!lease || lease.holder === undefined) return { kind: "acquire" };
  if (lease.holder === self) return { kind: "reenter" };
  const leaseMs = lease.leaseSeconds * 1000;
  if (observation && observation.recordVersion === lease.recordVersion) {
    const unchangedFor = now - observation.since;
    if (unchangedFor >= leaseMs) return { kind: "takeover", reason: "lease-expired", expectVersion: lease.recordVersion };
    if (holderState === "cannot-run" && unchangedFor >= renewalsLateAfterMs(lease.leaseSeconds)) {
      return { kind: "takeover", reason: "holder-gone", expectVersion: lease.recordVersion };
    }
    return { kind: "wait", holder: lease.holder, remainingMs: leaseMs - unchangedFor };
  }
  return { kind: "wait", holder: lease.holder, remainingMs: leaseMs };
}

/**
 * When a holder's renewals count as late: one renewal interval plus a margin (a renewal's own
 * latency, this follower's poll period) — 3 s for leases of 6 s and more, 2 s for a 3 s lease.
 */
export function renewalsLateAfterMs(leaseSeconds: number): number {
  const interval = heartbeatIntervalMs(leaseSeconds);
  return interval + Math.max(1_000, interval / 2);
}

/** Whether this follower has seen the holder's record version unchanged for longer than a renewal should take. */
export function renewalsLate(lease: LeaseRecord | undefined, observation: Observation | undefined, now: number): boolean {
  if (!lease || lease.holder === undefined || !observation || observation.recordVersion !== lease.recordVersion) return false;
  return now - observation.since >= renewalsLateAfterMs(lease.leaseSeconds);
}

/**
 * The next observation after a read at `now`. A changed version restarts the window, and so
 * does a failed read: a lease is only judged expired after a whole lease time of successful
 * reads that all saw the same version (an outage of the table is not the holder's death).
 */
export function observe(previous: Observation | undefined, lease: LeaseRecord | undefined, now: number, readSucceeded: boolean): Observation | undefined {
  if (!readSucceeded) return undefined;
  if (!lease || lease.holder === undefined) return undefined;
  if (previous && previous.recordVersion === lease.recordVersion) return previous;
  return { recordVersion: lease.recordVersion, since: now };
}

/**
 * Polling delays of a follower (one read of the lease each): 250 ms, then 400 ms, each shortened
 * by up to 15 % at random — so 100 followers started at once do not read in phase, a follower
 * makes ~2.7 reads a second (the scale bench counts them: ≤ 3 with the reads of its start and
 * its end), and 95 % see the leader's release within ~0.4 s of it.
 */
export const FOLLOWER_POLL_CAP_MS = 400;

export function followerDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(backoffDelay(Math.max(0, attempt), 250, FOLLOWER_POLL_CAP_MS) * (0.85 + 0.15 * random()));
}

/**
 * Delay before a follower's next question about a late holder (check number `attempt`, 0-based,
 * after the first): 1 s doubling to 8 s, times 0.5–1.5 at random — a fleet whose holder stays
 * late for a lease time asks a few times each, spread out, not in step.
 */
export function holderCheckDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(backoffDelay(Math.max(0, attempt), 1_000, 8_000) * (0.5 + random()));
}

/** The first question about a late holder comes up to this long after lateness, at random: a fleet does not ask at once. */
export const HOLDER_CHECK_SPREAD_MS = 500;

/** The renewal interval's ceiling: followers see the holder alive with this resolution. */
export const MAX_HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * The holder renews every 2 s, or every third of a shorter lease (amazon-dynamodb-lock-client:
 * at most half): the record version is the liveness signal followers watch, so it changes
 * every few seconds whatever the lease — one write per 2 s, well under one a second. When the
 * command must stop if renewals fail is the fence's business (fence.ts).
 */
export function heartbeatIntervalMs(leaseSeconds: number): number {
  return Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.floor((leaseSeconds * 1000) / 3));
}

/**
 * The holder's instance by its Auto Scaling lifecycle state (DescribeAutoScalingInstances; any
 * group, since immutable deploys use a temporary one). "cannot-run" is conclusive; "ask-ec2"
 * means EC2's instance state decides (`holderStateFromEc2`). Asked only once renewals are late.
 *
 * - `Terminated`: gone.
 * - `Terminating`, `Terminating:Proceed`: no lifecycle hook holds it (or the hook is done), so
 *   EC2 is shutting it down: the OS sends SIGTERM to every process, the supervisor stops the
 *   command's group. The old command can outlive the takeover by the seconds a shutdown takes;
 *   with renewals already late that is accepted, and the database lock (EB_MIGRATE_DB_LOCK,
 *   on by default for migrate) makes the successor's migrate wait until the old session is gone.
 * - `Terminating:Wait`: a termination lifecycle hook keeps the instance running up to its
 *   heartbeat timeout (an hour by default, longer with heartbeats): EC2 decides, and it says
 *   running — the lease time decides.
 * - `Detaching`, `Detached`, `Standby`, `EnteringStandby`, `Pending*`, `InService`,
 *   `Quarantined`, the warm pool's `Warmed:*`, and any state this table does not know: out of
 *   service perhaps, but still an instance that may run the command — EC2 decides.
 * - Not in any group (`undefined`): detached and forgotten, or never in one — EC2 decides.
 *
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
 */
export const LIFECYCLE_VERDICTS: Readonly<Record<string, "cannot-run" | "ask-ec2">> = {
  Terminated: "cannot-run",
  Terminating: "cannot-run",
  "Terminating:Proceed": "cannot-run",
  "Terminating:Wait": "ask-ec2",
  Detaching: "ask-ec2",
  Detached: "ask-ec2",
  EnteringStandby: "ask-ec2",
  Standby: "ask-ec2",
  Pending: "ask-ec2",
  "Pending:Wait": "ask-ec2",
  "Pending:Proceed": "ask-ec2",
  InService: "ask-ec2",
  Quarantined: "ask-ec2",
};

export function holderStateFromLifecycle(lifecycleState: string | undefined): "cannot-run" | "ask-ec2" {
  return lifecycleState === undefined ? "ask-ec2" : (LIFECYCLE_VERDICTS[lifecycleState] ?? "ask-ec2");
}

/**
 * The holder's instance by its EC2 state (DescribeInstances): `pending` and `running` may run
 * the command; `stopping`, `stopped`, `shutting-down`, `terminated` cannot (their processes are
 * being or have been stopped); an instance EC2 does not know (InvalidInstanceID.NotFound,
 * `undefined` here) cannot either — it renewed this lease, so it existed long enough to be past
 * EC2's eventual consistency for new instances; terminated ones stay listed for about an hour.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html
 */
export const EC2_STATE_VERDICTS: Readonly<Record<string, HolderState>> = {
  pending: "may-run",
  running: "may-run",
  stopping: "cannot-run",
  stopped: "cannot-run",
  "shutting-down": "cannot-run",
  terminated: "cannot-run",
};

export function holderStateFromEc2(state: string | undefined): HolderState {
  return state === undefined ? "cannot-run" : (EC2_STATE_VERDICTS[state] ?? "unknown");
}
