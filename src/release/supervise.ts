// `eb-migrate __supervise [--grace-ms N] -- argv`: the watchdog that owns the release command.
// The runner starts it detached, so it leads a new session and process group; the command it
// starts (not detached) and everything that forks share that group. It stops the whole group —
// SIGTERM, then SIGKILL after the grace — when the fence deadline the runner last sent passes
// (a paused runner sends none), when its stdin ends (the runner died, even by SIGKILL), or when
// it is sent SIGTERM/SIGINT; and when the command exits, it stops what the command left behind.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { constants } from "node:os";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { systemClock, type Clock } from "../runtime/clock.js";
import { groupAlive, stopGroup } from "./process-group.js";

export const DEFAULT_SUPERVISE_GRACE_MS = 5_000;
/** setTimeout's largest delay; a later deadline is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds on the host's CLOCK_MONOTONIC (process.hrtime), which every process of one Linux
 * host shares: a deadline sent in it means the same instant to the supervisor however late the
 * message arrives, and it does not jump with the wall clock.
 */
export function hostMonotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** The runner → supervisor message: stop the command at this host-monotonic time unless told later. */
export function deadlineMessage(hostDeadlineMs: number): string {
  return `deadline ${Math.round(hostDeadlineMs)}\n`;
}

function parseDeadline(line: string): number | undefined {
  const match = /^deadline (\d{1,16})$/.exec(line.trim());
  return match ? Number(match[1]) : undefined;
}

export interface SuperviseOptions {
  graceMs: number;
  /** The runner's pipe (process.stdin): deadline messages; its end means the runner is gone. */
  input: Readable;
  /** The supervisor's own lines (stderr, which the runner reads as command output). */
  log: (line: string) => void;
  clock?: Clock;
  /** The host's monotonic clock (injected for tests). */
  hostNow?: () => number;
}

export async function supervise(argv: string[], options: SuperviseOptions): Promise<number> {
  const [file, ...args] = argv;
  if (!file) return 2;
  const clock = options.clock ?? systemClock;
  const hostNow = options.hostNow ?? hostMonotonicMs;
  // Handlers first: a stop asked for while we start (before the command exists) means "never start it".
  let pending: { signal: NodeJS.Signals; why: string } | undefined;
  let stopNow: ((signal: NodeJS.Signals, why: string) => unknown) | undefined;
  const stop = (signal: NodeJS.Signals, why: string) => (stopNow ? void stopNow(signal, why) : void (pending ??= { signal, why }));
  const onTerm = () => stop("SIGTERM", "received SIGTERM");
  const onInt = () => stop("SIGINT", "received SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  const runnerGone = () => stop("SIGTERM", "the eb-migrate runner went away");
  options.input.on("end", runnerGone);
  options.input.on("close", runnerGone);
  options.input.on("error", runnerGone);
  let timer: NodeJS.Timeout | undefined;
  const arm = (deadline: number) => {
    if (timer) clearTimeout(timer);
    const fire = () => {
      if (hostNow() < deadline) return arm(deadline);
      stop("SIGTERM", "the fence deadline passed without a renewal from the eb-migrate runner");
    };
    timer = setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, deadline - hostNow())));
  };
  const lines = createInterface({ input: options.input });
  let stopping: Promise<unknown> | undefined;
  lines.on("line", (line) => {
    const deadline = parseDeadline(line);
    if (deadline !== undefined && !stopping) arm(deadline);
  });
  const detach = () => {
    if (timer) clearTimeout(timer);
    lines.close();
    options.input.off("end", runnerGone);
    options.input.off("close", runnerGone);
    options.input.off("error", runnerGone);
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
  };

  // Started detached by the runner, we lead our group and the command joins it. Started any
  // other way we would be signalling our caller's group: then the command gets its own.
  const leader = await isGroupLeader();
  if (pending) {
    // Told to stop before the command started (the runner died or gave up meanwhile): never start it.
    options.log(`eb-migrate: ${pending.why} before the command started; not starting it`);
    detach();
    return 128 + constants.signals[pending.signal];
  }
  const child = spawn(file, args, { stdio: ["ignore", "inherit", "inherit"], detached: !leader });
  const result = new Promise<number>((resolve) => {
    child.on("error", (error) => {
      options.log(`eb-migrate: could not start ${file}: ${error.message}`);
      resolve(127);
    });
    // A signal death goes back to the runner as 128 + its number, as a shell reports it.
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 1)));
  });
  if (child.pid === undefined) {
    detach();
    return await result;
  }
  const pgid = leader ? process.pid : child.pid;
  const self = leader ? process.pid : undefined;
  stopNow = (signal, why) => {
    // Several triggers can fire for one event (stdin's end and close; our own group SIGTERM).
    if (stopping) return stopping;
    options.log(`eb-migrate: ${why}; stopping the command's process group (${signal}, SIGKILL after ${options.graceMs} ms)`);
    stopping = stopGroup(pgid, {
      signal,
      graceMs: options.graceMs,
      clock,
      ...(self === undefined ? {} : { self }),
      onEscalate: () => options.log(`eb-migrate: the command's process group still runs ${options.graceMs} ms after ${signal}; sending SIGKILL`),
    });
    return stopping;
  };

  try {
    const code = await result;
    // The command is done; what it left running in its group must not outlive it.
    if (!stopping && (await groupAlive(pgid, self))) stopNow("SIGTERM", "the command exited and left processes running");
    await stopping;
    return code;
  } finally {
    detach();
  }
}

/** Whether this process leads its process group (Linux /proc; elsewhere assume not). */
async function isGroupLeader(): Promise<boolean> {
  const stat = await readFile("/proc/self/stat", "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields.length > 2 && Number(fields[2]) === process.pid;
}
