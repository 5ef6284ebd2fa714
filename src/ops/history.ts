// An environment's release history and lease, as stored in the tool's table: release items
// found by Scan (the table is small and TTL-pruned), the lease item by its key.
import { GetItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { LeaseRecord } from "../election/decide.js";
import { leaseFromItem } from "../election/lease.js";
import { leaseKey, PARTITION_KEY } from "../table/table.js";
import { releaseFromItem, type ReleaseRecord } from "../release/record-item.js";

export interface History {
  releases: ReleaseRecord[];
  lease: LeaseRecord | undefined;
}

/** Every release record of the environment, newest first (by startedAt). Throws the SDK error. */
export async function readReleases(dynamodb: DynamoDBClient, table: string, environmentId: string): Promise<ReleaseRecord[]> {
  const releases: ReleaseRecord[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "#kind = :release AND environmentId = :env",
        ExpressionAttributeNames: { "#kind": "kind" },
        ExpressionAttributeValues: { ":release": { S: "release" }, ":env": { S: environmentId } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) releases.push(releaseFromItem(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return releases.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

export async function readLease(dynamodb: DynamoDBClient, table: string, environmentId: string): Promise<LeaseRecord | undefined> {
  const out = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { [PARTITION_KEY]: { S: leaseKey(environmentId) } }, ConsistentRead: true }));
  return out.Item ? leaseFromItem(out.Item) : undefined;
}

export async function readHistory(dynamodb: DynamoDBClient, table: string, environmentId: string): Promise<History> {
  const [releases, lease] = await Promise.all([readReleases(dynamodb, table, environmentId), readLease(dynamodb, table, environmentId)]);
  return { releases, lease };
}
