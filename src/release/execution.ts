// What running the release command produced, whichever way it ran (local child or ECS task):
// one result shape for success and failure, like execa's.
import type { FenceView } from "../election/fence.js";
import type { DbLockReport } from "./db-lock/watch.js";
import type { ReleaseRecord } from "./record-item.js";

export interface ExecutionResult {
  /** Exit code of the command (local) or of the chosen container (ecs); null when none. */
  exitCode: number | null;
  /** Signal that ended the local child, if any. */
  signal?: string;
  /** The last lines of output (already redacted), oldest first. */
  outputTail: string[];
  durationMs: number;
  timedOut: boolean;
  /** Stopped because we received SIGTERM/SIGINT (forwarded to the child / StopTask). */
  interrupted?: string;
  /** Why there is no exit code, or other facts for the failure message (stopCode, reason...). */
  detail?: string;
  /** ecs: the task that ran. */
  taskArn?: string;
  /** The database lock the command ran under (release/db-lock/), when it ran under one. */
  dbLock?: DbLockReport;
}

export interface ExecutionHooks {
  /** Each output line as it arrives (already redacted). */
  onLine(line: string): void;
  /** ecs: called once RunTask returned a task, before waiting; the runner records the ARN. */
  onTaskStarted?(taskArn: string): Promise<void>;
}

export const OUTPUT_TAIL_LINES = 50;

/** How the leader runs the command once it holds the lease (a mode's prepare() makes it: modes/). */
export interface Execute {
  (input: { record: ReleaseRecord | undefined; existingTaskArn?: string; fence: FenceView; deadline: number; hooks: ExecutionHooks }): Promise<ExecutionResult>;
}
