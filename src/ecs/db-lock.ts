// ecs mode's database lock: local mode's decision (planDbLock) made for the task's container.
// The launcher travels in the command override (its compact form), runs with the container's
// python in the image's working directory (where `manage.py` of `python manage.py migrate` is
// found), and its marker lines come back through the task's CloudWatch log stream.
import type { Settings } from "../config/settings.js";
import type { Deployment, Identity } from "../instance/types.js";
import { COMPACT_LAUNCHER_SOURCE } from "../release/db-lock/launcher.js";
import { planDbLock, type DbLockPlan } from "../release/db-lock/plan.js";

/**
 * The python for EB_MIGRATE_DB_LOCK=on with a command that is not `<python> manage.py migrate`:
 * `python` on the image's PATH (the official python images and most Django images have it).
 * Nothing on the instance can tell which interpreter the image has, so it is not probed.
 */
export const CONTAINER_PYTHON = "python";

/**
 * Where the lock holder's name (`eb-migrate <env> ecs-task <deployment>`) says it runs: in the
 * task, not on the instance that started it — and every leader of a deployment must send the
 * same RunTask parameters (start-task.ts, clientToken).
 */
export const TASK_HOLDER = "ecs-task";

export function planTaskDbLock(
  settings: Pick<Settings, "dbLock" | "dbAlias">,
  /** The container's command (containerCommand). */
  command: string[],
  identity: Pick<Identity, "environmentName">,
  deployment: Pick<Deployment, "key">,
): Promise<DbLockPlan | undefined> {
  const context = { environment: identity.environmentName, instance: TASK_HOLDER, deployment: deployment.key };
  return planDbLock(settings, command, context, () => Promise.resolve(CONTAINER_PYTHON), COMPACT_LAUNCHER_SOURCE);
}

/** The characters the lock adds to the overrides' JSON (the launcher and its arguments). */
export function lockShare(command: string[], locked: string[]): number {
  return JSON.stringify(locked).length - JSON.stringify(command).length;
}
