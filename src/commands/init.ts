// `eb-migrate init`: writes the predeploy hook, the bundle and the ebextension into a Django app.
import { resolve } from "node:path";
import type { CommandSpec } from "../cli/command.js";
import { ExitCode } from "../cli/errors.js";
import { existingRunnersError } from "../scaffold/existing-runners.js";
import { bundleCandidates, findBundle } from "../scaffold/bundle.js";
import { formatInitReport, runInit } from "../scaffold/init.js";

export const initCommand: CommandSpec = {
  name: "init",
  summary: "Add eb-migrate to a Django app: predeploy hook, bundle, .ebextensions config",
  usage: "eb-migrate init [--dir D] [--dry-run] [--force] [--container-commands] [--no-resources] [--keep-existing]",
  options: {
    dir: { type: "string" },
    "dry-run": { type: "boolean" },
    force: { type: "boolean" },
    "container-commands": { type: "boolean" },
    "no-resources": { type: "boolean" },
    "keep-existing": { type: "boolean" },
  },
  async run(ctx, args) {
    const dir = resolve(ctx.cwd, typeof args.values.dir === "string" ? args.values.dir : ".");
    const bundle = await findBundle(bundleCandidates());
    const result = await runInit({
      dir,
      dryRun: args.values["dry-run"] === true,
      force: args.values.force === true,
      containerCommands: args.values["container-commands"] === true,
      resources: args.values["no-resources"] !== true,
      bundle,
      keepExisting: args.values["keep-existing"] === true,
    });
    ctx.stdout.write(formatInitReport(result));
    // A dry run shows everything, then stops as init itself would.
    if (result.dryRun && result.existingRunners.length > 0 && args.values["keep-existing"] !== true) throw existingRunnersError(result.existingRunners);
    return ExitCode.ok;
  },
};
