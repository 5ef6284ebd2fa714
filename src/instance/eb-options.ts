// The environment's deployed option settings (DescribeConfigurationSettings needs the
// application's name, which DescribeEnvironments gives).
import { DescribeConfigurationSettingsCommand, DescribeEnvironmentsCommand, type ConfigurationOptionSetting, type ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import type { Identity } from "./types.js";

export async function deployedOptionSettings(eb: ElasticBeanstalkClient, identity: Pick<Identity, "environmentId" | "environmentName">, abortSignal?: AbortSignal): Promise<ConfigurationOptionSetting[]> {
  const options = abortSignal ? { abortSignal } : {};
  const found = await eb.send(new DescribeEnvironmentsCommand({ EnvironmentIds: [identity.environmentId], IncludeDeleted: false }), options);
  const applicationName = found.Environments?.[0]?.ApplicationName;
  if (!applicationName) throw new Error(`environment ${identity.environmentId} was not found`);
  const settings = await eb.send(new DescribeConfigurationSettingsCommand({ ApplicationName: applicationName, EnvironmentName: identity.environmentName }), options);
  const sets = settings.ConfigurationSettings ?? [];
  return (sets.find((s) => s.DeploymentStatus === "deployed") ?? sets[0])?.OptionSettings ?? [];
}
