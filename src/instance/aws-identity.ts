// The SDK-backed readers discoverIdentity (identity.ts) takes: instance metadata through the
// SDK's MetadataService, and the instance's tags through EC2 DescribeTags.
import { DescribeTagsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
import type { DescribeTags, InstanceMetadata } from "./identity.js";

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

/** DescribeTags filtered to the instance and `keys` (documented filters resource-id and key). */
export function ec2DescribeTags(ec2: (region: string) => EC2Client): DescribeTags {
  return async (region, instanceId, keys) => {
    const out = await ec2(region).send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [instanceId] }, { Name: "key", Values: keys }] }));
    const tags: Record<string, string> = {};
    for (const tag of out.Tags ?? []) if (tag.Key && tag.Value) tags[tag.Key] = tag.Value;
    return tags;
  };
}
