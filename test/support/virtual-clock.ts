// Virtual time for tests of code with several sleepers (follower loop, heartbeat, fence timer):
// sleeps wake in order of their virtual wake time, and time moves on only when nothing is in
// flight (no tracked DynamoDB call running, the event loop idle) — so a renewal that answers
// always answers "before" the next virtual moment, and one that hangs lets time pass.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../../src/runtime/clock.js";

export interface VirtualClock extends Clock {
  t: number;
  /** Counts a client's calls as in flight while they run (time stands still meanwhile). */
  track(client: DynamoDBClient): DynamoDBClient;
  /** Calls whose answer is held back on purpose do not hold time still. */
  readonly inFlight: number;
}

interface Sleeper {
  at: number;
  seq: number;
  resolve(): void;
}

/** `onTime(t)` runs (awaited) each time virtual time reaches a new moment, before sleepers wake. */
export function virtualClock(onTime: (now: number) => Promise<void> | void = () => {}): VirtualClock {
  let sleepers: Sleeper[] = [];
  let seq = 0;
  let inFlight = 0;
  let pumping = false;
  const pump = () => {
    if (pumping) return;
    pumping = true;
    setImmediate(() => void step());
  };
  const step = async () => {
    if (inFlight > 0 || sleepers.length === 0) {
      pumping = false;
      if (sleepers.length > 0) setTimeout(pump, 1);
      return;
    }
    sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = sleepers[0]!;
    if (next.at > clock.t) {
      clock.t = next.at;
      await onTime(clock.t);
    }
    const due = sleepers.filter((s) => s.at <= clock.t);
    sleepers = sleepers.filter((s) => s.at > clock.t);
    for (const s of due) s.resolve();
    pumping = false;
    pump();
  };
  const clock: VirtualClock = {
    t: 0,
    now: () => clock.t,
    wallNow: () => Date.UTC(2026, 0, 1) + clock.t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper: Sleeper = { at: clock.t + Math.max(0, ms), seq: seq++, resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        } };
        const onAbort = () => {
          sleepers = sleepers.filter((s) => s !== sleeper);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        sleepers.push(sleeper);
        pump();
      }),
    track(client) {
      client.middlewareStack.add(
        (next) => async (args) => {
          inFlight++;
          try {
            return await next(args);
          } finally {
            inFlight--;
            pump();
          }
        },
        { step: "initialize", name: `virtualClockInFlight${seq++}` },
      );
      return client;
    },
    get inFlight() {
      return inFlight;
    },
  };
  return clock;
}
