// The deployment an environment runs now, as its instances name it (`<version label>#<deployment
// id>`, the key of the release record): the version label from DescribeEnvironments, the
// deployment id from the instances' enhanced health (DescribeInstancesHealth, attribute
// Deployment), the newest one holding that label.
import { DescribeEnvironmentsCommand, DescribeInstancesHealthCommand, type ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import { isPermissionDenied } from "../aws/errors.js";
import { ConfigError, credentialsError, describeError } from "../cli/errors.js";
import type { Deployment } from "../instance/types.js";

export async function currentDeployment(eb: ElasticBeanstalkClient, environment: { environmentId: string; environmentName: string }, deploymentId?: string): Promise<Deployment> {
  const call = async <T>(what: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      const credentials = credentialsError(error, `${what} for ${environment.environmentName}`);
      if (credentials) throw credentials;
      const fix = isPermissionDenied(error) ? `; the credentials need elasticbeanstalk:${what}` : "";
      throw new ConfigError(`${what} for ${environment.environmentName} failed: ${describeError(error)}${fix}`, { cause: error });
    }
  };
  const found = await call("DescribeEnvironments", () => eb.send(new DescribeEnvironmentsCommand({ EnvironmentIds: [environment.environmentId], IncludeDeleted: false })));
  const versionLabel = found.Environments?.[0]?.VersionLabel;
  if (!versionLabel) throw new ConfigError(`${environment.environmentName} runs no application version yet; deploy one first`);
  if (deploymentId !== undefined) return { key: `${versionLabel}#${deploymentId}`, versionLabel, deploymentId, source: "--deployment-id" };
  let newest: number | undefined;
  let token: string | undefined;
  do {
    const page = await call("DescribeInstancesHealth", () =>
      eb.send(new DescribeInstancesHealthCommand({ EnvironmentName: environment.environmentName, AttributeNames: ["Deployment"], ...(token ? { NextToken: token } : {}) })),
    );
    for (const instance of page.InstanceHealthList ?? []) {
      const d = instance.Deployment;
      if (d?.VersionLabel === versionLabel && typeof d.DeploymentId === "number") newest = Math.max(newest ?? 0, d.DeploymentId);
    }
    token = page.NextToken;
  } while (token);
  if (newest === undefined) {
    throw new ConfigError(
      `no instance of ${environment.environmentName} reports the deployment of ${versionLabel} (the environment is scaled to zero, or enhanced health is off); pass --deployment-id N (the "DeploymentId" in /opt/elasticbeanstalk/deployment/app_version_manifest.json)`,
    );
  }
  return { key: `${versionLabel}#${newest}`, versionLabel, deploymentId: String(newest), source: "DescribeInstancesHealth" };
}
