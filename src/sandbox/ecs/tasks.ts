// The sandbox ECS's one-off tasks: RunTask, DescribeTasks, StopTask and ListTasks with the real
// lifecycle (PROVISIONING → PENDING → RUNNING → DEACTIVATING → STOPPED), and tags on tasks
// (RunTask's tags, TagResource, UntagResource, ListTagsForResource); a task's main container
// runs as a local process in its own group, with real exit codes and its output in the awslogs stream.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants as osConstants } from "node:os";
import { LineSplitter } from "../../release/output-tail.js";
import { signalChildGroup } from "../../release/process-group.js";
import type { LogStore } from "../logs.js";
import { paginate } from "../pagination.js";
import { checkTags, MAX_TAGS } from "./tags.js";
import { AwsError } from "../wire-errors.js";
import type { EcsFaults, TaskFault } from "./faults.js";
import { epochSeconds as seconds, type ContainerDefinition, type EcsRegistry, type Json, type TaskDefinition } from "./registry.js";

export interface SandboxTask {
  taskArn: string;
  lastStatus: string;
  startedBy?: string;
  command: string[];
  environment: Record<string, string>;
  exitCode?: number;
  tags: Record<string, string>;
}

export interface EcsTasksOptions {
  /** "arn:aws:ecs:<region>:<account>". */
  arnBase: string;
  registry: EcsRegistry;
  faults: EcsFaults;
  logs: LogStore;
  /** Milliseconds each of PROVISIONING and PENDING lasts. */
  stateDelayMs: number;
  /** Environment every task process starts from (PATH etc.), before definition and overrides. */
  baseEnv?: NodeJS.ProcessEnv;
}

export interface EcsTasks {
  operations: Record<string, (input: Json) => Json | Promise<Json>>;
  /** Every task RunTask started, oldest first. */
  list(): SandboxTask[];
  /** Resolves when the task is STOPPED. */
  waitForStopped(taskArn: string): Promise<void>;
  /** Forgets every RunTask clientToken (what 24 hours do on ECS). */
  expireClientTokens(): void;
  /** Kills every task still running and waits (briefly) for them to stop. */
  close(): Promise<void>;
}

interface ContainerState {
  def: ContainerDefinition;
  command: string[];
  environment: Record<string, string>;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
}

interface Task {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  definition: TaskDefinition;
  lastStatus: string;
  desiredStatus: string;
  startedBy?: string;
  group: string;
  launchType?: string;
  overrides: Json;
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  containers: ContainerState[];
  /** Insertion order is the order ListTagsForResource answers. */
  tags: Map<string, string>;
  process?: ChildProcess;
  fault?: TaskFault;
  stopped: Promise<void>;
  markStopped: () => void;
}

/** How long ECS remembers a RunTask client token. */
export const CLIENT_TOKEN_TTL_MS = 24 * 3600 * 1000;

/**
 * How long a STOPPED task still appears in ListTasks: "Recently stopped tasks might appear in the
 * returned results" (API_ListTasks); ECS keeps stopped tasks visible for about an hour
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html).
 */
export const STOPPED_TASK_LISTED_MS = 3600 * 1000;

/** The desiredStatus values ListTasks accepts (PENDING is accepted and never matches: ECS never sets it). */
const DESIRED_STATUSES = new Set(["RUNNING", "PENDING", "STOPPED"]);

/** A request's checked tags as key/value pairs (a tag without a value has the value ""). */
function checkedTags(raw: unknown): [string, string][] {
  return checkTags(raw).map((t) => [t.key, t.value ?? ""]);
}

function setTags(target: Map<string, string>, tags: [string, string][]): void {
  const merged = new Map(target);
  for (const [k, v] of tags) merged.set(k, v);
  if (merged.size > MAX_TAGS) throw new AwsError("InvalidParameterException", `A resource can have at most ${MAX_TAGS} tags.`);
  for (const [k, v] of tags) target.set(k, v);
}

const tagList = (tags: Map<string, string>): Json[] => [...tags].map(([key, value]) => ({ key, value }));

/** JSON with object keys sorted: two requests with the same parameters in another order compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function createEcsTasks(options: EcsTasksOptions): EcsTasks {
  const { arnBase, registry, faults, logs } = options;
  const delay = options.stateDelayMs;
  const tasks = new Map<string, Task>();
  // RunTask client tokens per cluster ("Ensuring idempotency", ECS API reference): the same
  // token with the same parameters answers the original result; with any other parameter
  // changed, ConflictException whose resourceIds are the tasks of the first request; a token
  // lives 24 hours. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html
  const byToken = new Map<string, { parameters: string; response: Json; at: number }>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const describeTask = (t: Task, withTags = false): Json => ({
    taskArn: t.taskArn,
    clusterArn: t.clusterArn,
    taskDefinitionArn: t.definition.taskDefinitionArn,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    group: t.group,
    launchType: t.launchType,
    startedBy: t.startedBy,
    overrides: t.overrides,
    createdAt: t.createdAt,
    startedAt: t.startedAt,
    stoppingAt: t.stoppingAt,
    stoppedAt: t.stoppedAt,
    stopCode: t.stopCode,
    stoppedReason: t.stoppedReason,
    containers: t.containers.map((c) => ({
      containerArn: `${arnBase}:container/${t.taskId}/${c.def.name}`,
      taskArn: t.taskArn,
      name: c.def.name,
      image: c.def.image,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
    })),
    // DescribeTasks returns tags only when asked: include ["TAGS"] (API_DescribeTasks).
    ...(withTags ? { tags: tagList(t.tags) } : {}),
  });

  const taskOf = (ref: string) => tasks.get(ref) ?? [...tasks.values()].find((x) => x.taskId === ref);

  /** A TagResource / UntagResource / ListTagsForResource target: only task ARNs in the sandbox. */
  const taggedTask = (raw: unknown): Task => {
    const arn = typeof raw === "string" ? raw : "";
    if (!arn.startsWith("arn:")) throw new AwsError("InvalidParameterException", "resourceArn must be an ARN.");
    if (!arn.includes(":task/")) throw new AwsError("InvalidParameterException", "The sandbox keeps tags on task ARNs only.");
    const t = tasks.get(arn);
    if (!t) throw new AwsError("ResourceNotFoundException", "The specified resource wasn't found.");
    return t;
  };

  const stop = (t: Task, fields: { stopCode: string; stoppedReason: string }) => {
    if (t.lastStatus === "STOPPED") return;
    t.desiredStatus = "STOPPED";
    t.stopCode ??= fields.stopCode;
    t.stoppedReason ??= fields.stoppedReason;
    t.stoppingAt ??= seconds();
    if (t.process && t.process.exitCode === null && t.process.signalCode === null) {
      t.lastStatus = "DEACTIVATING";
      signalChildGroup(t.process, "SIGTERM");
      return; // STOPPED once the process exits
    }
    finish(t);
  };

  const finish = (t: Task) => {
    t.lastStatus = "STOPPED";
    t.stoppedAt = seconds();
    for (const c of t.containers) c.lastStatus = "STOPPED";
    t.markStopped();
  };

  const advance = (t: Task) => {
    if (t.desiredStatus === "STOPPED") return;
    if (t.lastStatus === "PROVISIONING") {
      t.lastStatus = "PENDING";
      for (const c of t.containers) c.lastStatus = "PENDING";
      if (t.fault?.kind !== "stuck-pending") later(delay, () => advance(t));
      return;
    }
    if (t.fault?.kind === "no-exit-code") {
      const f = t.fault.fault;
      t.stopCode = f.stopCode ?? "TaskFailedToStart";
      t.stoppedReason = f.stoppedReason ?? "CannotPullContainerError: pull image manifest has been retried 5 time(s)";
      for (const c of t.containers) c.reason = f.containerReason ?? "CannotPullContainerError: image not found";
      t.desiredStatus = "STOPPED";
      t.stoppingAt = seconds();
      finish(t);
      return;
    }
    start(t);
  };

  const start = (t: Task) => {
    const c = mainContainer(t);
    const argv = [...(c.def.entryPoint ?? []), ...c.command];
    const awslogs = c.def.logConfiguration?.logDriver === "awslogs" ? c.def.logConfiguration.options ?? {} : undefined;
    const group = awslogs?.["awslogs-group"];
    const prefix = awslogs?.["awslogs-stream-prefix"];
    const streamName = prefix ? `${prefix}/${c.def.name}/${t.taskId}` : t.taskId;
    const write = group ? (line: string) => logs.append(group, streamName, line) : () => {};
    if (group) logs.createStream(group, streamName);
    t.lastStatus = "RUNNING";
    t.startedAt = seconds();
    for (const x of t.containers) x.lastStatus = "RUNNING";
    if (argv.length === 0) {
      c.reason = "CannotStartContainerError: no command";
      t.stopCode = "TaskFailedToStart";
      t.stoppedReason = "Essential container in task exited";
      finish(t);
      return;
    }
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: c.def.workingDirectory || undefined,
      env: { ...(options.baseEnv ?? { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME }), ...c.environment },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    t.process = child;
    const splitters = [child.stdout, child.stderr].map((stream) => {
      const lines = new LineSplitter(write);
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => lines.push(chunk));
      return lines;
    });
    child.on("error", (error) => {
      c.reason = `CannotStartContainerError: ${error.message}`;
      t.stopCode = "TaskFailedToStart";
      t.stoppedReason = "Essential container in task exited";
      t.desiredStatus = "STOPPED";
      finish(t);
    });
    // "close" comes after the process exited and its output ended: no line is lost.
    child.on("close", (code, signal) => {
      if (t.lastStatus === "STOPPED") return;
      for (const lines of splitters) lines.end();
      // Docker reports a container killed by a signal as 128 + the signal number.
      c.exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
      t.stopCode ??= "EssentialContainerExited";
      t.stoppedReason ??= "Essential container in task exited";
      t.desiredStatus = "STOPPED";
      t.stoppingAt ??= seconds();
      finish(t);
    });
  };

  const runTask = async (input: Json): Promise<Json> => {
    const token = typeof input.clientToken === "string" ? input.clientToken : undefined;
    const cluster = registry.clusterOf(input.cluster);
    const tokenKey = `${cluster.clusterArn}\n${token}`;
    const parameters = canonicalJson(Object.fromEntries(Object.entries(input).filter(([k]) => k !== "clientToken")));
    const earlier = token === undefined ? undefined : byToken.get(tokenKey);
    if (earlier && Date.now() - earlier.at < CLIENT_TOKEN_TTL_MS) {
      if (earlier.parameters === parameters) return earlier.response;
      const resourceIds = ((earlier.response.tasks ?? []) as Json[]).map((t) => String(t.taskArn));
      throw new AwsError("ConflictException", "The RunTask request could not be processed due to conflicts. The provided clientToken is already in use with a different RunTask request.", 400, { resourceIds });
    }
    const definition = registry.definitionOf(input.taskDefinition);
    if (typeof input.startedBy === "string" && !/^[A-Za-z0-9_/-]{1,128}$/.test(input.startedBy)) {
      throw new AwsError("InvalidParameterException", "startedBy: up to 128 letters, numbers, hyphens, forward slashes and underscores");
    }
    if (token !== undefined && !/^[\x21-\x7e]{1,64}$/.test(token)) {
      throw new AwsError("InvalidParameterException", "clientToken: up to 64 characters in the range 33-126");
    }
    const tags = checkedTags(input.tags);
    const overrides = (input.overrides ?? {}) as Json;
    if (JSON.stringify(overrides).length > 8192) {
      throw new AwsError("InvalidParameterException", "Container Overrides length must be at most 8192");
    }
    if (definition.networkMode === "awsvpc") {
      const vpc = (input.networkConfiguration as Json | undefined)?.awsvpcConfiguration as Json | undefined;
      if (!Array.isArray(vpc?.subnets) || vpc.subnets.length === 0) {
        throw new AwsError("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
      }
    }
    const failure = faults.takeRunTaskFailure();
    if (failure) {
      return { tasks: [], failures: [{ arn: failure.arn ?? cluster.clusterArn, reason: failure.reason, ...(failure.detail ? { detail: failure.detail } : {}) }] };
    }
    const containerOverrides = (Array.isArray(overrides.containerOverrides) ? overrides.containerOverrides : []) as Json[];
    for (const o of containerOverrides) {
      if (!definition.containerDefinitions.some((c) => c.name === o.name)) {
        throw new AwsError("InvalidParameterException", `Override for container named ${String(o.name)} is not a container in the TaskDefinition.`);
      }
    }
    const taskId = randomBytes(16).toString("hex");
    let markStopped = () => {};
    const stopped = new Promise<void>((resolve) => (markStopped = resolve));
    const task: Task = {
      taskArn: `${arnBase}:task/${cluster.clusterName}/${taskId}`,
      taskId,
      clusterArn: cluster.clusterArn,
      definition,
      lastStatus: "PROVISIONING",
      desiredStatus: "RUNNING",
      startedBy: typeof input.startedBy === "string" ? input.startedBy : undefined,
      group: `family:${definition.family}`,
      launchType: typeof input.launchType === "string" ? input.launchType : Array.isArray(input.capacityProviderStrategy) ? undefined : "EC2",
      overrides: { containerOverrides, inferenceAcceleratorOverrides: [] },
      createdAt: seconds(),
      containers: definition.containerDefinitions.map((def) => {
        const o = containerOverrides.find((x) => x.name === def.name);
        const environment: Record<string, string> = {};
        for (const e of def.environment ?? []) environment[e.name] = e.value;
        for (const e of (Array.isArray(o?.environment) ? o.environment : []) as { name: string; value: string }[]) environment[e.name] = e.value;
        return {
          def,
          command: Array.isArray(o?.command) ? (o.command as string[]) : (def.command ?? []),
          environment,
          lastStatus: "PENDING",
        };
      }),
      tags: new Map(),
      stopped,
      markStopped,
      fault: faults.takeTaskFault(),
    };
    setTags(task.tags, tags);
    tasks.set(task.taskArn, task);
    later(delay, () => advance(task));
    const response = { tasks: [describeTask(task)], failures: [] };
    if (token !== undefined) byToken.set(tokenKey, { parameters, response, at: Date.now() });
    const answerDelay = faults.takeAnswerDelay();
    if (answerDelay > 0) await new Promise((r) => setTimeout(r, answerDelay).unref());
    return response;
  };

  // ListTasks: only ARNs, filtered as in API_ListTasks — desiredStatus RUNNING unless
  // given, maxResults 1-100 (100 when absent) with nextToken, and startedBy "must be the only
  // filter" besides cluster and desiredStatus.
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html
  const listTasks = (input: Json): Json => {
    const cluster = registry.clusterOf(input.cluster);
    const desired = input.desiredStatus === undefined ? "RUNNING" : input.desiredStatus;
    if (typeof desired !== "string" || !DESIRED_STATUSES.has(desired)) throw new AwsError("InvalidParameterException", "desiredStatus must be one of RUNNING, PENDING, STOPPED.");
    const startedBy = typeof input.startedBy === "string" ? input.startedBy : undefined;
    const family = typeof input.family === "string" ? input.family : undefined;
    if (startedBy !== undefined && (family !== undefined || input.serviceName !== undefined || input.containerInstance !== undefined || input.launchType !== undefined)) {
      throw new AwsError("InvalidParameterException", "When you specify startedBy as the filter, it must be the only filter that you use.");
    }
    if (input.maxResults !== undefined && (!Number.isInteger(input.maxResults) || (input.maxResults as number) < 1 || (input.maxResults as number) > 100)) {
      throw new AwsError("InvalidParameterException", "maxResults must be between 1 and 100.");
    }
    const now = Date.now();
    const matching = [...tasks.values()].filter(
      (t) =>
        t.clusterArn === cluster.clusterArn &&
        t.desiredStatus === desired &&
        (desired !== "STOPPED" || t.lastStatus !== "STOPPED" || t.stoppedAt === undefined || now - t.stoppedAt * 1000 < STOPPED_TASK_LISTED_MS) &&
        (startedBy === undefined || t.startedBy === startedBy) &&
        (family === undefined || t.definition.family === family) &&
        (typeof input.launchType !== "string" || t.launchType === input.launchType),
    );
    const page = paginate(matching.map((t) => t.taskArn), (input.maxResults as number | undefined) ?? 100, typeof input.nextToken === "string" ? input.nextToken : undefined, "InvalidParameterException");
    return { taskArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  };

  return {
    operations: {
      RunTask: runTask,
      ListTasks: listTasks,
      DescribeTasks(input) {
        registry.clusterOf(input.cluster);
        const refs = Array.isArray(input.tasks) ? (input.tasks as string[]) : [];
        if (refs.length > 100) throw new AwsError("InvalidParameterException", "tasks can have at most 100 items.");
        const withTags = Array.isArray(input.include) && input.include.includes("TAGS");
        const found: Json[] = [];
        const failures: Json[] = [];
        for (const ref of refs) {
          const t = taskOf(ref);
          if (t) found.push(describeTask(t, withTags));
          else failures.push({ arn: ref, reason: "MISSING" });
        }
        return { tasks: found, failures };
      },
      StopTask(input) {
        registry.clusterOf(input.cluster);
        const t = taskOf(String(input.task ?? ""));
        if (!t) throw new AwsError("InvalidParameterException", "The referenced task was not found.");
        stop(t, { stopCode: "UserInitiated", stoppedReason: typeof input.reason === "string" && input.reason ? input.reason : "Task stopped by user" });
        return { task: describeTask(t) };
      },
      // API_TagResource: adds or overwrites; tags not named are kept.
      TagResource(input) {
        const t = taggedTask(input.resourceArn);
        const tags = checkedTags(input.tags);
        if (tags.length === 0) throw new AwsError("InvalidParameterException", "tags must have at least one item.");
        setTags(t.tags, tags);
        return {};
      },
      UntagResource(input) {
        const t = taggedTask(input.resourceArn);
        const keys = Array.isArray(input.tagKeys) ? input.tagKeys : [];
        for (const k of keys) t.tags.delete(String(k));
        return {};
      },
      ListTagsForResource(input) {
        return { tags: tagList(taggedTask(input.resourceArn).tags) };
      },
    },
    list() {
      return [...tasks.values()].map((t) => {
        const c = mainContainer(t);
        return {
          taskArn: t.taskArn,
          lastStatus: t.lastStatus,
          startedBy: t.startedBy,
          command: c.command,
          environment: { ...c.environment },
          exitCode: c.exitCode,
          tags: Object.fromEntries(t.tags),
        };
      });
    },
    expireClientTokens() {
      byToken.clear();
    },
    async waitForStopped(taskArn) {
      const t = tasks.get(taskArn);
      if (!t) throw new Error(`no such sandbox task ${taskArn}`);
      await t.stopped;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const running = [...tasks.values()].filter((t) => t.lastStatus !== "STOPPED");
      for (const t of running) {
        if (t.process && t.process.exitCode === null && t.process.signalCode === null) signalChildGroup(t.process, "SIGKILL");
        else finish(t);
      }
      await Promise.all(running.map((t) => Promise.race([t.stopped, new Promise((r) => setTimeout(r, 2000))])));
    },
  };
}

/** One process per task: the container given a command override, else the first essential one (sidecars are not emulated). */
function mainContainer(t: Task): ContainerState {
  const overridden = (t.overrides.containerOverrides as Json[]).find((o) => Array.isArray(o.command));
  return (
    t.containers.find((x) => overridden !== undefined && x.def.name === overridden.name) ??
    t.containers.find((x) => x.def.essential !== false) ??
    t.containers[0]!
  );
}
