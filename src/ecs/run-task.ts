// ecs mode: the elected leader runs the release command as one ECS task — resolve the task
// definition (with EB_MIGRATE_ECS_IMAGE: the revision running this deployment's image,
// deployment-image.ts), RunTask (the properties as overrides only), record the ARN, wait while
// following the task's logs, and report the chosen container's exit code.
import type { ContainerDefinition, Task } from "@aws-sdk/client-ecs";
import type { AwsClients } from "../aws/clients.js";
import { ConfigError, ReleaseFailedError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { ReleaseCommand, Settings } from "../config/settings.js";
import type { Deployment, Identity } from "../instance/types.js";
import { OUTPUT_TAIL_LINES, type ExecutionHooks, type ExecutionResult } from "../release/execution.js";
import { Tail } from "../release/output-tail.js";
import { createRedactor } from "../release/redact.js";
import type { Clock } from "../runtime/clock.js";
import { ecsCallError } from "./aws-errors.js";
import { lockShare, planTaskDbLock } from "./db-lock.js";
import { deploymentRevision } from "./deployment-image.js";
import { DEFAULT_AGENT_URL, discoverEcsTarget } from "./discovery.js";
import { readEnvironmentProperties } from "./environment.js";
import { LogFollower } from "./log-follower.js";
import { buildOverrides } from "./overrides.js";
import { checkEcsSettings } from "./settings-check.js";
import { startTask } from "./start-task.js";
import { describeStop } from "./stop-detail.js";
import { logLocation, resolveTaskDefinition } from "./task-definition.js";
import { describeTask, waitForTask } from "./wait-task.js";

export interface EcsReleaseInput {
  settings: Settings;
  clients: AwsClients;
  identity: Identity;
  deployment: Deployment;
  /** The container's command override (containerCommand); run under the database lock as EB_MIGRATE_DB_LOCK decides (db-lock.ts). */
  command: string[];
  /** From the release record: a previous leader's task to wait on instead of starting one. */
  existingTaskArn?: string;
  clock: Clock;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT (reason = the signal's name): the task is stopped. */
  signal: AbortSignal;
  /** The lease's fence: once aborted this leader stops following the task and never stops it. */
  lost?: AbortSignal;
  /** clock.now() after which the task is stopped and the result says timedOut. */
  deadline: number;
  hooks: ExecutionHooks;
  /** EB_MIGRATE_ROOT, for discovering the cluster on EB's ECS platform (default "/"). */
  root?: string;
  /** The ECS agent's introspection API (default http://127.0.0.1:51678). */
  agentUrl?: string;
}

/**
 * The release command as the task's container runs it: its argv, or in shell mode
 * `sh -c <line>` (the image's sh, wherever its PATH has it).
 */
export function containerCommand(command: ReleaseCommand): string[] {
  return command.shell ? ["sh", "-c", command.text] : command.argv;
}

/**
 * The release as one ECS task. When `lost` fires (the lease's fence) this returns at once with
 * "lease lost" while the wait behind it ends without StopTask: the task is the new leader's.
 */
export async function runEcsRelease(input: EcsReleaseInput): Promise<ExecutionResult> {
  const lost = input.lost;
  if (!lost) return await runTaskAndWait(input);
  const lostResult = new Promise<ExecutionResult>((resolve) => {
    const resolveLost = () => resolve({ exitCode: null, outputTail: [], durationMs: 0, timedOut: false, detail: "lease lost" });
    if (lost.aborted) resolveLost();
    else lost.addEventListener("abort", resolveLost, { once: true });
  });
  return await Promise.race([runTaskAndWait(input), lostResult]);
}

async function runTaskAndWait(input: EcsReleaseInput): Promise<ExecutionResult> {
  const { settings, clients, clock, log } = input;
  const started = clock.now();
  checkEcsSettings(settings);
  // Planned in the takeover case too: the previous leader's task prints the same marker lines.
  const dbLock = await planTaskDbLock(settings, input.command, input.identity, input.deployment);
  const hooks = dbLock ? dbLock.hooks(input.hooks, log.child({ role: "leader" })) : input.hooks;

  const properties = await readEnvironmentProperties(clients.elasticBeanstalk, input.identity);
  const redact = createRedactor(properties);
  let taskArn: string;
  let cluster: string;
  let container: ContainerDefinition & { name: string };
  if (input.existingTaskArn) {
    // Take over: the previous leader's task is the release; never start a second one.
    cluster = clusterOfTask(input.existingTaskArn);
    taskArn = input.existingTaskArn;
    const described = await taskDefinitionOfTask(input, cluster);
    container = (await resolveTaskDefinition(clients.ecs, described, settings.ecs.container)).container;
    log.info("waiting for the ECS task started by the previous leader", { taskArn: input.existingTaskArn });
  } else {
    const target = await discoverEcsTarget({
      cluster: settings.ecs.cluster,
      taskDefinition: settings.ecs.taskDefinition,
      root: input.root ?? "/",
      agentUrl: input.agentUrl ?? DEFAULT_AGENT_URL,
      log,
    });
    cluster = target.cluster;
    const resolved = await deploymentRevision({ ecs: clients.ecs, settings, identity: input.identity, deployment: input.deployment, taskDefinition: target.taskDefinition, log });
    container = resolved.container;
    const definitionArn = resolved.definition.taskDefinitionArn ?? target.taskDefinition;
    if (resolved.definition.networkMode === "awsvpc" && settings.ecs.subnets.length === 0) {
      throw new ConfigError(`${definitionArn} uses awsvpc networking: set EB_MIGRATE_ECS_SUBNETS (and EB_MIGRATE_ECS_SECURITY_GROUPS)`);
    }
    const overrides = dbLock ? buildOverrides(container.name, dbLock.argv, properties, lockShare(input.command, dbLock.argv)) : buildOverrides(container.name, input.command, properties);
    log.info("starting the release as an ECS task", {
      cluster,
      taskDefinition: definitionArn,
      container: container.name,
      environmentProperties: Object.keys(properties).length,
    });
    const begun = await startTask({ ecs: clients.ecs, settings, identity: input.identity, deployment: input.deployment, cluster, taskDefinitionArn: definitionArn, overrides, clock, log, signal: input.signal, deadline: input.deadline });
    if (!begun) {
      return { exitCode: null, outputTail: [], durationMs: Math.round(clock.now() - started), timedOut: false, interrupted: String(input.signal.reason ?? "aborted"), detail: "interrupted before the ECS task could be placed" };
    }
    taskArn = begun.taskArn!;
    // Recorded before waiting, so a leader that takes over waits for this task. (A leader that
    // dies before this line: its successor finds the task by ListTasks, or gets it back from
    // RunTask's clientToken — start-task.ts.)
    await hooks.onTaskStarted?.(taskArn);
    log.info("ECS task started", { taskArn });
  }

  const tail = new Tail(OUTPUT_TAIL_LINES);
  const onMessage = (message: string) => {
    const line = redact(message);
    tail.push(line);
    hooks.onLine(line);
  };
  const location = logLocation(container, taskArn);
  if (!location) log.warn("the container does not use the awslogs driver with a stream prefix: its output cannot be shown", { container: container.name });
  const follower = location ? new LogFollower(clients.logs, location, onMessage, log, clock) : undefined;

  const waiting = waitForTask({ ecs: clients.ecs, cluster, taskArn, clock, log, signal: input.signal, deadline: input.deadline, ...(input.lost ? { lost: input.lost } : {}) });
  const following = follower?.follow(waiting.then((o) => o.task.startedAt !== undefined));
  let outcome;
  try {
    outcome = await waiting;
  } finally {
    await following;
  }

  const chosen = outcome.task.containers?.find((c) => c.name === container.name);
  const exitCode = chosen?.exitCode ?? null;
  const detail = [describeStop(outcome.task, container.name, exitCode), follower?.errorSummary() && `log errors: ${follower.errorSummary()}`].filter(Boolean).join("; ");
  const result: ExecutionResult = {
    exitCode,
    outputTail: tail.get(),
    durationMs: Math.round(clock.now() - started),
    timedOut: outcome.timedOut,
    ...(outcome.interrupted ? { interrupted: outcome.interrupted } : {}),
    ...(detail ? { detail } : {}),
    taskArn,
  };
  return dbLock ? dbLock.annotate(result) : result;
}

/** "arn:aws:ecs:region:account:task/cluster/id" → "cluster" (old-style ARNs have no cluster: "default"). */
function clusterOfTask(taskArn: string): string {
  const parts = taskArn.split(":task/")[1]?.split("/") ?? [];
  return parts.length >= 2 ? parts[0]! : "default";
}

/** The task definition the previous leader's task runs (to find its container and log stream). */
async function taskDefinitionOfTask(input: EcsReleaseInput, cluster: string): Promise<string> {
  const taskArn = input.existingTaskArn!;
  let task: Task;
  try {
    task = await describeTask({ ecs: input.clients.ecs, cluster, taskArn });
  } catch (error) {
    if (error instanceof ReleaseFailedError) {
      throw new ReleaseFailedError(`${error.message}; it was recorded by the previous leader, so its outcome is unknown and the release is not run a second time for this deployment`);
    }
    throw ecsCallError(`DescribeTasks for ${taskArn}`, error, "the instance role needs ecs:DescribeTasks");
  }
  if (!task.taskDefinitionArn) throw new ReleaseFailedError(`ECS describes task ${taskArn} without its task definition`);
  return task.taskDefinitionArn;
}
