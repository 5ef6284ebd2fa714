// Wires the sandbox's ECS and CloudWatch Logs stand-ins together (tasks write their awslogs
// output into the log store) and turns admin-API fault requests into ECS-specific faults.
import { createEcsService, type EcsService } from "./ecs.js";
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

/**
 * An admin fault request for ECS, e.g. `{"service":"ecs","kind":"runtask-failure","reason":"RESOURCE:MEMORY","count":2}`,
 * `{"service":"ecs","kind":"no-exit-code"}`, `{"service":"ecs","kind":"stuck-pending"}` or `{"service":"ecs","kind":"clear"}`.
 * Returns false when `kind` is not an ECS-specific fault (the generic fault list handles it).
 */
export function applyEcsFault(ecs: EcsService, body: Record<string, unknown>): boolean {
  const str = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : undefined);
  const count = typeof body.count === "number" ? body.count : undefined;
  switch (body.kind) {
    case "runtask-failure":
      ecs.injectRunTaskFailure({ reason: str("reason") ?? "RESOURCE:MEMORY", detail: str("detail"), arn: str("arn"), count });
      return true;
    case "no-exit-code":
      ecs.injectNoExitCode({ stopCode: str("stopCode"), stoppedReason: str("stoppedReason"), containerReason: str("containerReason"), count });
      return true;
    case "stuck-pending":
      ecs.injectStuckPending(count ?? 1);
      return true;
    case "clear":
      ecs.clearFaults();
      return true;
    default:
      return false;
  }
}
