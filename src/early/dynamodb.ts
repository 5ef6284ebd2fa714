// One GetItem, signed with the SDK's own SigV4 signer (@smithy/signature-v4, the class every
// SDK client signs with) and the SDK's Node SHA-256: DynamoDB's JSON protocol
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html): POST / with
// X-Amz-Target DynamoDB_20120810.GetItem and Content-Type application/x-amz-json-1.0; the answer
// is {"Item": {...}} in DynamoDB's attribute-value JSON, or {} when there is no such item.
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Item } from "../table/item-table.js";
import { exchange } from "./http.js";
import type { Credentials } from "./imds.js";

/**
 * The endpoint the SDK's DynamoDB client would call, for the cases the early skip handles: the
 * configured endpoint (AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), else the regional endpoint of the standard partition
 * (https://docs.aws.amazon.com/general/latest/gr/ddb.html). FIPS, dual-stack and the other
 * partitions are left to the SDK's endpoint rules (undefined).
 */
export function dynamodbEndpoint(env: NodeJS.ProcessEnv, region: string): URL | undefined {
  const configured = truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ? undefined : env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL;
  if (configured) {
    try {
      return new URL(configured);
    } catch {
      return undefined;
    }
  }
  if (truthy(env.AWS_USE_FIPS_ENDPOINT) || truthy(env.AWS_USE_DUALSTACK_ENDPOINT)) return undefined;
  if (!/^(af|ap|ca|eu|il|me|mx|sa|us)-[a-z]+-\d$/.test(region) || region.startsWith("us-gov-")) return undefined;
  return new URL(`https://dynamodb.${region}.amazonaws.com/`);
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() === "true";
}

export interface GetItemInput {
  endpoint: URL;
  region: string;
  credentials: Credentials;
  table: string;
  key: Item;
  signal: AbortSignal;
}

/** The item (strongly consistent, as ItemTable.read asks), or undefined; throws on any other answer. */
export async function getItem({ endpoint, region, credentials, table, key, signal }: GetItemInput): Promise<Item | undefined> {
  const body = JSON.stringify({ TableName: table, Key: key, ConsistentRead: true });
  const signer = new SignatureV4({ service: "dynamodb", region, sha256: Sha256, credentials });
  const signed = await signer.sign({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname,
    query: {},
    headers: {
      host: endpoint.host,
      "content-type": "application/x-amz-json-1.0",
      "content-length": String(Buffer.byteLength(body)),
      "x-amz-target": "DynamoDB_20120810.GetItem",
    },
    body,
  });
  const answer = await exchange(endpoint, { method: "POST", headers: signed.headers, body, signal });
  if (answer.status !== 200) throw new Error(`GetItem: HTTP ${answer.status}`);
  const json = JSON.parse(answer.text) as { Item?: Item };
  return json.Item;
}
