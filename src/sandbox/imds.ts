// Instance metadata (IMDSv2), one listener per instance, so a process whose
// AWS_EC2_METADATA_SERVICE_ENDPOINT points at it *is* that instance. Separate listeners because
// the SDK's MetadataService ignores the endpoint's path for the token PUT (it always asks
// /latest/api/token), so one listener with per-instance paths would mix instances up.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxEnvironment, SandboxInstance } from "./environment.js";
import { instanceTags } from "./ec2.js";
import { applyFault } from "./fault-response.js";
import type { FaultInjector } from "./faults.js";
import { listen, send, type Listener } from "./http.js";
import { newMetadataToken } from "./ids.js";
import { IMAGE_ID, INSTANCE_TYPE, isoSeconds, privateDnsName } from "./facts.js";
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY } from "./state.js";

/** The instance profile's role: the one Elastic Beanstalk creates by default. */
export const INSTANCE_ROLE = "aws-elasticbeanstalk-ec2-role";

export const TOKEN_HEADER = "x-aws-ec2-metadata-token";
export const TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds";
const MAX_TTL_SECONDS = 21_600;

export interface ImdsOptions {
  /** Answer requests without a token (IMDSv1). Off by default, as on Amazon Linux 2023. */
  imdsV1: boolean;
  faults: FaultInjector;
  now?: () => number;
}

const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => send(res, status, "text/plain", body, headers);

/** The error pages IMDS answers are tiny HTML documents; the status is what clients look at. */
function page(res: ServerResponse, status: number, title: string): void {
  send(res, status, "text/html", `<?xml version="1.0" encoding="iso-8859-1"?>\n<html><head><title>${status} - ${title}</title></head><body><h1>${status} - ${title}</h1></body></html>\n`);
}

export async function startImds(env: SandboxEnvironment, instance: SandboxInstance, options: ImdsOptions): Promise<Listener> {
  const now = options.now ?? (() => performance.now());
  const tokens = new Map<string, number>();
  const writeError = (res: ServerResponse, _code: string, message: string, status: number) => text(res, status, `${message}\n`);

  return listen(async (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    // The SDK joins the endpoint's path "/" with "/latest/...": collapse repeated slashes first
    // ("//latest/..." would otherwise parse as a URL whose host is "latest").
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? "/").split("?")[0]!.replace(/\/{2,}/g, "/"));
    } catch {
      return page(res, 400, "Bad Request");
    }
    const operation = path.replace(/^\/latest\//, "");
    if (await applyFault(options.faults.decide("imds", operation, instance.id), "imds", res, writeError)) return;

    if (path === "/latest/api/token") {
      if (req.method !== "PUT") return page(res, 405, "Method Not Allowed");
      // A request that went through a proxy is refused (IMDSv2's SSRF protection).
      if (req.headers["x-forwarded-for"] !== undefined) return page(res, 403, "Forbidden");
      const ttl = Number(req.headers[TTL_HEADER]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) return page(res, 400, "Bad Request");
      const token = newMetadataToken();
      tokens.set(token, now() + ttl * 1000);
      return text(res, 200, token, { [TTL_HEADER]: String(ttl) });
    }
    if (req.method !== "GET" && req.method !== "HEAD") return page(res, 405, "Method Not Allowed");

    const token = req.headers[TOKEN_HEADER];
    if (typeof token === "string") {
      const expires = tokens.get(token);
      if (expires === undefined || expires <= now()) return page(res, 401, "Unauthorized");
    } else if (!options.imdsV1) {
      return page(res, 401, "Unauthorized");
    }

    const entries = metadata(env, instance);
    const key = path.replace(/^\/latest\/?/, "");
    const value = entries.get(key);
    if (value !== undefined) return text(res, 200, value);
    const listing = list(entries, key);
    if (listing !== undefined) return text(res, 200, listing);
    return page(res, 404, "Not Found");
  });
}

/** The directory listing of `dir` ("meta-data/"), or undefined when it is not a directory. */
function list(entries: Map<string, string>, dir: string): string | undefined {
  const prefix = dir === "" || dir.endsWith("/") ? dir : `${dir}/`;
  const names = new Set<string>();
  for (const key of entries.keys()) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    names.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return names.size === 0 ? undefined : [...names].sort().join("\n");
}

/**
 * The steady state Auto Scaling is moving the instance to: InService, Terminated, Detached or
 * Standby (no warm pool here), updated when the transition starts.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/retrieving-target-lifecycle-state-through-imds.html
 */
function targetLifecycleState(i: SandboxInstance): string {
  if (i.lifecycle.startsWith("Terminat")) return "Terminated";
  if (i.lifecycle === "Detaching" || i.lifecycle === "Detached") return "Detached";
  if (i.lifecycle === "EnteringStandby" || i.lifecycle === "Standby") return "Standby";
  return "InService";
}

/** What this instance's IMDS serves, read afresh on each request (lifecycle and tags change). */
function metadata(env: SandboxEnvironment, i: SandboxInstance): Map<string, string> {
  const { region, accountId } = env.identity;
  const hostname = privateDnsName(i.privateIp);
  const tags = instanceTags(env, i);
  const entries = new Map<string, string>([
    ["meta-data/ami-id", IMAGE_ID],
    ["meta-data/ami-launch-index", "0"],
    ["meta-data/hostname", hostname],
    ["meta-data/instance-id", i.id],
    ["meta-data/instance-life-cycle", "on-demand"],
    ["meta-data/instance-type", INSTANCE_TYPE],
    ["meta-data/local-hostname", hostname],
    ["meta-data/local-ipv4", i.privateIp],
    ["meta-data/placement/availability-zone", i.availabilityZone],
    ["meta-data/placement/availability-zone-id", `use1-az${"abc".indexOf(i.availabilityZone.slice(-1)) + 1}`],
    ["meta-data/placement/region", region],
    ["meta-data/reservation-id", i.reservationId],
    ["meta-data/security-groups", `awseb-${env.identity.id}-stack-AWSEBSecurityGroup`],
    ["meta-data/autoscaling/target-lifecycle-state", targetLifecycleState(i)],
    [
      "dynamic/instance-identity/document",
      JSON.stringify(
        {
          accountId,
          architecture: "x86_64",
          availabilityZone: i.availabilityZone,
          imageId: IMAGE_ID,
          instanceId: i.id,
          instanceType: INSTANCE_TYPE,
          pendingTime: isoSeconds(i.launchTime),
          privateIp: i.privateIp,
          region,
          version: "2017-09-30",
        },
        null,
        2,
      ),
    ],
  ]);
  for (const [k, v] of Object.entries(tags)) entries.set(`meta-data/tags/instance/${k}`, v);
  // The instance profile's credentials, as IMDS serves them
  // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html#instance-metadata-security-credentials):
  // the role's name under iam/security-credentials/, its temporary credentials as JSON below it.
  // The sandbox's own keys (no service checks signatures), with a session token as STS gives.
  const issued = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  entries.set("meta-data/iam/info", JSON.stringify({ Code: "Success", LastUpdated: isoSeconds(issued), InstanceProfileArn: `arn:aws:iam::${accountId}:instance-profile/${INSTANCE_ROLE}`, InstanceProfileId: "AIPASANDBOXEXAMPLE00" }, null, 2));
  entries.set(
    `meta-data/iam/security-credentials/${INSTANCE_ROLE}`,
    JSON.stringify(
      {
        Code: "Success",
        LastUpdated: isoSeconds(issued),
        Type: "AWS-HMAC",
        AccessKeyId: SANDBOX_ACCESS_KEY_ID,
        SecretAccessKey: SANDBOX_SECRET_ACCESS_KEY,
        Token: "sandbox-session-token",
        Expiration: isoSeconds(new Date(issued.getTime() + 6 * 3_600_000)),
      },
      null,
      2,
    ),
  );
  return entries;
}
