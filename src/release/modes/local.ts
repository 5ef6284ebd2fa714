// local mode: the leader runs the command itself, in the app's directory with the environment's
// properties, under its supervisor (process group, fence) and, for Django migrate, the database lock.
import { ConfigError } from "../../cli/errors.js";
import { planDbLock } from "../db-lock/plan.js";
import { runLocalCommand } from "../local-command.js";
import { choosePython, resolveCommand } from "../resolve-command.js";
import { commandName, type ReleaseMode } from "./mode.js";
import { MODE_SETTINGS_CHECKS } from "./settings-checks.js";

export const localMode: ReleaseMode = {
  name: "local",
  checkSettings: MODE_SETTINGS_CHECKS.local,
  async prepare({ settings, identity, deployment, clock, log, signal, instance }) {
    if (!instance) throw new ConfigError("local mode runs the command on an instance of the environment: use `eb-migrate release --env` (it sends `run --now` to one through SSM)");
    const { cwd, env, root, redact, supervisor } = instance;
    const argv = await resolveCommand(settings, env, root);
    const dbLock = await planDbLock(settings, argv, { environment: identity.environmentName, instance: identity.instanceId, deployment: deployment.key }, () => choosePython(env, root));
    return async ({ fence, deadline, hooks }) => {
      const local = { cwd, env, clock, deadline, signal, fence, redact, ...(supervisor ? { supervisor } : {}) };
      if (!dbLock) return await runLocalCommand({ ...local, argv, shell: settings.command.shell, hooks });
      return dbLock.annotate(await runLocalCommand({ ...local, argv: dbLock.argv, shell: false, hooks: dbLock.hooks(hooks, log.child({ role: "leader" })) }));
    };
  },
  onDemand: "instance",
  runs: "command",
  subject: (settings) => `"${settings.command.redactedText}"`,
  progressName: commandName,
};
