// ecs mode: the leader runs the command as one ECS task (src/ecs/run-task.ts: resolve, register,
// start, wait, follow the logs, judge). A lost lease stops following the task, never the task.
import { MODE_SETTINGS_CHECKS } from "./settings-checks.js";
import { containerCommand, runEcsRelease } from "../../ecs/run-task.js";
import type { ReleaseMode } from "./mode.js";

export const ecsMode: ReleaseMode = {
  name: "ecs",
  checkSettings: MODE_SETTINGS_CHECKS.ecs,
  async prepare({ settings, clients, identity, deployment, clock, log, signal, instance }) {
    return async ({ record, existingTaskArn, fence, deadline, hooks }) => {
      // RunTask's clientToken, startedBy and the release tag come from the run's key (the
      // deployment's, or a re-run's own, kept by whoever takes it over: record.ts runKey), so a
      // crashed leader's successor finds its task, and a re-run never gets the finished one back.
      const runOf = record?.runKey ? { ...deployment, key: record.runKey } : deployment;
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
