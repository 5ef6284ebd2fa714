// `eb-migrate init`: writes the predeploy hook, the bundle and the ebextension into a Django app.
import { resolve } from "node:path";
import type { CommandSpec } from "../cli/command.js";
import { ConfigError, ExitCode } from "../cli/errors.js";
import { existingRunnersError } from "../scaffold/existing-runners.js";
import { ENV_PREFIX, resolveSettings, SETTINGS } from "../config/settings.js";
import { checkEcsSettings } from "../ecs/settings-check.js";
import { parsePassRoles } from "../scaffold/policy.js";
import type { EcsInit } from "../scaffold/ebextension.js";
import { SETTINGS_FLAGS } from "./settings-flags.js";
import { bundleCandidates, findBundle } from "../scaffold/bundle.js";
import { formatInitReport, runInit } from "../scaffold/init.js";

/** The ECS settings init can write: every EB_MIGRATE_ECS_* setting's flag. */
const ECS_SETTINGS = SETTINGS.filter((s) => s.name.startsWith("ECS_"));
const ECS_FLAGS = ECS_SETTINGS.map((s) => s.flag);
const ECS_ONLY_FLAGS = [...ECS_FLAGS, "log-group", "pass-role"];

export const initCommand: CommandSpec = {
  name: "init",
  summary: "Add eb-migrate to a Django app: predeploy hook, bundle, .ebextensions config",
  usage: "eb-migrate init [--dir D] [--dry-run] [--force] [--container-commands] [--no-resources | --role NAME] [--keep-existing] [--notify TARGETS] [--mode ecs --ecs-cluster C --ecs-task-definition T [--ecs-container N, --ecs-subnets …, other --ecs-* settings] [--log-group G] [--pass-role ROLE,…]]",
  options: {
    dir: { type: "string" },
    "dry-run": { type: "boolean" },
    force: { type: "boolean" },
    "container-commands": { type: "boolean" },
    "no-resources": { type: "boolean" },
    "keep-existing": { type: "boolean" },
    role: { type: "string" },
    notify: { type: "string" },
    mode: { type: "string" },
    ...Object.fromEntries(ECS_FLAGS.map((f) => [f, { type: "string" as const }])),
    "log-group": { type: "string" },
    "pass-role": { type: "string" },
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
    mode: "local (default) or ecs: ecs writes EB_MIGRATE_MODE=ecs and the --ecs-* settings into the ebextension's option_settings, and the ecs-mode policy (needs --ecs-cluster and --ecs-task-definition).",
    ...Object.fromEntries(ECS_FLAGS.map((f) => [f, `With --mode ecs, written to option_settings: ${SETTINGS_FLAGS[f] ?? ""}`])),
    "log-group": "With --mode ecs: the container's awslogs group; the policy's logs:GetLogEvents is limited to it (default: any).",
    "pass-role": "With --mode ecs: the task definition's task and execution roles (names or ARNs): the policy's iam:PassRole is limited to them (default: any role, passed only to ECS tasks).",
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
    const ecs = ecsInit(args.values);
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
      ...(ecs ? { ecs } : {}),
    });
    ctx.stdout.write(formatInitReport(result));
    // A dry run shows everything, then stops as init itself would.
    if (result.dryRun && result.existingRunners.length > 0 && args.values["keep-existing"] !== true) throw existingRunnersError(result.existingRunners);
    return ExitCode.ok;
  },
};

/**
 * --mode ecs and its flags → what the ebextension writes; undefined in local mode. Values are
 * checked as the runner will read them (resolveSettings, checkEcsSettings): a bad one is exit 2
 * now, not a failed deployment later.
 */
function ecsInit(values: Record<string, unknown>): EcsInit | undefined {
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const mode = str("mode");
  if (mode !== undefined && mode !== "local" && mode !== "ecs") throw new ConfigError(`--mode=${JSON.stringify(mode)} is not valid: expected local or ecs`);
  const given = ECS_ONLY_FLAGS.filter((f) => values[f] !== undefined);
  if (mode !== "ecs") {
    if (given.length > 0) throw new ConfigError(`${given.map((f) => `--${f}`).join(", ")} ${given.length === 1 ? "applies" : "apply"} only to ecs mode: add --mode ecs, or leave ${given.length === 1 ? "it" : "them"} out`);
    return undefined;
  }
  const missing = ["ecs-cluster", "ecs-task-definition"].filter((f) => str(f) === undefined || str(f)!.trim() === "");
  if (missing.length > 0) throw new ConfigError(`init --mode ecs needs ${missing.map((f) => `--${f}`).join(" and ")}: the cluster and the task definition the release task runs with`);
  const flags = Object.fromEntries(ECS_FLAGS.flatMap((f) => (str(f) !== undefined ? [[f, str(f)!.trim()]] : [])));
  const settings = resolveSettings({}, { mode: "ecs", ...flags });
  checkEcsSettings(settings);
  const passRoles = parsePassRoles(str("pass-role"));
  const logGroup = str("log-group")?.trim();
  if (logGroup !== undefined && !/^[\w\-/.#]{1,512}$/.test(logGroup)) throw new ConfigError(`--log-group=${JSON.stringify(logGroup)} is not valid: expected a CloudWatch Logs group name (1-512 of A-Z a-z 0-9 _ - / . #)`);
  return {
    settings: Object.fromEntries(ECS_SETTINGS.flatMap((s) => (flags[s.flag] !== undefined ? [[`${ENV_PREFIX}${s.name}`, flags[s.flag]!]] : []))),
    scope: {
      cluster: settings.ecs.cluster!,
      taskDefinition: settings.ecs.taskDefinition!,
      ...(logGroup ? { logGroup } : {}),
      ...(passRoles.length > 0 ? { passRoles } : {}),
      // With --ecs-image the leader registers revisions: the policy must let it (as `policy --ecs-image`).
      ...(settings.ecs.image !== undefined ? { image: true } : {}),
    },
  };
}
