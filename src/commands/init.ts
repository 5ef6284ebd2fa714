// `eb-migrate init`: writes the predeploy hook, the bundle and the ebextension into a Django app.
import { resolve } from "node:path";
import type { CommandSpec } from "../cli/command.js";
import { ConfigError, ExitCode } from "../cli/errors.js";
import { existingRunnersError } from "../scaffold/existing-runners.js";
import { resolveSettings } from "../config/settings.js";
import { bundleCandidates, findBundle } from "../scaffold/bundle.js";
import { formatInitReport, runInit } from "../scaffold/init.js";

export const initCommand: CommandSpec = {
  name: "init",
  summary: "Add eb-migrate to a Django app: predeploy hook, bundle, .ebextensions config",
  usage: "eb-migrate init [--dir D] [--dry-run] [--force] [--container-commands] [--no-resources | --role NAME] [--keep-existing] [--notify TARGETS]",
  options: {
    dir: { type: "string" },
    "dry-run": { type: "boolean" },
    force: { type: "boolean" },
    "container-commands": { type: "boolean" },
    "no-resources": { type: "boolean" },
    "keep-existing": { type: "boolean" },
    role: { type: "string" },
    notify: { type: "string" },
  },
  flags: {
    dir: "The Django project to add eb-migrate to (default: the current directory; must hold manage.py).",
    "dry-run": "Show what would be written, write nothing.",
    force: "Overwrite files you changed (or that eb-migrate did not write).",
    "container-commands": "Run eb-migrate from .ebextensions container_commands instead of a predeploy platform hook.",
    "no-resources": "Leave out the CloudFormation Resources (table and instance-role policy): you create the table and attach `eb-migrate policy` yourself (one shared policy for many environments).",
    role: "Attach the ebextension's policy to this IAM role instead of the one named like the instance profile.",
    "keep-existing": "Write eb-migrate's files even though something else in the app already runs migrate (listed in the report).",
    notify: "EB_MIGRATE_NOTIFY's targets: their SNS topics get sns:Publish in the ebextension's policy.",
  },
  async run(ctx, args) {
    const role = typeof args.values.role === "string" ? args.values.role : undefined;
    if (role !== undefined && !/^[\w+=,.@-]{1,64}$/.test(role)) throw new ConfigError(`--role=${JSON.stringify(role)} is not valid: expected an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)`);
    if (role !== undefined && args.values["no-resources"] === true) throw new ConfigError("--role names the role the ebextension's policy is attached to; with --no-resources there is none: give only one of them");
    const dir = resolve(ctx.cwd, typeof args.values.dir === "string" ? args.values.dir : ".");
    // --notify (or EB_MIGRATE_NOTIFY here) only shapes the policy: its SNS topics get sns:Publish.
    // Only that setting is read: init runs on a laptop, whose other EB_MIGRATE_* variables are not its business.
    const notifyEnv = ctx.env.EB_MIGRATE_NOTIFY === undefined ? {} : { EB_MIGRATE_NOTIFY: ctx.env.EB_MIGRATE_NOTIFY };
    const notify = resolveSettings(notifyEnv, typeof args.values.notify === "string" ? { notify: args.values.notify } : {}).notify.targets;
    const bundle = await findBundle(bundleCandidates());
    const result = await runInit({
      dir,
      dryRun: args.values["dry-run"] === true,
      force: args.values.force === true,
      containerCommands: args.values["container-commands"] === true,
      resources: args.values["no-resources"] !== true,
      ...(role ? { role } : {}),
      bundle,
      keepExisting: args.values["keep-existing"] === true,
      notify,
    });
    ctx.stdout.write(formatInitReport(result));
    // A dry run shows everything, then stops as init itself would.
    if (result.dryRun && result.existingRunners.length > 0 && args.values["keep-existing"] !== true) throw existingRunnersError(result.existingRunners);
    return ExitCode.ok;
  },
};
