// `eb-migrate status` — the environment's release history and the current lease holder.
import { createClients } from "../aws/clients.js";
import { isNotFound, isPermissionDenied } from "../aws/errors.js";
import type { CommandSpec } from "../cli/command.js";
import { ConfigError, credentialsError, describeError, EbMigrateError, ExitCode } from "../cli/errors.js";
import { wantsColour } from "../cli/log.js";
import { instanceRoot } from "../config/environment.js";
import { resolveSettings, wholeNumberFlag } from "../config/settings.js";
import { createTableCommand } from "../table/table.js";
import { describedProperties, instanceProperties, withProperties } from "../ops/operator-settings.js";
import { readHistory } from "../ops/history.js";
import { statusJson, statusText } from "../ops/status-view.js";
import { resolveTarget } from "../ops/target.js";

export const DEFAULT_STATUS_LIMIT = 10;

export const statusCommand: CommandSpec = {
  name: "status",
  summary: "Show the environment's release history and who holds the lease (on an instance, or --env from a laptop).",
  usage: "eb-migrate status [--env NAME] [--region R] [--table T] [--limit N] [--json]",
  options: {
    env: { type: "string" },
    region: { type: "string" },
    table: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  },
  flags: {
    env: "Look at this Elastic Beanstalk environment from a laptop (default: this instance's environment).",
    region: "The region of --env (default: AWS_REGION).",
    table: "Read this DynamoDB table (default: the environment's EB_MIGRATE_TABLE, read from get-config or DescribeConfigurationSettings).",
    limit: `Show at most this many releases, newest first (default ${DEFAULT_STATUS_LIMIT}).`,
    json: "Print one JSON document instead of the table.",
  },
  async run(ctx, args) {
    const { env: environmentName, region, table: tableFlag, limit: limitText, json } = args.values;
    const limit = wholeNumberFlag("limit", limitText, { min: 1 }) ?? DEFAULT_STATUS_LIMIT;
    const root = instanceRoot(ctx.env);
    const target = await resolveTarget({
      env: ctx.env,
      root,
      ...(typeof environmentName === "string" ? { environmentName } : {}),
      ...(typeof region === "string" ? { region } : {}),
    });
    const clients = createClients({ region: target.region, maxAttempts: 2 });
    // The table the environment's instances use, not whatever this shell would default to.
    const table = typeof tableFlag === "string" ? { tableFlag } : {};
    const source =
      typeof tableFlag === "string"
        ? { unavailable: "not read" }
        : target.applicationName
          ? await describedProperties(clients.elasticBeanstalk, target.applicationName, target.environmentName)
          : await instanceProperties(root);
    const operator = withProperties(ctx.env, source, table);
    const settings = resolveSettings(operator.env, typeof tableFlag === "string" ? { table: tableFlag } : {});
    let history;
    try {
      history = await readHistory(clients.dynamodb, settings.table, target.environmentId);
    } catch (error) {
      throw tableReadError(error, settings.table, operator.tableSource, target.region);
    }
    const view = { target, table: settings.table, tableSource: operator.tableSource, releases: history.releases.slice(0, limit), total: history.releases.length, lease: history.lease };
    const now = Date.now();
    if (json === true) ctx.stdout.write(`${JSON.stringify(statusJson(view, now), null, 2)}\n`);
    else ctx.stdout.write(statusText(view, now, wantsColour(ctx.stdout, ctx.env)));
    return ExitCode.ok;
  },
};

function tableReadError(error: unknown, table: string, source: string, region: string): EbMigrateError {
  const credentials = credentialsError(error);
  if (credentials) return credentials;
  if (isNotFound(error)) {
    return new ConfigError(
      `DynamoDB table "${table}" (name from ${source}) does not exist in ${region}; it is created by the ebextension's Resources on the next deploy (or create it: ${createTableCommand(table)}), or pass --table if it has another name`,
      { cause: error },
    );
  }
  if (isPermissionDenied(error)) {
    return new ConfigError(`reading DynamoDB table "${table}" was denied (${describeError(error)}); grant dynamodb:Scan and dynamodb:GetItem on it (see "eb-migrate policy")`, { cause: error });
  }
  return new EbMigrateError(`could not read DynamoDB table "${table}": ${describeError(error)}`, ExitCode.releaseFailed, { cause: error });
}
