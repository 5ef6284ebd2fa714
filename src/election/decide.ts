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

/** Whether the holder is an instance that still exists in an Auto Scaling group. */
export type HolderState = "alive" | "gone" | "unknown";

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

export function decide({ self, lease, observation, holderState, now }: DecideInput): Decision {
  if (!lease || lease.holder === undefined) return { kind: "acquire" };
  if (lease.holder === self) return { kind: "reenter" };
  if (holderState === "gone") return { kind: "takeover", reason: "holder-gone", expectVersion: lease.recordVersion };
  const leaseMs = lease.leaseSeconds * 1000;
  if (observation && observation.recordVersion === lease.recordVersion) {
    const unchangedFor = now - observation.since;
    if (unchangedFor >= leaseMs) return { kind: "takeover", reason: "lease-expired", expectVersion: lease.recordVersion };
    return { kind: "wait", holder: lease.holder, remainingMs: leaseMs - unchangedFor };
  }
  return { kind: "wait", holder: lease.holder, remainingMs: leaseMs };
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
 * Polling delays of a follower: first check within 250 ms, doubling, capped at 800 ms — below
 * the 1 s ceiling so that, with the read's own time added, 95 % of followers see the leader's
 * success within a second.
 */
export const FOLLOWER_POLL_CAP_MS = 800;

export function followerDelayMs(attempt: number): number {
  return backoffDelay(Math.max(0, attempt), 250, FOLLOWER_POLL_CAP_MS);
}

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

/** Auto Scaling lifecycle states in which an instance is gone (or going) for good. */
const GONE_STATES = new Set(["Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated", "Detaching", "Detached"]);

/**
 * Liveness from DescribeAutoScalingInstances: not in any group → gone; terminating or detached
 * → gone; Pending*, InService, Standby, EnteringStandby, warm pool states → alive (it may still
 * be running the command; only the lease time can tell).
 */
export function holderStateFromLifecycle(lifecycleState: string | undefined): HolderState {
  if (lifecycleState === undefined) return "gone";
  return GONE_STATES.has(lifecycleState) ? "gone" : "alive";
}
