// The leader's fence as the release command sees it: a deadline (monotonic ms on the runner's
// clock) by which the command must begin to be stopped unless a renewal extends it, and a
// signal that aborts once it must stop (deadline passed, or the lease was lost). The
// heartbeat owns it (election/); the command runners (release/) only watch it.

import { heartbeatIntervalMs } from "./decide.js";

export type FenceReason = "lost" | "unrenewed";

export interface FenceView {
  /** Aborted with a FenceReason when the command must stop now. */
  readonly signal: AbortSignal;
  /** When the stop begins (SIGTERM to the whole command), unless a renewal moves it later. */
  deadline(): number;
  /** SIGTERM → SIGKILL grace that the deadline arithmetic leaves room for. */
  readonly killGraceMs: number;
  /** Called with the new deadline after every successful renewal; returns an unsubscribe. */
  onExtend(listener: (deadline: number) => void): () => void;
}

/** A fence that never fires (fallback election: no lease to lose). */
export function unfenced(): FenceView {
  return {
    signal: new AbortController().signal,
    deadline: () => Number.POSITIVE_INFINITY,
    killGraceMs: 5_000,
    onExtend: () => () => undefined,
  };
}

/*
 * The fence arithmetic — the one place that decides when a leader's command must be dead.
 *
 * Let t0 be the start (holder's monotonic clock) of the holder's last successful renewal. That
 * write lands after t0, so any other instance first sees its record version after t0, and it
 * takes over only after watching that same version for a whole lease on its own monotonic
 * clock: no takeover before t0 + lease (less the clocks' rate error). The holder's fence
 * deadline is t0 + fenceAfter: SIGTERM to the command's whole process group, SIGKILL at
 * deadline + killGrace, the group dead a kill latency later. So
 *
 *   fenceAfter + killGrace + margin ≤ lease
 *
 * where the margin covers the clocks' rate difference (1 % of the lease, far above the drift of
 * a monotonic clock), the deadline's trip through the supervisor's pipe and its timer firing
 * late on a busy host, and the kernel's kill (500 ms). We fence as late as that allows — every
 * second more rides out a longer DynamoDB hiccup without stopping a migration — and require the
 * fence to leave room for two renewals (one may time out), or a healthy leader would fence itself.
 */

/** The default SIGTERM → SIGKILL grace is a tenth of the lease, at most this. */
export const MAX_DEFAULT_KILL_GRACE_MS = 5_000;

export function defaultKillGraceMs(leaseSeconds: number): number {
  return Math.min(MAX_DEFAULT_KILL_GRACE_MS, leaseSeconds * 100);
}

/** Clock-rate error, pipe and timer latency, kill latency (see above). */
export function fenceMarginMs(leaseSeconds: number): number {
  return 500 + Math.ceil(leaseSeconds * 10);
}

/** How long after the start of its last successful renewal the holder stops its command. */
export function fenceAfterMs(leaseSeconds: number, killGraceMs: number): number {
  return leaseSeconds * 1000 - killGraceMs - fenceMarginMs(leaseSeconds);
}

/** The fence must leave room for two renewals: one of them may time out. */
export function minimumFenceAfterMs(leaseSeconds: number): number {
  return 2 * heartbeatIntervalMs(leaseSeconds);
}

export function fenceFits(leaseSeconds: number, killGraceMs: number): boolean {
  return fenceAfterMs(leaseSeconds, killGraceMs) >= minimumFenceAfterMs(leaseSeconds);
}

/** The shortest whole-second lease that fits `killGraceMs`, up to `maxSeconds`. */
export function minimumLeaseSeconds(killGraceMs: number, maxSeconds = 3600): number | undefined {
  for (let s = 1; s <= maxSeconds; s++) if (fenceFits(s, killGraceMs)) return s;
  return undefined;
}

/**
 * Each attempt of a lease or record call is cut off after one heartbeat interval: an answer
 * later than that is late for the lease anyway, and the retry goes out on a fresh connection.
 */
export function tableCallTimeoutMs(leaseSeconds: number): number {
  return heartbeatIntervalMs(leaseSeconds);
}
