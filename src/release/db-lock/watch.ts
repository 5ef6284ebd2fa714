// Reads the launcher's marker lines out of the command's output: turns each into a log line a
// person reads, and keeps what the release record and the failure message need (did the leader
// wait for the lock, how long, who held it).
import { MARKER_PREFIX } from "./launcher.js";

/** What the release record keeps about the database lock. */
export interface DbLockReport {
  /** The lock as the launcher named it ("PostgreSQL advisory lock …"); absent when none was taken. */
  lock?: string;
  acquired: boolean;
  /** How long the command waited for the lock (so far, when it never got it). */
  waitedMs: number;
  /** The other session seen holding it while we waited. */
  heldBy?: string;
  /** Why no lock was taken (SQLite, another vendor). */
  noLock?: string;
}

export interface LockEvent {
  event: "waiting" | "acquired" | "no-lock" | "error";
  lock?: string;
  holder?: string;
  waited_s?: number;
  vendor?: string;
  message?: string;
  warning?: boolean;
}

export type LogLevel = "info" | "warn" | "error";

export class DbLockWatch {
  private report: DbLockReport | undefined;

  /** The event of a marker line, or undefined for any other line. */
  static parse(line: string): LockEvent | undefined {
    const at = line.indexOf(MARKER_PREFIX);
    if (at < 0) return undefined;
    try {
      const event = JSON.parse(line.slice(at + MARKER_PREFIX.length)) as LockEvent;
      return typeof event.event === "string" ? event : undefined;
    } catch {
      return undefined;
    }
  }

  /** Takes a marker line: returns the log line to show for it, or undefined when it is not one. */
  take(line: string): { level: LogLevel; message: string; state?: string } | undefined {
    const e = DbLockWatch.parse(line);
    if (!e) return undefined;
    const waitedMs = Math.round((e.waited_s ?? 0) * 1000);
    switch (e.event) {
      case "waiting":
        this.report = { ...(e.lock ? { lock: e.lock } : {}), acquired: false, waitedMs, ...(e.holder ? { heldBy: e.holder } : {}) };
        return { level: "info", state: "db-lock-waiting", message: waitedMs === 0 ? `waiting for the database lock (${e.lock}), held by ${e.holder}` : `still waiting for the database lock after ${e.waited_s} s, held by ${e.holder}` };
      case "acquired":
        this.report = { ...this.report, ...(e.lock ? { lock: e.lock } : {}), acquired: true, waitedMs };
        return { level: "info", state: "db-lock", message: waitedMs === 0 ? `took the database lock (${e.lock})` : `took the database lock (${e.lock}) after waiting ${e.waited_s} s for ${this.report.heldBy ?? "another session"}` };
      case "no-lock":
        this.report = { acquired: false, waitedMs: 0, noLock: e.message ?? `no lock for ${e.vendor}` };
        return { level: e.warning ? "warn" : "info", state: "db-lock", message: e.message ?? `no database lock for ${e.vendor}` };
      default:
        return { level: "error", message: `database lock: ${e.message ?? "failed"}` };
    }
  }

  result(): DbLockReport | undefined {
    return this.report && { ...this.report };
  }
}
