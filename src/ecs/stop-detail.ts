// Why a task ended, in ECS's own words, for the failure message: stopCode, stoppedReason and
// the container's reason (the only facts there are when the container has no exit code).
import type { Task } from "@aws-sdk/client-ecs";

export function describeStop(task: Task, containerName: string, exitCode: number | null): string | undefined {
  if (exitCode === 0) return undefined;
  const container = task.containers?.find((c) => c.name === containerName);
  const facts = [
    exitCode === null ? `container ${containerName} has no exit code` : undefined,
    task.stopCode ? `stopCode=${task.stopCode}` : undefined,
    task.stoppedReason ? `stoppedReason=${JSON.stringify(task.stoppedReason)}` : undefined,
    container?.reason ? `container reason=${JSON.stringify(container.reason)}` : undefined,
    task.lastStatus && task.lastStatus !== "STOPPED" ? `task still ${task.lastStatus}` : undefined,
  ].filter((f): f is string => f !== undefined);
  return facts.length > 0 ? facts.join(", ") : undefined;
}
