// The release command's process group: the command and everything it forks (a shell's
// children, background workers) share one group, and stopping the command means stopping the
// whole group — SIGTERM, then SIGKILL after the grace — and seeing it gone.
import type { ChildProcess } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import type { Clock } from "../runtime/clock.js";

/** How often a stopping group is looked at. */
const POLL_MS = 25;
/** After SIGKILL, how long the group may take to vanish (a process in uninterruptible I/O). */
const KILLED_SETTLE_MS = 2_000;

/** Sends `signal` to every process of the group; false when the group does not exist (any more). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: a member we may not signal still exists.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Signals the group a detached child leads (its own children too), or the child alone when there is no such group. */
export function signalChildGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined && !signalGroup(child.pid, signal)) child.kill(signal);
}

/**
 * Live (not zombie) members of the group, from /proc; undefined where there is no /proc.
 * Zombies count as gone: they run nothing, and an orphan's zombie waits for a PID 1 that may
 * never reap it (containers), which would keep `kill(-pgid, 0)` succeeding forever.
 */
export async function groupMembers(pgid: number): Promise<number[] | undefined> {
  let names: string[];
  try {
    names = await readdir("/proc");
  } catch {
    return undefined;
  }
  const stats = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map(async (n) => [Number(n), await readFile(`/proc/${n}/stat`, "utf8").catch(() => "")] as const));
  const members: number[] = [];
  for (const [pid, stat] of stats) {
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses; read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields.length < 3 || fields[0] === "Z" || fields[0] === "X") continue;
    if (Number(fields[2]) === pgid) members.push(pid);
  }
  return members;
}

/** Whether any process of the group other than `self` still runs. */
export async function groupAlive(pgid: number, self?: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  const members = await groupMembers(pgid);
  // Without /proc, kill(0) is all we know (and it counts `self`).
  if (members === undefined) return self === undefined;
  return members.some((pid) => pid !== self);
}

export interface StopGroupOptions {
  /** The first signal: SIGTERM (or the SIGINT being forwarded). */
  signal: NodeJS.Signals;
  graceMs: number;
  clock: Clock;
  /** The calling process when it is a member itself (the supervisor): it is not waited for. */
  self?: number;
  /** Delivers the first signal another way (to the supervisor, which forwards it); false: not delivered. */
  deliver?: (signal: NodeJS.Signals) => boolean;
  /** Called once the grace is over and SIGKILL follows. */
  onEscalate?: () => void;
}

/**
 * Signals the whole group, waits up to the grace for it to go, then SIGKILLs what is left.
 * Resolves once no member runs: "exited" (the signal sufficed), "killed" (SIGKILL was needed),
 * or "lingering" (members survived SIGKILL for KILLED_SETTLE_MS — stuck in the kernel).
 */
export async function stopGroup(pgid: number, options: StopGroupOptions): Promise<"exited" | "killed" | "lingering"> {
  const { clock, self } = options;
  const delivered = options.deliver?.(options.signal) ?? false;
  if (!delivered && !signalGroup(pgid, options.signal)) return "exited";
  if (await waitGone(pgid, options.graceMs, clock, self)) return "exited";
  options.onEscalate?.();
  await killAll(pgid, self, clock);
  return (await waitGone(pgid, KILLED_SETTLE_MS, clock, self)) ? "killed" : "lingering";
}

/** True once no member (other than `self`) runs, false if some still do after `ms`. */
export async function waitGone(pgid: number, ms: number, clock: Clock, self?: number): Promise<boolean> {
  const until = clock.now() + ms;
  for (;;) {
    if (!(await groupAlive(pgid, self))) return true;
    const left = until - clock.now();
    if (left <= 0) return false;
    await clock.sleep(Math.min(POLL_MS, left));
  }
}

/**
 * SIGKILL to every member. A member of the group itself (`self`) kills the others one by one,
 * re-reading the list while they fork, so it lives to report; as a last resort, or without
 * /proc, the whole group (itself included).
 */
async function killAll(pgid: number, self: number | undefined, clock: Clock): Promise<void> {
  if (self === undefined) {
    signalGroup(pgid, "SIGKILL");
    return;
  }
  for (let round = 0; round < 10; round++) {
    const others = (await groupMembers(pgid))?.filter((pid) => pid !== self);
    if (others === undefined) break;
    if (others.length === 0) return;
    for (const pid of others) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // A killed process leaves the list once it is a zombie: give the kernel a moment.
    await clock.sleep(POLL_MS);
  }
  signalGroup(pgid, "SIGKILL");
}
