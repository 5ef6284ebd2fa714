// Who this process is and which deployment it is part of, with as few calls as possible:
// IMDSv2 for the instance id and region (documented), EB's on-instance files for the
// environment and deployment (observed, see eb-files.ts), and only when those are missing the
// instance's tags (IMDS tags when enabled, else EC2 DescribeTags — documented).
//
// No AWS SDK here: the early skip (src/early/) discovers the same identity with its own
// metadata reader; the SDK-backed readers are in aws-identity.ts.
import { ConfigError } from "../cli/errors.js";
import { envRegion } from "../config/environment.js";
import { readEnvironmentMetadata, readVersionManifest, sourceBundleDigest } from "./eb-files.js";
import type { Deployment, Identity } from "./types.js";

export interface InstanceMetadata {
  /** The value under /latest/meta-data/, trimmed; undefined when missing (404) or empty. */
  get(path: string): Promise<string | undefined>;
}

/** The instance's tags `keys` from EC2 (DescribeTags), when IMDS does not have them. */
export type DescribeTags = (region: string, instanceId: string, keys: string[]) => Promise<Record<string, string>>;

export interface IdentityDeps {
  env: NodeJS.ProcessEnv;
  root: string;
  metadata: InstanceMetadata;
  /** Only used when neither the on-instance files nor IMDS tags name the environment. */
  describeTags: DescribeTags;
}

export async function discoverIdentity({ env, root, metadata, describeTags }: IdentityDeps): Promise<Identity> {
  let instanceId: string | undefined;
  let region: string | undefined;
  try {
    [instanceId, region] = await Promise.all([metadata.get("instance-id"), metadata.get("placement/region")]);
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
    const tags = await instanceTags(instanceId, region, metadata, describeTags);
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

async function instanceTags(instanceId: string, region: string, metadata: InstanceMetadata, describeTags: DescribeTags): Promise<Record<string, string>> {
  const wanted = ["elasticbeanstalk:environment-id", "elasticbeanstalk:environment-name", "aws:autoscaling:groupName"];
  const tags: Record<string, string> = {};
  for (const key of wanted) {
    const value = await metadata.get(`tags/instance/${key}`).catch(() => undefined);
    if (value) tags[key] = value;
  }
  if (tags["elasticbeanstalk:environment-id"]) return tags;
  return { ...tags, ...(await describeTags(region, instanceId, wanted)) };
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
