// The leader's fence as the release command sees it: a deadline (monotonic ms on the runner's
// clock) by which the command must begin to be stopped unless a renewal extends it, and a
// signal that aborts once it must stop (deadline passed, or the lease was lost). The
// heartbeat owns it (election/); the command runners (release/) only watch it.

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
