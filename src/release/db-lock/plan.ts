// Whether and how the release command runs under the database lock (EB_MIGRATE_DB_LOCK), and
// the hooks that turn the launcher's marker lines into log lines and the result's lock report.
import type { Logger } from "../../cli/log.js";
import type { Settings } from "../../config/settings.js";
import type { ExecutionHooks, ExecutionResult } from "../execution.js";
import { dbLockedArgv, isDjangoMigrate, LAUNCHER_SOURCE, type LockContext } from "./launcher.js";
import { DbLockWatch } from "./watch.js";

export interface DbLockPlan {
  /** The argv to run instead of the command (never through a shell: the launcher execs it). */
  argv: string[];
  /** Wraps the runner's hooks: marker lines become log lines (they stay in the output tail). */
  hooks(hooks: ExecutionHooks, log: Logger): ExecutionHooks;
  /** Adds the lock report to the command's result. */
  annotate(result: ExecutionResult): ExecutionResult;
}

/**
 * auto: only an argv `<python> manage.py migrate …` (isDjangoMigrate) — the default command
 * and its usual hand-written forms; on: any command, run by the lock holder as its child with
 * the default command's python (`python`, which needs the app's Django); off: none. The one
 * decision for both modes: local mode runs the argv itself, ecs mode sends it as the task's
 * command (src/ecs/db-lock.ts, with the compact launcher source).
 */
export async function planDbLock(
  settings: Pick<Settings, "dbLock" | "dbAlias">,
  /** The resolved command (in shell mode its /bin/sh -c, which is never Django's migrate). */
  argv: string[],
  context: Omit<LockContext, "alias">,
  defaultPython: () => Promise<string>,
  launcherSource = LAUNCHER_SOURCE,
): Promise<DbLockPlan | undefined> {
  if (settings.dbLock === "off") return undefined;
  const migrate = isDjangoMigrate(argv);
  if (!migrate && settings.dbLock === "auto") return undefined;
  const lockContext = { ...context, alias: settings.dbAlias };
  const locked = migrate ? dbLockedArgv(argv[0]!, argv, lockContext, true, launcherSource) : dbLockedArgv(await defaultPython(), argv, lockContext, false, launcherSource);
  const watch = new DbLockWatch();
  return {
    argv: locked,
    hooks(hooks, log) {
      return {
        ...hooks,
        onLine(line) {
          const shown = watch.take(line);
          if (!shown) return hooks.onLine(line);
          log[shown.level](shown.message, shown.state ? { state: shown.state } : {});
        },
      };
    },
    annotate(result) {
      const report = watch.result();
      return report ? { ...result, dbLock: report } : result;
    },
  };
}
