// The floor of the skip path, as a yardstick for the start-up bench (dist/floor-probe.cjs, never
// shipped): what any program must do to learn "this deployment is already released" — ask the
// instance metadata for a token and the instance id (IMDSv2), then one SigV4-signed GetItem of
// the release record — with nothing else: no settings, no log, no SDK client. Credentials come
// from the environment (the sandbox's); its only dependency is the SDK's own signer. Argument:
// the table name (the settings module is more than the floor should load).
import { createHash, createHmac, type BinaryLike } from "node:crypto";
import { request } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";
import { PARTITION_KEY, releaseKey } from "../table/table.js";

/** @smithy/signature-v4 takes a hash constructor; node:crypto is the one the SDK uses on Node. */
class NodeSha256 implements Checksum {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", secret as BinaryLike);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error("not used by the signer");
  }
}

function call(url: URL, method: string, headers: Record<string, string>, body = ""): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function main(): Promise<number> {
  const env = process.env;
  const imds = env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? "http://169.254.169.254/";
  const token = await call(new URL("/latest/api/token", imds), "PUT", { "x-aws-ec2-metadata-token-ttl-seconds": "21600" });
  const instance = await call(new URL("/latest/meta-data/instance-id", imds), "GET", { "x-aws-ec2-metadata-token": token.text });
  const endpoint = new URL(env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://dynamodb.${env.AWS_REGION}.amazonaws.com/`);
  const body = JSON.stringify({ TableName: process.argv[2], Key: { [PARTITION_KEY]: { S: releaseKey("floor", instance.text) } }, ConsistentRead: true });
  const signer = new SignatureV4({
    service: "dynamodb",
    region: env.AWS_REGION ?? "us-east-1",
    sha256: NodeSha256,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? "", secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "" },
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: "/",
    query: {},
    headers: { host: endpoint.host, "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem" },
    body,
  });
  const answer = await call(endpoint, "POST", signed.headers, body);
  return token.status === 200 && instance.status === 200 && answer.status === 200 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`floor probe: ${String(error)}\n`);
    process.exit(1);
  },
);
