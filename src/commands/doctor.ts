// `eb-migrate doctor` — a checklist of everything a deploy needs, each line pass/fail with the fix.
import type { CommandSpec } from "../cli/command.js";
import { ExitCode } from "../cli/errors.js";
import { wantsColour } from "../cli/log.js";
import { resolveSettings } from "../config/settings.js";
import { formatCheck, summaryLine } from "../ops/checklist.js";
import { runDoctor } from "../ops/doctor.js";
import { SETTINGS_OPTIONS, SETTINGS_USAGE } from "./settings-flags.js";

export const doctorCommand: CommandSpec = {
  name: "doctor",
  summary: "Check this instance's set-up (table, permissions, Auto Scaling, command); exit 1 when a deploy would fail.",
  usage: `eb-migrate doctor [--dir APP_DIR] [--json] ${SETTINGS_USAGE}`,
  options: { ...SETTINGS_OPTIONS, dir: { type: "string" }, json: { type: "boolean" } },
  async run(ctx, args) {
    const { dir, json, ...flags } = args.values;
    // Bad settings are exit 2 here as in `run` (thrown as ConfigError before any check).
    const settings = resolveSettings(ctx.env, flags);
    const tty = wantsColour(ctx.stdout, ctx.env);
    const report = await runDoctor({
      settings,
      env: ctx.env,
      root: ctx.env.EB_MIGRATE_ROOT || "/",
      appDir: typeof dir === "string" ? dir : ctx.cwd,
      ...(json === true ? {} : { onResult: (r) => void ctx.stdout.write(`${formatCheck(r, tty)}\n`) }),
    });
    if (json === true) ctx.stdout.write(`${JSON.stringify({ ok: report.ok, mode: settings.mode, table: settings.table, checks: report.results }, null, 2)}\n`);
    else ctx.stdout.write(`\n${summaryLine(report.results)}\n`);
    return report.ok ? ExitCode.ok : ExitCode.releaseFailed;
  },
};
