// The settings an operator command (status, doctor) reads: the shell's own EB_MIGRATE_* first,
// then the environment's properties — from EB's get-config on an instance (an `eb ssh` shell
// has none of them), from DescribeConfigurationSettings with --env — then the defaults. The
// table name says where it came from, so an operator sees which table was read.
import { DescribeConfigurationSettingsCommand, type ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import { isPermissionDenied } from "../aws/errors.js";
import { ConfigError, credentialsError, describeError } from "../cli/errors.js";
import { ENV_PREFIX } from "../config/settings.js";
import { deployedProperties } from "../ecs/environment.js";
import { readGetConfigEnvironment } from "../instance/eb-files.js";

export type PropertySource = { properties: Record<string, string>; label: string } | { properties?: undefined; unavailable: string };

export async function instanceProperties(root: string): Promise<PropertySource> {
  const read = await readGetConfigEnvironment(root);
  return read.found ? { properties: read.properties, label: "the environment properties (get-config)" } : { unavailable: read.reason };
}

/** The deployed configuration's properties, as the ECS flow reads them for the task. */
export async function describedProperties(eb: ElasticBeanstalkClient, applicationName: string, environmentName: string): Promise<PropertySource> {
  let sets;
  try {
    sets = (await eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: applicationName, EnvironmentName: environmentName }))).ConfigurationSettings ?? [];
  } catch (error) {
    const credentials = credentialsError(error);
    if (credentials) throw credentials;
    if (isPermissionDenied(error)) {
      throw new ConfigError(`elasticbeanstalk:DescribeConfigurationSettings was denied (${describeError(error)}); grant it to read environment ${environmentName}'s EB_MIGRATE_TABLE, or pass --table`, { cause: error });
    }
    throw new ConfigError(`could not read the configuration of environment ${environmentName}: ${describeError(error)}`, { cause: error });
  }
  return { properties: deployedProperties(sets), label: `environment ${environmentName}'s configuration (DescribeConfigurationSettings)` };
}

export interface OperatorEnvironment {
  env: NodeJS.ProcessEnv;
  /** "--table", "the shell's environment", the source's label, or "the default (...)". */
  tableSource: string;
}

/**
 * The shell's variables over the source's properties. `all`: every property (doctor runs the
 * app's settings, which need them, as the hook has them); else only the EB_MIGRATE_* ones.
 */
export function withProperties(env: NodeJS.ProcessEnv, source: PropertySource, options: { tableFlag?: string; all?: boolean } = {}): OperatorEnvironment {
  const merged: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(source.properties ?? {})) {
    if (options.all || name.startsWith(ENV_PREFIX)) merged[name] = value;
  }
  Object.assign(merged, env);
  return { env: merged, tableSource: tableSource(env, source, options.tableFlag) };
}

function tableSource(env: NodeJS.ProcessEnv, source: PropertySource, tableFlag: string | undefined): string {
  const key = `${ENV_PREFIX}TABLE`;
  if (tableFlag !== undefined) return "--table";
  if (env[key] !== undefined) return "the shell's environment";
  if (!source.properties) return `the default (${source.unavailable})`;
  if (source.properties[key] !== undefined) return source.label;
  return `the default (${source.label} do not set ${key})`;
}
