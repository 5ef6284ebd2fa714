// Which environment `status` looks at: this instance's (identity discovery) or, from a laptop,
// one named with --env (DescribeEnvironments in the region of the usual settings).
import { DescribeEnvironmentsCommand } from "@aws-sdk/client-elastic-beanstalk";
import { createClients } from "../aws/clients.js";
import { isPermissionDenied } from "../aws/errors.js";
import { ConfigError, credentialsError, describeError } from "../cli/errors.js";
import { envRegion } from "../config/environment.js";
import { ec2DescribeTags, instanceMetadata } from "../instance/aws-identity.js";
import { discoverIdentity } from "../instance/identity.js";

export interface EnvironmentTarget {
  region: string;
  environmentId: string;
  environmentName: string;
  /** Known when found with --env (DescribeEnvironments); on an instance get-config is used instead. */
  applicationName?: string;
}

export interface TargetInput {
  env: NodeJS.ProcessEnv;
  root: string;
  environmentName?: string;
  region?: string;
}

export async function resolveTarget(input: TargetInput): Promise<EnvironmentTarget> {
  const { env } = input;
  if (input.environmentName === undefined) {
    const identity = await discoverIdentity({ env, root: input.root, metadata: instanceMetadata(env), describeTags: ec2DescribeTags((region) => createClients({ region }).ec2) });
    return { region: input.region ?? identity.region, environmentId: identity.environmentId, environmentName: identity.environmentName };
  }
  const region = input.region ?? envRegion(env);
  if (!region) throw new ConfigError(`cannot tell the AWS region of environment ${input.environmentName}: pass --region or set AWS_REGION`);
  const clients = createClients({ region, maxAttempts: 2 });
  let environments;
  try {
    environments = (await clients.elasticBeanstalk.send(new DescribeEnvironmentsCommand({ EnvironmentNames: [input.environmentName], IncludeDeleted: false }))).Environments ?? [];
  } catch (error) {
    const credentials = credentialsError(error);
    if (credentials) throw credentials;
    if (isPermissionDenied(error)) {
      throw new ConfigError(`elasticbeanstalk:DescribeEnvironments was denied (${describeError(error)}); use credentials that may describe environment ${input.environmentName}`, { cause: error });
    }
    throw new ConfigError(`could not look up environment ${input.environmentName} in ${region}: ${describeError(error)}`, { cause: error });
  }
  const found = environments.find((e) => e.EnvironmentName === input.environmentName && e.EnvironmentId);
  if (!found) throw new ConfigError(`no Elastic Beanstalk environment named ${input.environmentName} in ${region}; check --env and --region`);
  return { region, environmentId: found.EnvironmentId!, environmentName: input.environmentName, ...(found.ApplicationName ? { applicationName: found.ApplicationName } : {}) };
}
