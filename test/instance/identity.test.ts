// Who am I: IMDSv2 and EB's on-instance files first; instance tags (EC2 DescribeTags) only when
// the files are missing; the deployment key from the version manifest or the bundle digest.
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import { DEPLOYMENT_DIR } from "../../src/instance/eb-files.js";
import { ec2DescribeTags, instanceMetadata } from "../../src/instance/aws-identity.js";
import { discoverDeployment, discoverIdentity } from "../../src/instance/identity.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ instances: 2 });
});
afterAll(async () => sandbox?.stop());

function deps(index: number) {
  const instance = sandbox.state().instances[index]!;
  const env = instance.env;
  let ec2Calls = 0;
  return {
    instance,
    ec2Calls: () => ec2Calls,
    deps: {
      env,
      root: env.EB_MIGRATE_ROOT!,
      metadata: instanceMetadata(env),
      describeTags: ec2DescribeTags((region: string) => {
        ec2Calls++;
        return new EC2Client({ region, endpoint: env.AWS_ENDPOINT_URL_EC2, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! } });
      }),
    },
  };
}

describe("discoverIdentity", () => {
  it("reads instance id and region from IMDSv2 and the environment from EB's files, with no EC2 call", async () => {
    const d = deps(0);
    const identity = await discoverIdentity(d.deps);
    const state = sandbox.state();
    expect(identity).toEqual({ instanceId: d.instance.id, region: state.region, environmentId: state.environment.id, environmentName: state.environment.name });
    expect(d.ec2Calls()).toBe(0);
  });

  it("takes the metadata's region over AWS_REGION and AWS_DEFAULT_REGION", async () => {
    const d = deps(0);
    const identity = await discoverIdentity({ ...d.deps, env: { ...d.deps.env, AWS_REGION: "xx-test-1", AWS_DEFAULT_REGION: "xx-test-2" } });
    expect(identity.region).toBe(sandbox.state().region);
  });

  it("falls back to the instance's tags when EB's metadata file is missing: from IMDS, else EC2 DescribeTags", async () => {
    const d = deps(1);
    await rm(join(d.deps.root, DEPLOYMENT_DIR, "cfn-metadata-cache.json"));
    const fromImds = await discoverIdentity(d.deps);
    expect(fromImds.environmentId).toBe(sandbox.state().environment.id);
    expect(fromImds.autoScalingGroup).toBe(d.instance.autoScalingGroup);
    expect(d.ec2Calls()).toBe(0);
    // Tags in instance metadata are off by default on EC2: then one DescribeTags call.
    const fault = sandbox.injectFault({ service: "imds", operation: "meta-data/tags/instance/elasticbeanstalk:environment-id", error: "NotFound" });
    const fromEc2 = await discoverIdentity(d.deps);
    expect(fault.id).toBeTruthy();
    expect(sandbox.faults()[0]?.hits).toBeGreaterThan(0);
    expect(fromEc2.environmentId).toBe(sandbox.state().environment.id);
    expect(fromEc2.environmentName).toBe(sandbox.state().environment.name);
    expect(d.ec2Calls()).toBe(1);
    sandbox.clearFaults();
  });

  it("says how to fix an unreachable metadata service (exit 2)", async () => {
    const d = deps(0);
    const error = await discoverIdentity({ ...d.deps, metadata: instanceMetadata({ AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9/" }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/instance metadata service.*AWS_EC2_METADATA_SERVICE_ENDPOINT/);
  });
});

describe("discoverDeployment", () => {
  it("uses the version label and deployment id of the manifest", async () => {
    const state = sandbox.state();
    const deployment = await discoverDeployment(state.instances[0]!.env.EB_MIGRATE_ROOT!);
    expect(deployment).toMatchObject({ key: `${state.environment.versionLabel}#${state.environment.deploymentId}`, versionLabel: state.environment.versionLabel, source: "app_version_manifest.json" });
  });

  it("falls back to a digest of the source bundle, and refuses when neither exists", async () => {
    const root = sandbox.state().instances[0]!.env.EB_MIGRATE_ROOT!;
    await rm(join(root, DEPLOYMENT_DIR, "app_version_manifest.json"));
    await writeFile(join(root, DEPLOYMENT_DIR, "app_source_bundle"), "zip bytes");
    const a = await discoverDeployment(root);
    expect(a.key).toMatch(/^bundle-[0-9a-f]{32}$/);
    await writeFile(join(root, DEPLOYMENT_DIR, "app_source_bundle"), "other zip bytes");
    expect((await discoverDeployment(root)).key).not.toBe(a.key);
    await rm(join(root, DEPLOYMENT_DIR, "app_source_bundle"));
    await expect(discoverDeployment(root)).rejects.toThrow(/cannot tell which deployment this is/);
  });
});
