// Which credentials the SDK's default chain (@aws-sdk/credential-provider-node) would use, in
// the two cases an Elastic Beanstalk instance has: the environment's static keys (fromEnv, the
// chain's first link unless AWS_PROFILE is set), or the instance profile from IMDS (the last
// link, reached only when no profile file, process, web identity or container source is set
// up). Anything else is undefined: the full bundle runs the SDK's chain itself.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Credentials } from "./imds.js";

/** Variables that put a link of the chain before IMDS (or change how IMDS is asked). */
const OTHER_SOURCES = [
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_EC2_METADATA_V1_DISABLED",
] as const;

export type CredentialSource = { kind: "env"; credentials: Credentials } | { kind: "imds" };

export function credentialSource(env: NodeJS.ProcessEnv, home = env.HOME || homedir()): CredentialSource | undefined {
  if (env.AWS_PROFILE !== undefined) return undefined;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (accessKeyId && secretAccessKey) return { kind: "env", credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
  if (OTHER_SOURCES.some((name) => env[name] !== undefined)) return undefined;
  // The shared files (~/.aws/config, ~/.aws/credentials) may hold a default profile the chain uses before IMDS.
  if (existsSync(join(home, ".aws", "config")) || existsSync(join(home, ".aws", "credentials"))) return undefined;
  return { kind: "imds" };
}
