// Time as a seam: a monotonic clock for every duration the tool judges (lease expiry,
// timeouts, backoff), the wall clock only for records shown to people.
import { setTimeout as delay } from "node:timers/promises";
import { monotonicNow } from "./monotonic.js";

export interface Clock {
  /** Monotonic milliseconds (never jumps with NTP or a skewed wall clock). */
  now(): number;
  /** Wall-clock epoch milliseconds: only for timestamps shown to people and TTLs. */
  wallNow(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: monotonicNow,
  wallNow: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);
  },
};
