// Who this process is and which deployment it is part of, with as few calls as possible:
// IMDSv2 for the instance id and region (documented), EB's on-instance files for the
// environment and deployment (observed, see eb-files.ts), and only when those are missing the
// instance's tags (IMDS tags when enabled, else EC2 DescribeTags — documented).
import { DescribeTagsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
import { ConfigError } from "../cli/errors.js";
import { envRegion } from "../config/environment.js";
import { readEnvironmentMetadata, readVersionManifest, sourceBundleDigest } from "./eb-files.js";
import type { Deployment, Identity } from "./types.js";

export interface InstanceMetadata {
  get(path: string): Promise<string | undefined>;
}

/** IMDSv2 (token first), via the SDK's metadata client; endpoint from the standard variable. */
export function instanceMetadata(env: NodeJS.ProcessEnv): InstanceMetadata {
  const service = new MetadataService({
    ...(env.AWS_EC2_METADATA_SERVICE_ENDPOINT ? { endpoint: env.AWS_EC2_METADATA_SERVICE_ENDPOINT } : {}),
    httpOptions: { timeout: 2000 },
    retries: 2,
    backoff: 0.2,
  });
  return {
    async get(path) {
      try {
        const text = await service.request(`/latest/meta-data/${path}`, {});
        return text.trim() === "" ? undefined : text.trim();
      } catch (error) {
        // A missing key (404, e.g. tags not enabled in metadata) is "unknown", not a failure.
        if (/\b404\b|not found/i.test(String((error as Error).message))) return undefined;
        throw error;
      }
    },
  };
}

export interface IdentityDeps {
  env: NodeJS.ProcessEnv;
  root: string;
  metadata: InstanceMetadata;
  /** Only used when the on-instance files do not name the environment. */
  ec2: (region: string) => EC2Client;
}

export async function discoverIdentity({ env, root, metadata, ec2 }: IdentityDeps): Promise<Identity> {
  let instanceId: string | undefined;
  let region: string | undefined;
  try {
    instanceId = await metadata.get("instance-id");
    region = await metadata.get("placement/region");
  } catch (error) {
    throw new ConfigError(
      `cannot reach the instance metadata service (${(error as Error).message}); run eb-migrate on an Elastic Beanstalk instance, or set AWS_EC2_METADATA_SERVICE_ENDPOINT (e.g. to the sandbox)`,
      { cause: error },
    );
  }
  if (!instanceId) throw new ConfigError("the instance metadata service returned no instance-id; is this an EC2 instance?");
  region ??= envRegion(env);
  if (!region) throw new ConfigError("cannot tell the AWS region: metadata has no placement/region and AWS_REGION is not set");

  const fromFiles = await readEnvironmentMetadata(root);
  let environmentId = fromFiles?.environmentId;
  let environmentName = fromFiles?.environmentName;
  let autoScalingGroup: string | undefined;
  if (!environmentId || !environmentName) {
    const tags = await instanceTags(instanceId, region, metadata, ec2);
    environmentId ??= tags["elasticbeanstalk:environment-id"];
    environmentName ??= tags["elasticbeanstalk:environment-name"];
    autoScalingGroup = tags["aws:autoscaling:groupName"];
  }
  if (!environmentId || !environmentName) {
    throw new ConfigError(
      `instance ${instanceId} belongs to no Elastic Beanstalk environment (no ${"opt/elasticbeanstalk/deployment/cfn-metadata-cache.json"} under ${root} and no elasticbeanstalk:environment-id tag)`,
    );
  }
  return { instanceId, region, environmentId, environmentName, ...(autoScalingGroup ? { autoScalingGroup } : {}) };
}

async function instanceTags(instanceId: string, region: string, metadata: InstanceMetadata, ec2: IdentityDeps["ec2"]): Promise<Record<string, string>> {
  const wanted = ["elasticbeanstalk:environment-id", "elasticbeanstalk:environment-name", "aws:autoscaling:groupName"];
  const tags: Record<string, string> = {};
  for (const key of wanted) {
    const value = await metadata.get(`tags/instance/${key}`).catch(() => undefined);
    if (value) tags[key] = value;
  }
  if (tags["elasticbeanstalk:environment-id"]) return tags;
  const out = await ec2(region).send(
    new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [instanceId] }, { Name: "key", Values: wanted }] }),
  );
  for (const tag of out.Tags ?? []) if (tag.Key && tag.Value) tags[tag.Key] = tag.Value;
  return tags;
}

/** The deployment key: version label + deployment id, else a digest of the source bundle. */
export async function discoverDeployment(root: string): Promise<Deployment> {
  const manifest = await readVersionManifest(root);
  if (manifest?.versionLabel && manifest.deploymentId) {
    return {
      key: `${manifest.versionLabel}#${manifest.deploymentId}`,
      versionLabel: manifest.versionLabel,
      deploymentId: manifest.deploymentId,
      source: "app_version_manifest.json",
    };
  }
  const digest = await sourceBundleDigest(root);
  if (digest) {
    return { key: `bundle-${digest.slice(0, 32)}`, ...(manifest?.versionLabel ? { versionLabel: manifest.versionLabel } : {}), source: "source bundle digest" };
  }
  throw new ConfigError(
    `cannot tell which deployment this is: neither ${root.replace(/\/$/, "")}/opt/elasticbeanstalk/deployment/app_version_manifest.json nor app_source_bundle exists; run eb-migrate from an Elastic Beanstalk deployment hook`,
  );
}
