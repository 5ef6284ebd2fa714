// What one instance's run came to (`run --stats-file` and the bench read it): apart from the
// runner, so the early skip's modules name it without the runner and the runner without them.
export type Role = "leader" | "follower" | "skipped" | "fallback-leader" | "fallback-follower";

export interface RunOutcome {
  role: Role;
  /** The instance whose command run this outcome is about. */
  leader?: string;
  takeover?: "holder-gone" | "lease-expired";
  attempt?: number;
}
