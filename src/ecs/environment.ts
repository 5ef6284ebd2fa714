// The environment's properties as deployed (DescribeConfigurationSettings), passed to the task
// as container overrides — never registered into a task definition revision.
import { DescribeConfigurationSettingsCommand, DescribeEnvironmentsCommand, type ConfigurationSettingsDescription, type ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import type { Identity } from "../instance/types.js";
import { ecsCallError } from "./aws-errors.js";

export const ENVIRONMENT_NAMESPACE = "aws:elasticbeanstalk:application:environment";

/** The tool's own settings configure the leader, not the task: left out to keep the override small. */
const OWN_PREFIX = "EB_MIGRATE_";

export async function readEnvironmentProperties(eb: ElasticBeanstalkClient, identity: Identity): Promise<Record<string, string>> {
  let applicationName: string | undefined;
  try {
    const found = await eb.send(new DescribeEnvironmentsCommand({ EnvironmentIds: [identity.environmentId], IncludeDeleted: false }));
    applicationName = found.Environments?.[0]?.ApplicationName;
  } catch (error) {
    throw ecsCallError(`DescribeEnvironments for ${identity.environmentId}`, error, "the instance role needs elasticbeanstalk:DescribeEnvironments");
  }
  if (!applicationName) throw ecsCallError(`DescribeEnvironments for ${identity.environmentId}`, new Error("the environment was not found"));
  let settings;
  try {
    settings = await eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: applicationName, EnvironmentName: identity.environmentName }));
  } catch (error) {
    throw ecsCallError(`DescribeConfigurationSettings for ${identity.environmentName}`, error, "the instance role needs elasticbeanstalk:DescribeConfigurationSettings");
  }
  const all = deployedProperties(settings.ConfigurationSettings ?? []);
  return Object.fromEntries(Object.entries(all).filter(([name]) => !name.startsWith(OWN_PREFIX)));
}

/**
 * The environment properties of the deployed configuration. For a running environment
 * DescribeConfigurationSettings may return two sets, the deployed one and a draft of a
 * deployment in progress or failed (API reference): the deployed one is what instances run with.
 */
export function deployedProperties(sets: readonly ConfigurationSettingsDescription[]): Record<string, string> {
  const deployed = sets.find((s) => s.DeploymentStatus === "deployed") ?? sets[0];
  const properties: Record<string, string> = {};
  for (const option of deployed?.OptionSettings ?? []) {
    if (option.Namespace === ENVIRONMENT_NAMESPACE && option.OptionName) properties[option.OptionName] = option.Value ?? "";
  }
  return properties;
}
