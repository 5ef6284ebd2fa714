// The holder's side of the lease while it leads: renew at a fixed short interval, and fence —
// a timer armed from the start of each successful renewal (fence.ts has the arithmetic) whose
// expiry aborts the fence signal ("unrenewed") whatever calls are in flight, as does a renewal
// that finds the lease taken over ("lost"). The command runners watch the FenceView.
import type { Logger } from "../cli/log.js";
import type { Clock } from "../runtime/clock.js";
import { heartbeatIntervalMs } from "./decide.js";
import { fenceAfterMs, type FenceReason, type FenceView } from "./fence.js";
import type { HeldLease, LeaseStore } from "./lease.js";

export interface HeartbeatInput {
  leases: Pick<LeaseStore, "renew">;
  clock: Clock;
  log: Logger;
  held: HeldLease;
  /** When the write that acquired `held` was sent (monotonic): the first fence is armed from it. */
  acquiredAt: number;
  killGraceMs: number;
}

export interface Heartbeat {
  readonly fence: FenceView;
  /** Aborted only when the lease is lost to a newer holder: for the writes after the command. */
  readonly lost: AbortSignal;
  /** Renews at once; false when the lease is lost or the fence deadline has passed. */
  renewNow(): Promise<boolean>;
  /** Another write found the lease (or the release) taken over. */
  markLost(): void;
  /** The command has finished: from now on the fence never fires "unrenewed"; renewals go on. */
  commandFinished(): void;
  stop(): Promise<void>;
}

export function startHeartbeat(input: HeartbeatInput): Heartbeat {
  const { clock, log, held } = input;
  const interval = heartbeatIntervalMs(held.leaseSeconds);
  const fenceAfter = fenceAfterMs(held.leaseSeconds, input.killGraceMs);
  const stopper = new AbortController();
  const fenceController = new AbortController();
  const lostController = new AbortController();
  const listeners = new Set<(deadline: number) => void>();
  let deadline = input.acquiredAt + fenceAfter;
  let commandRunning = true;

  const fire = (reason: FenceReason) => {
    if (reason === "lost") lostController.abort("lost");
    if (!fenceController.signal.aborted) fenceController.abort(reason);
  };
  const fence: FenceView = {
    signal: fenceController.signal,
    deadline: () => deadline,
    killGraceMs: input.killGraceMs,
    onExtend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const renew = async (): Promise<"renewed" | "lost" | "unknown"> => {
    const started = clock.now();
    // While the command runs a renewal is abandoned when the fence fires; afterwards only a
    // lost lease (or stop) ends it, so the outcome can still be written.
    const abort = AbortSignal.any([stopper.signal, commandRunning ? fenceController.signal : lostController.signal]);
    const result = await input.leases.renew(held, abort);
    if (result === "renewed" && !fenceController.signal.aborted && started + fenceAfter > deadline) {
      deadline = started + fenceAfter;
      for (const listener of listeners) listener(deadline);
    } else if (result === "lost") fire("lost");
    else if (result === "unknown" && !stopper.signal.aborted && !fenceController.signal.aborted) {
      log.warn("could not renew the lease (DynamoDB did not answer); retrying");
    }
    return result;
  };

  // The fence timer: wakes at the deadline; a renewal meanwhile moved it, so sleep again.
  const timer = (async () => {
    for (;;) {
      if (stopper.signal.aborted || fenceController.signal.aborted || !commandRunning) return;
      const wait = deadline - clock.now();
      if (wait <= 0) return fire("unrenewed");
      await clock.sleep(wait, stopper.signal).catch(() => undefined);
    }
  })();

  const loop = (async () => {
    while (!stopper.signal.aborted && !lostController.signal.aborted && (!commandRunning || !fenceController.signal.aborted)) {
      try {
        await clock.sleep(interval, stopper.signal);
      } catch {
        return;
      }
      await renew();
    }
  })();

  return {
    fence,
    lost: lostController.signal,
    async renewNow() {
      await renew();
      return !fenceController.signal.aborted && clock.now() < deadline;
    },
    markLost: () => fire("lost"),
    commandFinished() {
      commandRunning = false;
    },
    async stop() {
      stopper.abort();
      await Promise.all([loop, timer]);
    },
  };
}
