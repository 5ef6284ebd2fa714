// Sandbox ECS (JSON 1.1, "AmazonEC2ContainerServiceV20141113"): the registry (clusters, task
// definitions), one-off tasks whose container command runs as a local process with the real
// lifecycle, real exit codes and awslogs output, and the ECS-specific faults.
import type { JsonService } from "../json-service.js";
import type { LogStore } from "../logs.js";
import { EcsFaults, type EcsFaultControls } from "./faults.js";
import { createEcsRegistry } from "./registry.js";
import { createEcsTasks, type SandboxTask } from "./tasks.js";

export { applyEcsFault, type NoExitCodeFault, type RunTaskAnswerDelayFault, type RunTaskFailureFault } from "./faults.js";
export type { SandboxTask } from "./tasks.js";

export interface EcsServiceOptions {
  logs: LogStore;
  region: string;
  accountId: string;
  /** Milliseconds each of PROVISIONING and PENDING lasts (small, so tests see every state). */
  stateDelayMs?: number;
  /** Environment every task process starts from (PATH etc.), before definition and overrides. */
  baseEnv?: NodeJS.ProcessEnv;
}

export interface EcsService extends JsonService, EcsFaultControls {
  /** Every task RunTask started, oldest first (tests count them). */
  tasks(): SandboxTask[];
  /** Resolves when the task is STOPPED (tests). */
  waitForStopped(taskArn: string): Promise<void>;
}

export function createEcsService(options: EcsServiceOptions): EcsService {
  const arnBase = `arn:aws:ecs:${options.region}:${options.accountId}`;
  const registry = createEcsRegistry(arnBase);
  const faults = new EcsFaults();
  const tasks = createEcsTasks({
    arnBase,
    registry,
    faults,
    logs: options.logs,
    stateDelayMs: options.stateDelayMs ?? 30,
    ...(options.baseEnv ? { baseEnv: options.baseEnv } : {}),
  });
  return {
    targetPrefix: "AmazonEC2ContainerServiceV20141113",
    name: "ecs",
    operations: { ...registry.operations, ...tasks.operations },
    unknownOperation: (operation) => `The sandbox does not implement ECS.${operation}`,
    close: () => tasks.close(),
    injectRunTaskFailure: (fault) => faults.injectRunTaskFailure(fault),
    injectNoExitCode: (fault) => faults.injectNoExitCode(fault),
    injectStuckPending: (count) => faults.injectStuckPending(count),
    injectRunTaskAnswerDelay: (fault) => faults.injectRunTaskAnswerDelay(fault),
    expireClientTokens: () => tasks.expireClientTokens(),
    clearFaults: () => faults.clearFaults(),
    tasks: () => tasks.list(),
    waitForStopped: (taskArn) => tasks.waitForStopped(taskArn),
  };
}
