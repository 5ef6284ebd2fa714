// Exponential backoff (ECS polling and RunTask retries, follower polls, write retries): doubles from a base, capped.

export const DEFAULT_BACKOFF_CAP_MS = 10_000;

/** Delay before poll/retry number `attempt` (0-based): base·2^attempt, at most `capMs`. */
export function backoffDelay(attempt: number, baseMs: number, capMs = DEFAULT_BACKOFF_CAP_MS): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
}
