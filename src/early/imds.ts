// IMDSv2 as the early skip asks it: one session token, then plain GETs (the instance id, the
// region, the instance profile's credentials). The documented protocol
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html):
// PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds, then every GET carries
// X-aws-ec2-metadata-token; a missing key is 404. Credentials
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html#instance-metadata-security-credentials):
// GET iam/security-credentials/ names the role, GET iam/security-credentials/<role> answers
// {"Code":"Success","AccessKeyId","SecretAccessKey","Token","Expiration",...}.
import type { InstanceMetadata } from "../instance/identity.js";
import { exchange } from "./http.js";

const TOKEN_TTL_SECONDS = "21600";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The endpoint the SDK's MetadataService would use: AWS_EC2_METADATA_SERVICE_ENDPOINT, else the
 * IPv4 address. Undefined (the full path decides) for an IPv6 endpoint mode.
 */
export function metadataEndpoint(env: NodeJS.ProcessEnv): URL | undefined {
  const mode = env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE;
  if (mode !== undefined && mode.toUpperCase() !== "IPV4") return undefined;
  try {
    return new URL(env.AWS_EC2_METADATA_SERVICE_ENDPOINT || "http://169.254.169.254");
  } catch {
    return undefined;
  }
}

export class EarlyMetadata implements InstanceMetadata {
  private session: Promise<string> | undefined;

  constructor(
    private readonly endpoint: URL,
    private readonly signal: AbortSignal,
  ) {}

  private token(): Promise<string> {
    this.session ??= exchange(new URL("/latest/api/token", this.endpoint), { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL_SECONDS }, signal: this.signal }).then((answer) => {
      if (answer.status !== 200 || answer.text === "") throw new Error(`IMDS token: HTTP ${answer.status}`);
      return answer.text;
    });
    return this.session;
  }

  async get(path: string): Promise<string | undefined> {
    const answer = await exchange(new URL(`/latest/meta-data/${path}`, this.endpoint), { method: "GET", headers: { "x-aws-ec2-metadata-token": await this.token() }, signal: this.signal });
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw new Error(`IMDS ${path}: HTTP ${answer.status}`);
    const text = answer.text.trim();
    return text === "" ? undefined : text;
  }

  /** The instance profile's credentials; undefined when the instance has none. */
  async credentials(): Promise<Credentials | undefined> {
    const role = (await this.get("iam/security-credentials/"))?.split("\n")[0]?.trim();
    if (!role) return undefined;
    const text = await this.get(`iam/security-credentials/${role}`);
    const json = text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
    if (json?.Code !== "Success" || typeof json.AccessKeyId !== "string" || typeof json.SecretAccessKey !== "string") return undefined;
    return { accessKeyId: json.AccessKeyId, secretAccessKey: json.SecretAccessKey, ...(typeof json.Token === "string" ? { sessionToken: json.Token } : {}) };
  }
}
