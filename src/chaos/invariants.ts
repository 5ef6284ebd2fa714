// The promises checked after every chaos run, as pure functions over what the run left behind:
// the instances' exits, the marker file the release command writes, and the table's state.
import { ExitCode } from "../cli/errors.js";

/** Exit codes of `eb-migrate run` (PRODUCT.md). */
const CONTRACT_EXIT_CODES: readonly number[] = Object.values(ExitCode);

export interface InstanceExit {
  instance: string;
  /** The deployment this process was started for (chaos label). */
  deployment: string;
  exitCode: number | null;
  signal: string | null;
  role?: string;
  /** Wall-clock ms when the process started and exited (all on this one machine). */
  startedAt: number;
  exitedAt: number;
  /** The chaos killed it (SIGKILL or instance terminated): exempt from exit-code checks. */
  killedByChaos: boolean;
}

/** One line the release command wrote: it started, or it ended with an exit code. */
export interface MarkerEvent {
  kind: "start" | "end";
  instance: string;
  deployment: string;
  pid: number;
  at: number;
  exitCode?: number;
}

export interface RunObservation {
  exits: InstanceExit[];
  markers: MarkerEvent[];
  /** Holder of the environment's lease after every process exited (undefined: free). */
  leaseHolder: string | undefined;
}

export interface Violation {
  /** The four promises, plus what a row expects of its fault (e.g. "a failing migrate fails every instance"). */
  invariant: "one-success" | "no-overlap" | "follower-before-leader" | "lease-left-held" | "exit-code" | "expected-outcome";
  detail: string;
}

/**
 * At most one success per deployment: at most one leader reports success, and the command
 * completes successfully at most once — except a re-run after a completed command whose
 * instance the chaos killed before it could record the outcome (at-least-once on a crash).
 */
export function checkOneSuccess(run: RunObservation): Violation[] {
  const out: Violation[] = [];
  for (const deployment of deploymentsOf(run)) {
    const leaders = run.exits.filter((e) => e.deployment === deployment && e.exitCode === 0 && (e.role === "leader" || e.role === "fallback-leader"));
    if (leaders.length > 1) out.push({ invariant: "one-success", detail: `${deployment}: ${leaders.length} leaders reported success (${leaders.map((l) => l.instance).join(", ")})` });
    const completions = run.markers.filter((m) => m.kind === "end" && m.deployment === deployment && m.exitCode === 0).sort((a, b) => a.at - b.at);
    const killed = new Set(run.exits.filter((e) => e.killedByChaos).map((e) => e.instance));
    const counted = completions.filter((c, n) => n === 0 || !completions.slice(0, n).every((earlier) => killed.has(earlier.instance)));
    if (counted.length > 1) out.push({ invariant: "one-success", detail: `${deployment}: the command succeeded ${completions.length} times (on ${completions.map((c) => c.instance).join(", ")})` });
  }
  return out;
}

/** Never two release commands running at the same time (the lease is per environment). */
export function checkNoOverlap(run: RunObservation): Violation[] {
  const spans = commandSpans(run.markers);
  const out: Violation[] = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      // An unfinished command (killed) ends when its instance's process ended, at the latest.
      if (a.start < b.end && b.start < a.end) out.push({ invariant: "no-overlap", detail: `commands on ${a.instance} (${a.deployment}) and ${b.instance} (${b.deployment}) ran at the same time` });
    }
  }
  return out;
}

/** No follower (or skipping instance) exits 0 before its deployment's command succeeded. */
export function checkFollowersAfterLeader(run: RunObservation): Violation[] {
  const out: Violation[] = [];
  for (const exit of run.exits) {
    if (exit.exitCode !== 0 || exit.killedByChaos) continue;
    if (exit.role === "leader" || exit.role === "fallback-leader" || exit.role === "fallback-follower") continue;
    const success = run.markers.find((m) => m.kind === "end" && m.deployment === exit.deployment && m.exitCode === 0 && m.at <= exit.exitedAt);
    if (!success) out.push({ invariant: "follower-before-leader", detail: `${exit.instance} (${exit.role ?? "no role"}) exited 0 for ${exit.deployment} before any command succeeded` });
  }
  return out;
}

/**
 * No lease left held after all exits — unless the holder's process was SIGKILLed (no cleanup
 * can run then; its lease expires after the lease time, as designed).
 */
export function checkLeaseReleased(run: RunObservation): Violation[] {
  const holder = run.leaseHolder;
  if (holder === undefined) return [];
  if (run.exits.some((e) => e.instance === holder && e.killedByChaos)) return [];
  return [{ invariant: "lease-left-held", detail: `the lease is still held by ${holder} after every process exited` }];
}

export function checkExitCodes(run: RunObservation): Violation[] {
  return run.exits
    .filter((e) => !e.killedByChaos && !(e.exitCode !== null && CONTRACT_EXIT_CODES.includes(e.exitCode)))
    .map((e) => ({ invariant: "exit-code" as const, detail: `${e.instance} exited with ${e.exitCode ?? `signal ${e.signal}`}, not a code from the contract (${CONTRACT_EXIT_CODES.join(", ")})` }));
}

export function checkRun(run: RunObservation): Violation[] {
  return [...checkOneSuccess(run), ...checkNoOverlap(run), ...checkFollowersAfterLeader(run), ...checkLeaseReleased(run), ...checkExitCodes(run)];
}

interface Span {
  instance: string;
  deployment: string;
  start: number;
  end: number;
}

/**
 * Start/end pairs by pid; a command without an end line ran until its instance's last exit. A
 * background worker (marked `<instance>/worker-of-<pid>`) is part of the command that forked
 * it: the command runs until its last process has ended.
 */
export function commandSpans(markers: MarkerEvent[]): Span[] {
  const spans: (Span & { pid: number })[] = [];
  const workers: { owner: string; pid: number; end: number }[] = [];
  for (const start of markers.filter((m) => m.kind === "start")) {
    const end = markers.find((m) => m.kind === "end" && m.pid === start.pid && m.instance === start.instance && m.at >= start.at);
    const endAt = end?.at ?? Number.POSITIVE_INFINITY;
    const worker = /^(.+)\/worker-of-(\d+)$/.exec(start.instance);
    if (worker) workers.push({ owner: worker[1]!, pid: Number(worker[2]), end: endAt });
    else spans.push({ instance: start.instance, deployment: start.deployment, start: start.at, end: endAt, pid: start.pid });
  }
  for (const w of workers) {
    const owner = spans.find((s) => s.instance === w.owner && s.pid === w.pid);
    if (owner) owner.end = Math.max(owner.end, w.end);
    else spans.push({ instance: w.owner, deployment: "unknown", start: Number.NEGATIVE_INFINITY, end: w.end, pid: w.pid });
  }
  return spans.map(({ pid: _pid, ...span }) => span);
}

function deploymentsOf(run: RunObservation): string[] {
  return [...new Set([...run.exits.map((e) => e.deployment), ...run.markers.map((m) => m.deployment)])];
}
