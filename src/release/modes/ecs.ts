// ecs mode: the leader runs the command as one ECS task (src/ecs/run-task.ts: resolve, register,
// start, wait, follow the logs, judge). A lost lease stops following the task, never the task.
import { checkEcsSettings } from "../../ecs/settings-check.js";
import { containerCommand, runEcsRelease } from "../../ecs/run-task.js";
import type { ReleaseMode } from "./mode.js";

export const ecsMode: ReleaseMode = {
  name: "ecs",
  checkSettings: checkEcsSettings,
  async prepare({ settings, clients, identity, deployment, clock, log, signal, instance, rerun }) {
    return async ({ record, existingTaskArn, fence, deadline, hooks }) => {
      // RunTask's clientToken and the task's release tag come from the deployment, so a crashed
      // leader's successor gets its task back; a re-run is a new attempt and needs a task of its
      // own (the token would hand back the finished one).
      const runOf = rerun && record ? { ...deployment, key: `${deployment.key}#rerun-${record.attempt}` } : deployment;
      return await runEcsRelease({
        settings,
        clients,
        identity,
        deployment: runOf,
        command: containerCommand(settings.command),
        ...(existingTaskArn ? { existingTaskArn } : {}),
        clock,
        log,
        signal,
        lost: fence.signal,
        deadline,
        hooks,
        ...(instance ? { root: instance.root } : {}),
      });
    };
  },
  onDemand: "here",
  runs: "ECS task",
  subject: (_settings, result) => `ECS task${result.taskArn ? ` ${result.taskArn}` : ""}`,
  progressName: () => "migrate task",
};
