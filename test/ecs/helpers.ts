// A sandbox with the ECS and Logs stand-ins, real SDK clients pointed at it, and a runEcsRelease
// call with everything but the interesting parts filled in.
import { CreateClusterCommand, RegisterTaskDefinitionCommand, type ContainerDefinition } from "@aws-sdk/client-ecs";
import { createClients, type AwsClients } from "../../src/aws/clients.js";
import { createLogger, memorySink, type LogRecord } from "../../src/cli/log.js";
import { resolveSettings } from "../../src/config/settings.js";
import { runEcsRelease, type EcsReleaseInput } from "../../src/ecs/run-task.js";
import type { ExecutionResult } from "../../src/release/execution.js";
import { systemClock } from "../../src/runtime/clock.js";
import { createDefaultJsonServices } from "../../src/sandbox/ecs-logs.js";
import type { EcsService } from "../../src/sandbox/ecs/index.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import type { LogStore } from "../../src/sandbox/logs.js";

export const CLUSTER = "release";
export const FAMILY = "web";
export const LOG_GROUP = "/ecs/web";

/** The environment properties of an ecs-mode fleet whose task runs `command` through sh. */
export function ecsModeProperties(command: string): Record<string, string> {
  return {
    EB_MIGRATE_MODE: "ecs",
    EB_MIGRATE_ECS_CLUSTER: CLUSTER,
    EB_MIGRATE_ECS_TASK_DEFINITION: FAMILY,
    EB_MIGRATE_SHELL: "true",
    EB_MIGRATE_COMMAND: command,
  };
}

export interface EcsBed {
  sandbox: Sandbox;
  ecs: EcsService;
  logStore: LogStore;
  clients: AwsClients;
  identity: EcsReleaseInput["identity"];
  /** Registers the app's task definition (container "app", awslogs, no environment of its own). */
  register(container?: Partial<ContainerDefinition>): Promise<string>;
  stop(): Promise<void>;
}

export async function startEcsBed(properties: Record<string, string> = {}, instances = 1): Promise<EcsBed> {
  const { services, ecs, logStore } = createDefaultJsonServices({ region: "us-east-1", accountId: "123456789012" });
  const sandbox = await startSandbox({ instances, jsonServices: services, environmentProperties: properties });
  const state = sandbox.state();
  // The SDK reads its standard variables when a client is made: act as instance 0 from now on
  // (each test file runs in its own process).
  Object.assign(process.env, state.instances[0]!.env);
  const clients = createClients({ region: state.region, maxAttempts: 1 });
  for (const name of ["ecs", "logs", "elasticBeanstalk"] as const) void clients[name];
  await clients.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  return {
    sandbox,
    ecs,
    logStore,
    clients,
    identity: { instanceId: state.instances[0]!.id, region: state.region, environmentName: state.environment.name, environmentId: state.environment.id },
    async register(container = {}) {
      const answer = await clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: FAMILY,
          containerDefinitions: [
            {
              name: "app",
              image: "example/app:latest",
              essential: true,
              command: ["false"],
              logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": LOG_GROUP, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs" } },
              ...container,
            },
          ],
        }),
      );
      return answer.taskDefinition!.taskDefinitionArn!;
    },
    stop: () => sandbox.stop(),
  };
}

export interface Run {
  result: ExecutionResult;
  lines: string[];
  records: LogRecord[];
  /** What onTaskStarted saw, with the task's status at that moment. */
  started: { arn: string; lastStatus: string | undefined }[];
}

let deployments = 0;

export async function run(bed: EcsBed, options: Partial<EcsReleaseInput> & { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  const sink = memorySink();
  const lines: string[] = [];
  const started: Run["started"] = [];
  const { env, timeoutMs, ...rest } = options;
  const result = await runEcsRelease({
    settings: resolveSettings({ EB_MIGRATE_MODE: "ecs", EB_MIGRATE_ECS_CLUSTER: CLUSTER, EB_MIGRATE_ECS_TASK_DEFINITION: FAMILY, ...env }),
    clients: bed.clients,
    identity: bed.identity,
    // A new deployment per call: the same one would get the same task back (clientToken).
    deployment: { key: `v${++deployments}#1`, versionLabel: `v${deployments}`, deploymentId: "1", source: "test" },
    command: ["sh", "-c", "echo hello"],
    clock: systemClock,
    log: createLogger({ sinks: [sink], debug: true }),
    signal: new AbortController().signal,
    deadline: systemClock.now() + (timeoutMs ?? 30_000),
    hooks: {
      onLine: (line) => lines.push(line),
      onTaskStarted: async (arn) => {
        started.push({ arn, lastStatus: bed.ecs.tasks().find((t) => t.taskArn === arn)?.lastStatus });
      },
    },
    ...rest,
  });
  return { result, lines, records: sink.records, started };
}
