// What the leader knows once its outcome is recorded: handed to RunnerDeps.onLeaderOutcome
// (the notification), exactly once per command the leader ran, whatever the election.

export interface LeaderOutcome {
  election: "lease" | "fallback";
  leader: string;
  succeeded: boolean;
  /** One line, reason first (failureReason); absent on success. */
  reason?: string;
  exitCode: number | null;
  durationMs: number;
  /** Already redacted, oldest first. */
  outputTail: string[];
  /** Lease election: the release record's attempt and fencing token (the notification is recorded under it). */
  attempt?: number;
  fencingToken?: number;
  takeover?: "holder-gone" | "lease-expired";
}
