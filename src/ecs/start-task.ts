// RunTask once for the deployment: idempotent per attempt (clientToken from the deployment
// key), `failures` that mean "no capacity right now" (AGENT, RESOURCE:*) retried with backoff.
import { createHash } from "node:crypto";
import { DescribeTasksCommand, RunTaskCommand, type ECSClient, type Failure, type RunTaskCommandInput, type Task } from "@aws-sdk/client-ecs";
import { ReleaseFailedError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Settings } from "../config/settings.js";
import type { Deployment, Identity } from "../instance/types.js";
import type { Clock } from "../runtime/clock.js";
import { errorCode } from "../aws/errors.js";
import { ecsCallError } from "./aws-errors.js";
import { backoffDelay } from "../runtime/backoff.js";

export const RUN_TASK_MAX_ATTEMPTS = 6;
export const RUN_TASK_RETRY_BASE_MS = 1_000;

export interface StartTaskInput {
  ecs: ECSClient;
  settings: Settings;
  identity: Identity;
  deployment: Deployment;
  cluster: string;
  taskDefinitionArn: string;
  overrides: NonNullable<RunTaskCommandInput["overrides"]>;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  deadline: number;
}

/** Placement failures that go away when capacity frees up (ECS "API failure reasons"). */
export function isRetryableFailure(failure: Failure): boolean {
  const reason = failure.reason ?? "";
  return reason === "AGENT" || reason.startsWith("RESOURCE:");
}

/**
 * One token per environment, deployment and attempt: a leader that retries after a crash sends
 * the same tokens and gets the same task back instead of a second one; a new attempt after a
 * placement failure gets a new token (ECS answers a reused token with its first answer).
 */
export function clientToken(identity: Identity, deployment: Deployment, attempt: number): string {
  return createHash("sha256").update(`${identity.environmentId}\n${deployment.key}\n${attempt}`).digest("hex").slice(0, 64);
}

/**
 * `startedBy` (≤ 128 of A-Z a-z 0-9 - _ /): the tool, the environment and the deployment, for
 * `list-tasks --started-by` and the console — never the instance. Every leader of a deployment
 * must send the same RunTask parameters: ECS answers a reused clientToken whose other
 * parameters changed with ConflictException, not with the task (ECS_Idempotency).
 */
export function startedBy(identity: Identity, deployment: Deployment): string {
  return `eb-migrate/${identity.environmentId}/${deployment.key}`.replace(/[^A-Za-z0-9_/-]/g, "-").slice(0, 128);
}

/** The tasks a ConflictException names (`resourceIds`: the tasks already started with this token). */
function conflictTasks(error: unknown): string[] | undefined {
  if (errorCode(error) !== "ConflictException") return undefined;
  const ids = (error as { resourceIds?: unknown }).resourceIds;
  return Array.isArray(ids) && ids.every((id) => typeof id === "string") && ids.length > 0 ? (ids as string[]) : undefined;
}

/** The started task, or undefined when the signal aborted the wait between attempts. */
export async function startTask(input: StartTaskInput): Promise<Task | undefined> {
  const { settings, cluster } = input;
  const ecs = settings.ecs;
  const base: RunTaskCommandInput = {
    cluster,
    taskDefinition: input.taskDefinitionArn,
    count: 1,
    overrides: input.overrides,
    startedBy: startedBy(input.identity, input.deployment),
    ...(ecs.launchType ? { launchType: ecs.launchType } : {}),
    ...(ecs.capacityProviderStrategy.length > 0 ? { capacityProviderStrategy: ecs.capacityProviderStrategy } : {}),
    ...(ecs.platformVersion ? { platformVersion: ecs.platformVersion } : {}),
    ...(ecs.subnets.length > 0
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: ecs.subnets,
              ...(ecs.securityGroups.length > 0 ? { securityGroups: ecs.securityGroups } : {}),
              ...(ecs.assignPublicIp ? { assignPublicIp: ecs.assignPublicIp } : {}),
            },
          },
        }
      : {}),
  };
  for (let attempt = 0; ; attempt++) {
    let answer;
    try {
      answer = await input.ecs.send(new RunTaskCommand({ ...base, clientToken: clientToken(input.identity, input.deployment, attempt) }));
    } catch (error) {
      // Same token, other parameters (changed settings, or a leader of an older eb-migrate): this
      // attempt's task exists already — follow it, never start a second one.
      const existing = conflictTasks(error);
      if (existing) {
        const found = await input.ecs.send(new DescribeTasksCommand({ cluster, tasks: existing })).catch((e: unknown) => {
          throw ecsCallError(`DescribeTasks of ${existing.join(", ")} in cluster ${cluster}`, e);
        });
        const task = found.tasks?.find((t) => t.taskArn);
        if (task) {
          input.log.warn(`RunTask: this attempt's task was already started (its clientToken is in use): following ${task.taskArn}`, { taskArn: task.taskArn });
          return task;
        }
      }
      throw ecsCallError(`RunTask of ${input.taskDefinitionArn} in cluster ${cluster}`, error, "check the EB_MIGRATE_ECS_* settings and the instance role (ecs:RunTask, iam:PassRole for the task's roles)");
    }
    const task = answer.tasks?.[0];
    if (task?.taskArn) return task;
    const failure = answer.failures?.[0];
    const described = failure ? describeFailure(failure) : "RunTask returned no task and no failure";
    const waitMs = backoffDelay(attempt, RUN_TASK_RETRY_BASE_MS);
    const retryable = failure !== undefined && isRetryableFailure(failure);
    if (!retryable || attempt + 1 >= RUN_TASK_MAX_ATTEMPTS || input.clock.now() + waitMs > input.deadline) {
      const tries = retryable ? ` after ${attempt + 1} attempts` : "";
      throw new ReleaseFailedError(`RunTask could not start the release task in cluster ${cluster}${tries}: ${described}`);
    }
    input.log.warn("RunTask could not place the task yet; retrying", { reason: failure.reason, detail: failure.detail, attempt: attempt + 1, retryInMs: waitMs });
    try {
      await input.clock.sleep(waitMs, input.signal);
    } catch {
      return undefined;
    }
  }
}

export function describeFailure(failure: Failure): string {
  return [failure.reason ?? "unknown reason", failure.detail, failure.arn].filter(Boolean).join(" — ");
}
