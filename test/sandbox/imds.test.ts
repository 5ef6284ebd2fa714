// Instance metadata: each instance's endpoint answers as that instance, IMDSv2 token rules
// (a request without a token is refused unless IMDSv1 is on), and faults on IMDS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataService } from "@aws-sdk/ec2-metadata-service";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ instances: 2, lifecycle: { terminatingMs: 10 } });
});
afterAll(async () => {
  await sandbox?.stop();
});

const endpointOf = (index: number) => sandbox.state().instances[index]!.env.AWS_EC2_METADATA_SERVICE_ENDPOINT!;
const url = (index: number, path: string) => new URL(path, endpointOf(index)).toString();

async function token(index: number, ttl = "60"): Promise<string> {
  const response = await fetch(url(index, "/latest/api/token"), { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": ttl } });
  expect(response.status).toBe(200);
  return response.text();
}

describe("IMDSv2 through the SDK's MetadataService", () => {
  it("answers as the instance whose endpoint it is", async () => {
    for (const [index, entry] of sandbox.state().instances.entries()) {
      const service = new MetadataService({ endpoint: endpointOf(index), retries: 0 });
      expect(await service.request("/latest/meta-data/instance-id", {})).toBe(entry.id);
      expect(await service.request("/latest/meta-data/placement/region", {})).toBe("us-east-1");
      expect(await service.request("/latest/meta-data/placement/availability-zone", {})).toMatch(/^us-east-1[abc]$/);
      expect(await service.request(`/latest/meta-data/tags/instance/elasticbeanstalk:environment-id`, {})).toBe(sandbox.state().environment.id);
      expect(await service.request(`/latest/meta-data/tags/instance/aws:autoscaling:groupName`, {})).toBe(sandbox.state().environment.autoScalingGroup);
      const document = JSON.parse(await service.request("/latest/dynamic/instance-identity/document", {})) as Record<string, string>;
      expect(document).toMatchObject({ instanceId: entry.id, region: "us-east-1", accountId: "123456789012" });
    }
  });

  it("lists directories and answers 404 for unknown paths", async () => {
    const service = new MetadataService({ endpoint: endpointOf(0), retries: 0 });
    const tags = (await service.request("/latest/meta-data/tags/instance", {})).split("\n");
    expect(tags).toEqual(expect.arrayContaining(["Name", "elasticbeanstalk:environment-name", "aws:cloudformation:stack-name"]));
    expect((await service.request("/latest/meta-data/", {})).split("\n")).toEqual(expect.arrayContaining(["instance-id", "placement/", "tags/"]));
    await expect(service.request("/latest/meta-data/no-such-thing", {})).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});

describe("token rules", () => {
  it("refuses a request without a token (IMDSv1 off) and accepts one with a valid token", async () => {
    expect((await fetch(url(0, "/latest/meta-data/instance-id"))).status).toBe(401);
    const t = await token(0);
    const response = await fetch(url(0, "/latest/meta-data/instance-id"), { headers: { "x-aws-ec2-metadata-token": t } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(sandbox.state().instances[0]!.id);
  });

  it("refuses an unknown token and another instance's token", async () => {
    expect((await fetch(url(0, "/latest/meta-data/instance-id"), { headers: { "x-aws-ec2-metadata-token": "made-up" } })).status).toBe(401);
    const other = await token(1);
    expect((await fetch(url(0, "/latest/meta-data/instance-id"), { headers: { "x-aws-ec2-metadata-token": other } })).status).toBe(401);
  });

  it("needs a TTL from 1 to 21600 seconds, a PUT, and no X-Forwarded-For", async () => {
    const put = (headers: Record<string, string>) => fetch(url(0, "/latest/api/token"), { method: "PUT", headers });
    expect((await put({})).status).toBe(400);
    expect((await put({ "x-aws-ec2-metadata-token-ttl-seconds": "0" })).status).toBe(400);
    expect((await put({ "x-aws-ec2-metadata-token-ttl-seconds": "21601" })).status).toBe(400);
    expect((await put({ "x-aws-ec2-metadata-token-ttl-seconds": "21600", "x-forwarded-for": "10.0.0.1" })).status).toBe(403);
    expect((await fetch(url(0, "/latest/api/token"))).status).toBe(405);
  });

  it("expires a token after its TTL", async () => {
    const t = await token(0, "1");
    expect((await fetch(url(0, "/latest/meta-data/instance-id"), { headers: { "x-aws-ec2-metadata-token": t } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await fetch(url(0, "/latest/meta-data/instance-id"), { headers: { "x-aws-ec2-metadata-token": t } })).status).toBe(401);
  });

  it("answers without a token when IMDSv1 is on", async () => {
    const v1 = await startSandbox({ instances: 1, imdsV1: true });
    try {
      const entry = v1.state().instances[0]!;
      const response = await fetch(new URL("/latest/meta-data/instance-id", entry.env.AWS_EC2_METADATA_SERVICE_ENDPOINT));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(entry.id);
    } finally {
      await v1.stop();
    }
  });
});

describe("faults and lifecycle", () => {
  it("injects errors and outages on IMDS, per path", async () => {
    const service = new MetadataService({ endpoint: endpointOf(0), retries: 0 });
    sandbox.injectFault({ service: "imds", operation: "meta-data/instance-id", error: "InternalServerError", count: 1 });
    await expect(service.request("/latest/meta-data/instance-id", {})).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    sandbox.injectFault({ service: "imds", operation: "api/token", outage: true, count: 1 });
    await expect(fetch(url(0, "/latest/api/token"), { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).rejects.toThrow();
    expect(await service.request("/latest/meta-data/instance-id", {})).toBe(sandbox.state().instances[0]!.id);
  });

  it("tells the target lifecycle state, and stops answering once the instance is terminated", async () => {
    const entry = await sandbox.launch({ wait: true });
    const service = new MetadataService({ endpoint: entry.env.AWS_EC2_METADATA_SERVICE_ENDPOINT!, retries: 0 });
    expect(await service.request("/latest/meta-data/autoscaling/target-lifecycle-state", {})).toBe("InService");
    await sandbox.terminate(entry.id, { wait: true });
    await expect(fetch(new URL("/latest/api/token", entry.env.AWS_EC2_METADATA_SERVICE_ENDPOINT), { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).rejects.toThrow();
  });
});
