// Wires the sandbox's ECS and CloudWatch Logs stand-ins together (tasks write their awslogs
// output into the log store).
import { createEcsService, type EcsService } from "./ecs/index.js";
import type { JsonService } from "./json-service.js";
import { createLogsService, LogStore } from "./logs.js";

export interface EcsLogsOptions {
  region: string;
  accountId: string;
  /** Environment every task process starts from (default: PATH and HOME of the sandbox). */
  baseEnv?: NodeJS.ProcessEnv;
  stateDelayMs?: number;
}

export interface EcsLogsServices {
  /** Register these with the sandbox server: [ecs, logs]. */
  services: JsonService[];
  ecs: EcsService;
  logStore: LogStore;
}

export function createDefaultJsonServices(options: EcsLogsOptions): EcsLogsServices {
  const logStore = new LogStore();
  const ecs = createEcsService({ logs: logStore, ...options });
  return { services: [ecs, createLogsService(logStore)], ecs, logStore };
}
