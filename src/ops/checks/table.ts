// The lease table: present, ACTIVE, keyed as the runner expects (pk, HASH, S), TTL on expiresAt.
import { DescribeTableCommand, DescribeTimeToLiveCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { errorCode, isAccessDenied, isNotFound } from "../../aws/errors.js";
import { describeError } from "../../cli/errors.js";
import { createTableCommand, enableTtlCommand, PARTITION_KEY, TTL_ATTRIBUTE } from "../../table/table.js";
import { fail, pass, warn, type CheckResult } from "../checklist.js";

export interface TableFacts {
  results: CheckResult[];
  /** False when the table is missing: item-level permission probes cannot tell anything then. */
  exists: boolean;
}

const CREATE_FIX = (table: string) => `deploy with the ebextension (its Resources create the table), or: ${createTableCommand(table)}`;

export async function checkTable(dynamodb: DynamoDBClient, table: string): Promise<TableFacts> {
  const name = `table ${table}`;
  let description;
  try {
    description = (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (error) {
    if (isNotFound(error)) {
      return { exists: false, results: [fail(name, "does not exist (deploys fall back to the oldest instance, and followers do not wait)", CREATE_FIX(table))] };
    }
    if (isAccessDenied(error)) {
      return { exists: true, results: [warn(name, `cannot describe it (${errorCode(error)})`, `grant dynamodb:DescribeTable on the table (see "eb-migrate policy") so doctor can check it`)] };
    }
    return { exists: true, results: [fail(name, `DescribeTable failed: ${describeError(error)}`, "check that DynamoDB is reachable from the instance (VPC endpoint or NAT) and AWS_REGION")] };
  }
  const results: CheckResult[] = [];
  const key = description?.KeySchema ?? [];
  const hash = key.find((k) => k.KeyType === "HASH");
  const type = description?.AttributeDefinitions?.find((a) => a.AttributeName === hash?.AttributeName)?.AttributeType;
  if (key.length !== 1 || hash?.AttributeName !== PARTITION_KEY || type !== "S") {
    const found = key.map((k) => `${k.AttributeName} ${k.KeyType}`).join(", ");
    results.push(fail(name, `key schema is ${found || "unknown"} (type ${type ?? "?"}); expected ${PARTITION_KEY} HASH of type S only`, `use a table created for eb-migrate (set EB_MIGRATE_TABLE to it, or create one: ${CREATE_FIX("eb-migrate")})`));
  } else if (description?.TableStatus !== "ACTIVE") {
    results.push(fail(name, `status ${description?.TableStatus}`, "wait until the table is ACTIVE"));
  } else {
    results.push(pass(name, `ACTIVE, key ${PARTITION_KEY} (HASH, S)`));
  }
  results.push(await checkTtl(dynamodb, table));
  return { exists: true, results };
}

async function checkTtl(dynamodb: DynamoDBClient, table: string): Promise<CheckResult> {
  const name = "table TTL";
  const fix = enableTtlCommand(table);
  try {
    const ttl = (await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }))).TimeToLiveDescription;
    const on = ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
    if (on && ttl?.AttributeName === TTL_ATTRIBUTE) return pass(name, `enabled on ${TTL_ATTRIBUTE}`);
    if (on) return warn(name, `enabled on ${ttl?.AttributeName}, not ${TTL_ATTRIBUTE}: release history is never pruned`, `disable it, then: ${fix}`);
    return warn(name, `not enabled: release history is never pruned`, fix);
  } catch (error) {
    return warn(name, `cannot tell (${errorCode(error)})`, `grant dynamodb:DescribeTimeToLive on the table (see "eb-migrate policy")`);
  }
}
