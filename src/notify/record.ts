// The notification's mark in the release record: claimed before sending (conditional on the
// leader's fencing token and on no notification yet), then its result. A new attempt's claim
// of the release (a PutItem) starts without a mark, so a forced re-run notifies again.
import { randomUUID } from "node:crypto";
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { classifyDynamoError } from "../table/errors.js";
import { PARTITION_KEY, releaseKey } from "../table/table.js";
import type { NotificationState } from "../release/record-item.js";

export interface NotificationKey {
  environmentId: string;
  deploymentKey: string;
  leader: string;
  fencingToken: number;
}

export type ClaimResult = "claimed" | "already-notified" | "unknown";

export class NotificationMarks {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** "unknown" when DynamoDB did not answer: the caller sends anyway (a missed failure is worse than a repeat). */
  async claim(key: NotificationKey): Promise<ClaimResult> {
    // The claim id tells our own write, landed on an earlier try of the SDK's retries, from another's.
    const claimId = randomUUID();
    try {
      await this.update(key, "SET notification = :sending, notificationClaim = :claim", { ":sending": { S: "sending" }, ":claim": { S: claimId } }, "attribute_not_exists(notification)");
      return "claimed";
    } catch (error) {
      if (classifyDynamoError(error).kind !== "condition-failed") return "unknown";
      try {
        const now = await this.dynamodb.send(new GetItemCommand({ TableName: this.table, Key: this.key(key), ConsistentRead: true }));
        return now.Item?.notificationClaim?.S === claimId ? "claimed" : "already-notified";
      } catch {
        return "unknown";
      }
    }
  }

  /** Best effort: the result is for `status`; a failed write changes nothing else. */
  async record(key: NotificationKey, state: Exclude<NotificationState, "sending">, detail: string): Promise<boolean> {
    try {
      await this.update(key, "SET notification = :s, notificationDetail = :d", { ":s": { S: state }, ":d": { S: detail } }, "attribute_exists(notification)");
      return true;
    } catch {
      return false;
    }
  }

  private key(key: NotificationKey) {
    return { [PARTITION_KEY]: { S: releaseKey(key.environmentId, key.deploymentKey) } };
  }

  private async update(key: NotificationKey, expression: string, values: Record<string, { S: string }>, condition: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: this.key(key),
        UpdateExpression: expression,
        ConditionExpression: `attribute_exists(#pk) AND fencingToken = :t AND leader = :leader AND ${condition}`,
        ExpressionAttributeNames: { "#pk": PARTITION_KEY },
        ExpressionAttributeValues: { ...values, ":t": { N: String(key.fencingToken) }, ":leader": { S: key.leader } },
      }),
    );
  }
}
