// The files a real Elastic Beanstalk instance keeps for its current deployment, under the
// instance's root (its EB_MIGRATE_ROOT) instead of `/`.
//
// Documented by AWS: hooks and container_commands run in the staging directory
// /var/app/staging with the environment properties in their environment (platforms-linux-extend).
// Observed on Amazon Linux 2 / 2023 platforms (not documented, but stable for years):
// - /opt/elasticbeanstalk/deployment/app_version_manifest.json:
//   {"RuntimeSources":{"<application>":{"<version label>":{"s3url":""}}},"DeploymentId":<int>,"Serial":<int>}
//   (some platform branches also carry "VersionLabel"; we leave it out, so readers rely on
//   RuntimeSources, which every branch has);
// - /opt/elasticbeanstalk/deployment/cfn-metadata-cache.json, whose
//   EbResource."AWS::ElasticBeanstalk::Metadata" names the environment;
// - /opt/elasticbeanstalk/deployment/env: the environment properties as KEY=value lines
//   (what `/opt/elasticbeanstalk/bin/get-config environment` reads).
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DEPLOYMENT_DIR } from "../instance/eb-files.js";
import type { SandboxEnvironment, SandboxInstance } from "./environment.js";

export const STAGING_DIR = "var/app/staging";

async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

/** `KEY=value` lines; values are written raw, as the platform does (no quoting). */
export function formatEnvFile(properties: Record<string, string>): string {
  return Object.entries(properties)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}\n`)
    .join("");
}

export async function writeInstanceFiles(env: SandboxEnvironment, instance: SandboxInstance): Promise<void> {
  const { identity } = env;
  const deploymentDir = join(instance.root, DEPLOYMENT_DIR);
  const { versionLabel, deploymentId } = instance.deployment;
  const manifest = {
    RuntimeSources: { [identity.applicationName]: { [versionLabel]: { s3url: "" } } },
    DeploymentId: deploymentId,
    Serial: deploymentId,
  };
  const cfnMetadata = {
    EbResource: {
      "AWS::ElasticBeanstalk::Metadata": {
        EnvironmentId: identity.id,
        EnvironmentName: identity.name,
        EnvironmentBucket: `elasticbeanstalk-${identity.region}-${identity.accountId}`,
        AWSEBAutoScalingGroup: instance.autoScalingGroup,
        Region: identity.region,
      },
    },
  };
  await mkdir(join(instance.root, STAGING_DIR), { recursive: true });
  await Promise.all([
    writeAtomically(join(deploymentDir, "app_version_manifest.json"), `${JSON.stringify(manifest)}\n`),
    writeAtomically(join(deploymentDir, "cfn-metadata-cache.json"), `${JSON.stringify(cfnMetadata, null, 2)}\n`),
    writeAtomically(join(deploymentDir, "env"), formatEnvFile(env.properties)),
  ]);
}
