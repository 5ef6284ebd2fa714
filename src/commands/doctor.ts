// `eb-migrate doctor` — a checklist of everything a deploy needs, each line pass/fail with the fix.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createClients } from "../aws/clients.js";
import type { CommandSpec } from "../cli/command.js";
import { ConfigError, ExitCode } from "../cli/errors.js";
import { wantsColour } from "../cli/log.js";
import { instanceRoot } from "../config/environment.js";
import { resolveSettings } from "../config/settings.js";
import { formatCheck, summaryLine } from "../ops/checklist.js";
import { runDoctor } from "../ops/doctor.js";
import { describedProperties, instanceProperties, withProperties } from "../ops/operator-settings.js";
import { resolveTarget, type EnvironmentTarget } from "../ops/target.js";
import { SETTINGS_FLAGS, SETTINGS_OPTIONS, SETTINGS_USAGE } from "./settings-flags.js";

export const doctorCommand: CommandSpec = {
  name: "doctor",
  summary: "Check this instance's set-up (table, permissions, Auto Scaling, command, Django), or an environment's from outside with --env; exit 1 when a deploy would fail.",
  usage: `eb-migrate doctor [--dir APP_DIR] [--env NAME [--region R]] [--json] ${SETTINGS_USAGE}`,
  options: { ...SETTINGS_OPTIONS, dir: { type: "string" }, json: { type: "boolean" }, env: { type: "string" }, region: { type: "string" } },
  flags: {
    ...SETTINGS_FLAGS,
    dir: "The application directory holding manage.py (default: the current directory; the hook runs in /var/app/staging).",
    json: "Print the checks as one JSON document instead of lines.",
    env: "Check this Elastic Beanstalk environment from outside an instance (its table and ECS settings; instance checks are skipped).",
    region: "The region of --env (default: AWS_REGION).",
  },
  async run(ctx, args) {
    const { dir, json, env: environmentName, region, ...flags } = args.values;
    const root = instanceRoot(ctx.env);
    let remote: EnvironmentTarget | undefined;
    if (typeof environmentName === "string") {
      remote = await resolveTarget({ env: ctx.env, root, environmentName, ...(typeof region === "string" ? { region } : {}) });
    } else if (!existsSync(join(root, "opt/elasticbeanstalk"))) {
      throw new ConfigError(
        `not on an Elastic Beanstalk instance (no ${join(root, "opt/elasticbeanstalk")}); run doctor on an instance (eb ssh, then sudo eb-migrate doctor in /var/app/current), or check an environment from here: eb-migrate doctor --env NAME`,
      );
    }
    // The settings the environment's instances run with, under what this shell sets.
    const source = remote
      ? await describedProperties(createClients({ region: remote.region, maxAttempts: 2 }).elasticBeanstalk, remote.applicationName ?? "", remote.environmentName)
      : await instanceProperties(root);
    const tableFlag = typeof flags.table === "string" ? flags.table : undefined;
    const operator = withProperties(ctx.env, source, { all: !remote, ...(tableFlag !== undefined ? { tableFlag } : {}) });
    // Bad settings are exit 2 here as in `run` (thrown as ConfigError before any check).
    const settings = resolveSettings(operator.env, flags);
    const tty = wantsColour(ctx.stdout, ctx.env);
    if (json !== true) ctx.stdout.write(`table ${settings.table} (name from ${operator.tableSource})\n`);
    const report = await runDoctor({
      settings,
      env: operator.env,
      root,
      appDir: typeof dir === "string" ? dir : ctx.cwd,
      ...(remote ? { remote } : {}),
      ...(json === true ? {} : { onResult: (r) => void ctx.stdout.write(`${formatCheck(r, tty)}\n`) }),
    });
    if (json === true) ctx.stdout.write(`${JSON.stringify({ ok: report.ok, mode: settings.mode, table: settings.table, tableSource: operator.tableSource, checks: report.results }, null, 2)}\n`);
    else ctx.stdout.write(`\n${summaryLine(report.results)}\n`);
    return report.ok ? ExitCode.ok : ExitCode.releaseFailed;
  },
};
