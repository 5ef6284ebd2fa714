// What the Elastic Beanstalk platform keeps on the instance about the current deployment.
// Paths are below EB_MIGRATE_ROOT (default "/").
//
// Documented by AWS: the staging directory /var/app/staging and that hooks run there; the
// application venv under /var/app/venv on Python platforms. Observed on Amazon Linux 2 and
// 2023 platforms (not documented, stable for years): /opt/elasticbeanstalk/deployment/ holds
//   app_version_manifest.json  {"RuntimeSources":{"<app>":{"<version label>":{"s3url":""}}},
//                              "DeploymentId":<n>,"Serial":<n>} (some platforms add "VersionLabel")
//   cfn-metadata-cache.json    {"EbResource":{"AWS::ElasticBeanstalk::Metadata":{"EnvironmentId",
//                              "EnvironmentName",...}}}
//   app_source_bundle          the source bundle (zip) being deployed
//   env                        the environment properties, KEY=value lines
// and /opt/elasticbeanstalk/bin/get-config (documented in "Platform script tools":
// `get-config environment` prints the environment properties as one JSON object; root only).
// Both JSON files are rewritten for each deployment before the hooks of that deployment run.
// Hooks get the properties in their environment on current platform versions only.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const DEPLOYMENT_DIR = "opt/elasticbeanstalk/deployment";
export const GET_CONFIG = "opt/elasticbeanstalk/bin/get-config";
const GET_CONFIG_TIMEOUT_MS = 10_000;

export type EnvironmentProperties =
  | { found: true; properties: Record<string, string> }
  /** `reason` says why, for the operator: no get-config (not an instance), or it failed (not root?). */
  | { found: false; reason: string };

/**
 * The environment properties as EB's own tool prints them (`get-config environment`): only
 * names a shell could export, scalar values as strings.
 */
export async function readGetConfigEnvironment(root: string): Promise<EnvironmentProperties> {
  const tool = join(root, GET_CONFIG);
  if (!existsSync(tool)) return { found: false, reason: `no ${tool}` };
  // Loaded only to run get-config: \`run\` starts on every instance of every deploy.
  const { execFile } = await import("node:child_process");
  return await new Promise((resolve) => {
    execFile(tool, ["environment"], { encoding: "utf8", timeout: GET_CONFIG_TIMEOUT_MS }, (error, stdout) => {
      if (error) return resolve({ found: false, reason: `${tool} environment failed (run as root, e.g. with sudo)` });
      let json: unknown;
      try {
        json = JSON.parse(stdout || "{}");
      } catch {
        json = undefined;
      }
      if (!isObject(json)) return resolve({ found: false, reason: `${tool} environment printed no JSON object` });
      const properties: Record<string, string> = {};
      for (const [name, value] of Object.entries(json)) {
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) properties[name] = String(value);
      }
      resolve({ found: true, properties });
    });
  });
}

/** The properties, or {} when get-config is absent (off an instance), fails, or prints no object. */
export async function environmentProperties(root: string): Promise<Record<string, string>> {
  const read = await readGetConfigEnvironment(root);
  return read.found ? read.properties : {};
}

export interface VersionManifest {
  versionLabel?: string;
  applicationName?: string;
  deploymentId?: string;
}

export async function readVersionManifest(root: string): Promise<VersionManifest | undefined> {
  const json = await readJson(join(root, DEPLOYMENT_DIR, "app_version_manifest.json"));
  if (!isObject(json)) return undefined;
  let versionLabel = typeof json.VersionLabel === "string" ? json.VersionLabel : undefined;
  let applicationName: string | undefined;
  if (isObject(json.RuntimeSources)) {
    const [app, versions] = Object.entries(json.RuntimeSources)[0] ?? [];
    applicationName = app;
    if (!versionLabel && isObject(versions)) versionLabel = Object.keys(versions)[0];
  }
  const id = json.DeploymentId;
  const deploymentId = typeof id === "number" || typeof id === "string" ? String(id) : undefined;
  return { versionLabel, applicationName, deploymentId };
}

export interface EnvironmentMetadata {
  environmentId?: string;
  environmentName?: string;
}

export async function readEnvironmentMetadata(root: string): Promise<EnvironmentMetadata | undefined> {
  const json = await readJson(join(root, DEPLOYMENT_DIR, "cfn-metadata-cache.json"));
  if (!isObject(json) || !isObject(json.EbResource)) return undefined;
  const meta = json.EbResource["AWS::ElasticBeanstalk::Metadata"];
  if (!isObject(meta)) return undefined;
  return {
    environmentId: typeof meta.EnvironmentId === "string" ? meta.EnvironmentId : undefined,
    environmentName: typeof meta.EnvironmentName === "string" ? meta.EnvironmentName : undefined,
  };
}

/** sha256 of the source bundle being deployed, when the platform keeps it; else undefined. */
export async function sourceBundleDigest(root: string): Promise<string | undefined> {
  const path = join(root, DEPLOYMENT_DIR, "app_source_bundle");
  return await new Promise((resolve) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", () => resolve(undefined));
  });
}

async function readJson(path: string): Promise<unknown> {
  try {
    // Small files, read at once (node:fs/promises alone costs \`run\`'s start-up a millisecond).
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
