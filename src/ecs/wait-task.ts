// Waits for the task to stop (DescribeTasks with backoff capped at 10 s), bounded by the
// deadline; on timeout or SIGTERM it stops the task (StopTask) and waits briefly for STOPPED —
// unless the lease was lost first: then the task is the new leader's to wait on, and we only
// stop following it.
import { DescribeTasksCommand, StopTaskCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import { describeError, ReleaseFailedError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Clock } from "../runtime/clock.js";
import { ecsCallError } from "./aws-errors.js";
import { backoffDelay } from "../runtime/backoff.js";

export const POLL_BASE_MS = 250;
/** After StopTask: how long we wait for STOPPED (exit code, last log lines) before returning. */
export const STOP_GRACE_MS = 15_000;
const MAX_CONSECUTIVE_DESCRIBE_ERRORS = 5;

export interface WaitInput {
  ecs: ECSClient;
  cluster: string;
  taskArn: string;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  deadline: number;
  /** Aborted when this leader lost the lease: stop following, never StopTask (checked before every stop). */
  lost?: AbortSignal;
}

export interface WaitOutcome {
  task: Task;
  timedOut: boolean;
  /** The signal's name when we stopped the task because we were interrupted. */
  interrupted?: string;
  /** The lease was lost: we stopped following; the task runs on for the new leader. */
  abandoned?: boolean;
}

export async function waitForTask(input: WaitInput): Promise<WaitOutcome> {
  const { clock, log } = input;
  let status: string | undefined;
  let errors = 0;
  // A poll's sleep ends at SIGTERM and at a lost lease alike (one combined signal for the whole wait).
  const sleepSignal = input.lost ? AbortSignal.any([input.signal, input.lost]) : input.signal;
  for (let poll = 0; ; poll++) {
    let task: Task | undefined;
    try {
      task = await describeTask(input);
      errors = 0;
    } catch (error) {
      if (error instanceof ReleaseFailedError) throw error;
      if (++errors >= MAX_CONSECUTIVE_DESCRIBE_ERRORS) {
        throw ecsCallError(`DescribeTasks for ${input.taskArn} (it may still be running)`, error, "the instance role needs ecs:DescribeTasks");
      }
      log.warn("could not describe the ECS task (will retry)", { taskArn: input.taskArn, error: describeError(error) });
    }
    if (task?.lastStatus && task.lastStatus !== status) {
      status = task.lastStatus;
      log.info(`ECS task ${status}`, { taskArn: input.taskArn });
    }
    if (task?.lastStatus === "STOPPED") return { task, timedOut: false };
    // Lost the lease: the task is the new leader's now — only the current leader may stop it.
    if (input.lost?.aborted) return { task: task ?? { taskArn: input.taskArn }, timedOut: false, abandoned: true };
    if (input.signal.aborted) return stopAndWait(input, String(input.signal.reason ?? "aborted"));
    const remaining = input.deadline - clock.now();
    if (remaining <= 0) return stopAndWait(input, undefined);
    try {
      await clock.sleep(Math.min(backoffDelay(poll, POLL_BASE_MS), remaining), sleepSignal);
    } catch {
      // aborted: handled at the top of the next round, after one more look at the task
    }
  }
}

async function stopAndWait(input: WaitInput, interrupted: string | undefined): Promise<WaitOutcome> {
  const reason = interrupted ? `eb-migrate: interrupted by ${interrupted}` : "eb-migrate: wait timeout";
  input.log.warn(`stopping the ECS task (${interrupted ? `received ${interrupted}` : "the wait timed out"})`, { taskArn: input.taskArn });
  try {
    await input.ecs.send(new StopTaskCommand({ cluster: input.cluster, task: input.taskArn, reason }));
  } catch (error) {
    input.log.error("StopTask failed: the task may still be running", { taskArn: input.taskArn, error: describeError(error) });
  }
  // Not bound to the signal: we were already told to stop, this is the cleanup.
  const until = input.clock.now() + STOP_GRACE_MS;
  let last: Task | undefined;
  for (let poll = 0; input.clock.now() < until; poll++) {
    last = await describeTask(input).catch(() => last);
    if (last?.lastStatus === "STOPPED") break;
    await input.clock.sleep(Math.min(backoffDelay(poll, POLL_BASE_MS, 2_000), Math.max(0, until - input.clock.now())));
  }
  return { task: last ?? { taskArn: input.taskArn }, timedOut: interrupted === undefined, ...(interrupted ? { interrupted } : {}) };
}

/** The task as ECS describes it; ReleaseFailedError when ECS does not know it (any more). */
export async function describeTask(input: Pick<WaitInput, "ecs" | "cluster" | "taskArn">): Promise<Task> {
  const answer = await input.ecs.send(new DescribeTasksCommand({ cluster: input.cluster, tasks: [input.taskArn] }));
  const task = answer.tasks?.[0];
  if (task) return task;
  const failure = answer.failures?.[0];
  throw new ReleaseFailedError(`ECS does not know task ${input.taskArn}: ${failure?.reason ?? "no task returned"}${failure?.detail ? ` (${failure.detail})` : ""}`);
}
