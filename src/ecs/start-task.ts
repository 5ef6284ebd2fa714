// RunTask once for the deployment: first a look for the task an earlier leader started and did
// not record (ListTasks by startedBy, told apart by the release tag), then RunTask idempotent
// per attempt (clientToken from the deployment key), `failures` that mean "no capacity right
// now" (AGENT, RESOURCE:*) retried with backoff; the task is then tagged with its leader.
import { createHash } from "node:crypto";
import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, TagResourceCommand, type ECSClient, type Failure, type RunTaskCommandInput, type Task } from "@aws-sdk/client-ecs";
import { ReleaseFailedError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Settings } from "../config/settings.js";
import type { Deployment, Identity } from "../instance/types.js";
import type { Clock } from "../runtime/clock.js";
import { describeError } from "../cli/errors.js";
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

/** RunTask's tag naming the release (same for every leader of it): tells its task from any other with the same startedBy. */
export const RELEASE_TAG = "eb-migrate:release";
/** Set with TagResource after RunTask: the instance that leads the task (never in RunTask itself). */
export const LEADER_TAG = "eb-migrate:leader";

/**
 * The release tag's value: a digest of the environment and the deployment key (ECS tag values
 * allow only letters, numbers, spaces and + - = . _ : / @, and a deployment key may hold `#` or
 * anything a version label holds; startedBy is cut to 128 characters, the digest is exact).
 * A re-run on demand has its own deployment key (release.ts), so its own tag.
 */
export function releaseTagValue(identity: Identity, deployment: Deployment): string {
  return createHash("sha256").update(`${identity.environmentId}\n${deployment.key}`).digest("hex");
}

/** The tasks a ConflictException names (`resourceIds`: the tasks already started with this token). */
function conflictTasks(error: unknown): string[] | undefined {
  if (errorCode(error) !== "ConflictException") return undefined;
  const ids = (error as { resourceIds?: unknown }).resourceIds;
  return Array.isArray(ids) && ids.every((id) => typeof id === "string") && ids.length > 0 ? (ids as string[]) : undefined;
}

/**
 * The release's task: one an earlier leader started (found by ListTasks) or the one RunTask
 * starts; undefined when the signal aborted the wait between attempts. Tagged with this leader.
 */
export async function startTask(input: StartTaskInput): Promise<Task | undefined> {
  const task = (await findReleaseTask(input)) ?? (await runTask(input));
  if (task?.taskArn) await tagLeader(input, task.taskArn);
  return task;
}

/**
 * A task of this release an earlier leader started but did not record (it died between RunTask
 * and the release record): RunTask's clientToken covers that for 24 hours and only while the
 * parameters are unchanged; this covers the rest. Tasks that still run (desiredStatus RUNNING)
 * first; then one that stopped — the release ran already, and its exit code is its outcome
 * (ListTasks shows stopped tasks only for about an hour, after which RunTask starts it again).
 * A failed look is a warning: RunTask's clientToken still protects the common case.
 */
export async function findReleaseTask(input: Pick<StartTaskInput, "ecs" | "cluster" | "identity" | "deployment" | "log">): Promise<Task | undefined> {
  const { ecs, cluster } = input;
  const by = startedBy(input.identity, input.deployment);
  const release = releaseTagValue(input.identity, input.deployment);
  let candidates: Task[];
  try {
    const arns: string[] = [];
    // ListTasks answers only ARNs, RUNNING unless desiredStatus says otherwise, pages of 100.
    for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
      let nextToken: string | undefined;
      do {
        const page = await ecs.send(new ListTasksCommand({ cluster, startedBy: by, desiredStatus, ...(nextToken ? { nextToken } : {}) }));
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    }
    candidates = [];
    for (let i = 0; i < arns.length; i += 100) {
      const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100), include: ["TAGS"] }));
      candidates.push(...(described.tasks ?? []));
    }
  } catch (error) {
    input.log.warn(`could not look for a task of this release started by an earlier leader (ecs:ListTasks, ecs:DescribeTasks in cluster ${cluster}): ${describeError(error)}; starting it with RunTask, whose clientToken returns an earlier leader's task for 24 hours`);
    return undefined;
  }
  const ours = candidates.filter((t) => t.taskArn && t.startedBy === by && t.tags?.some((tag) => tag.key === RELEASE_TAG && tag.value === release));
  const newestFirst = (a: Task, b: Task) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0);
  const found = ours.filter((t) => t.desiredStatus !== "STOPPED").sort(newestFirst)[0] ?? ours.filter((t) => t.desiredStatus === "STOPPED").sort(newestFirst)[0];
  if (found) {
    const leader = found.tags?.find((tag) => tag.key === LEADER_TAG)?.value;
    input.log.warn(`an earlier leader${leader ? ` (${leader})` : ""} started this release's ECS task without recording it: following ${found.taskArn} (${found.lastStatus ?? "unknown status"}) instead of starting another`, { taskArn: found.taskArn });
  }
  return found;
}

/** `eb-migrate:leader` = this instance, for the console and `list-tasks`; a failure is only a warning. */
async function tagLeader(input: StartTaskInput, taskArn: string): Promise<void> {
  try {
    await input.ecs.send(new TagResourceCommand({ resourceArn: taskArn, tags: [{ key: LEADER_TAG, value: input.identity.instanceId }] }));
  } catch (error) {
    input.log.warn(`could not tag the ECS task with its leader (ecs:TagResource): ${describeError(error)}`, { taskArn });
  }
}

async function runTask(input: StartTaskInput): Promise<Task | undefined> {
  const { settings, cluster } = input;
  const ecs = settings.ecs;
  const base: RunTaskCommandInput = {
    cluster,
    taskDefinition: input.taskDefinitionArn,
    count: 1,
    overrides: input.overrides,
    startedBy: startedBy(input.identity, input.deployment),
    // Derived from the deployment only, like every other parameter: each leader sends the same.
    tags: [{ key: RELEASE_TAG, value: releaseTagValue(input.identity, input.deployment) }],
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
