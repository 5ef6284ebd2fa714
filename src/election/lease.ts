// The lease in DynamoDB: acquire (fresh, re-entrant or takeover), renew, release — each a
// conditional write; a write whose outcome is unknown is resolved by reading the record
// again, never by assuming. Who may acquire is decided in decide.ts.
import { randomUUID } from "node:crypto";
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../runtime/clock.js";
import { num, str, toAttribute } from "./attributes.js";
import type { LeaseRecord } from "./decide.js";
import { classifyDynamoError, TableUnavailableError, TableUnusableError } from "./dynamo-errors.js";
import { leaseKey, PARTITION_KEY } from "./table.js";

export type AcquireMode = { kind: "fresh" } | { kind: "reenter" } | { kind: "takeover"; expectVersion: string };

export interface HeldLease {
  environmentId: string;
  holder: string;
  fencingToken: number;
  recordVersion: string;
  leaseSeconds: number;
}

export class LeaseStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async read(environmentId: string): Promise<LeaseRecord | undefined> {
    try {
      const out = await this.dynamodb.send(
        new GetItemCommand({ TableName: this.table, Key: this.key(environmentId), ConsistentRead: true }),
      );
      return out.Item ? leaseFromItem(out.Item) : undefined;
    } catch (error) {
      throw tableError(error, this.table);
    }
  }

  /** Returns the held lease, or undefined when the condition failed (someone else holds it). */
  async acquire(environmentId: string, self: string, leaseSeconds: number, deploymentKey: string, mode: AcquireMode): Promise<HeldLease | undefined> {
    const version = randomUUID();
    const wall = new Date(this.clock.wallNow()).toISOString();
    const condition =
      mode.kind === "fresh"
        ? "attribute_not_exists(#pk) OR attribute_not_exists(holder)"
        : mode.kind === "reenter"
          ? "holder = :self"
          : "recordVersion = :expect";
    const values: Record<string, AttributeValue> = {
      ":self": { S: self },
      ":v": { S: version },
      ":ls": { N: String(leaseSeconds) },
      ":dk": { S: deploymentKey },
      ":wall": { S: wall },
      ":zero": { N: "0" },
      ":one": { N: "1" },
    };
    if (mode.kind === "takeover") values[":expect"] = { S: mode.expectVersion };
    try {
      const out = await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(environmentId),
          ConditionExpression: condition,
          UpdateExpression:
            "SET holder = :self, recordVersion = :v, leaseSeconds = :ls, deploymentKey = :dk, acquiredAt = :wall, renewedAt = :wall, fencingToken = if_not_exists(fencingToken, :zero) + :one",
          ...(mode.kind === "fresh" ? { ExpressionAttributeNames: { "#pk": PARTITION_KEY } } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      const lease = out.Attributes ? leaseFromItem(out.Attributes) : undefined;
      if (!lease) throw new TableUnavailableError("UpdateItem returned no attributes");
      return held(environmentId, self, lease);
    } catch (error) {
      const failure = classifyDynamoError(error);
      if (failure.kind === "condition-failed") return undefined;
      if (failure.kind !== "unavailable") throw tableError(error, this.table);
      // Outcome unknown: our write carried a fresh version id, so a read tells whether it landed.
      const now = await this.read(environmentId);
      return now && now.holder === self && now.recordVersion === version ? held(environmentId, self, now) : undefined;
    }
  }

  /** Heartbeat: "renewed" (new version written), "lost" (someone took over) or "unknown". */
  async renew(lease: HeldLease): Promise<"renewed" | "lost" | "unknown"> {
    const version = randomUUID();
    try {
      await this.writeAsHolder(lease, "SET recordVersion = :v, renewedAt = :wall", version);
      lease.recordVersion = version;
      return "renewed";
    } catch (error) {
      const failure = classifyDynamoError(error);
      if (failure.kind === "condition-failed") return "lost";
      try {
        const now = await this.read(lease.environmentId);
        if (!now || now.holder !== lease.holder || now.fencingToken !== lease.fencingToken) return "lost";
        if (now.recordVersion === version) {
          lease.recordVersion = version;
          return "renewed";
        }
        return "unknown";
      } catch {
        return "unknown";
      }
    }
  }

  /** Gives the lease up (keeping the fencing counter). True when it was still ours. */
  async release(lease: HeldLease): Promise<boolean> {
    try {
      await this.writeAsHolder(lease, "REMOVE holder SET recordVersion = :v, releasedAt = :wall", randomUUID());
      return true;
    } catch (error) {
      const failure = classifyDynamoError(error);
      if (failure.kind === "condition-failed") return false;
      const now = await this.read(lease.environmentId);
      if (now && now.holder === lease.holder && now.fencingToken === lease.fencingToken) {
        throw new TableUnavailableError(`could not release the lease: ${failure.kind === "unavailable" ? failure.message : failure.kind}`);
      }
      return false;
    }
  }

  /** An update of the lease that only its holder, under its fencing token, may make. */
  private async writeAsHolder(lease: HeldLease, update: string, version: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: this.key(lease.environmentId),
        ConditionExpression: "holder = :self AND fencingToken = :t",
        UpdateExpression: update,
        ExpressionAttributeValues: {
          ":self": { S: lease.holder },
          ":t": { N: String(lease.fencingToken) },
          ":v": { S: version },
          ":wall": { S: new Date(this.clock.wallNow()).toISOString() },
        },
      }),
    );
  }

  private key(environmentId: string): Record<string, AttributeValue> {
    return { [PARTITION_KEY]: toAttribute(leaseKey(environmentId))! };
  }
}

function held(environmentId: string, self: string, lease: LeaseRecord): HeldLease {
  return { environmentId, holder: self, fencingToken: lease.fencingToken, recordVersion: lease.recordVersion, leaseSeconds: lease.leaseSeconds };
}

export function leaseFromItem(item: Record<string, AttributeValue>): LeaseRecord {
  return {
    holder: str(item, "holder"),
    recordVersion: str(item, "recordVersion") ?? "",
    fencingToken: num(item, "fencingToken") ?? 0,
    leaseSeconds: num(item, "leaseSeconds") ?? 0,
    deploymentKey: str(item, "deploymentKey"),
    acquiredAt: str(item, "acquiredAt"),
    renewedAt: str(item, "renewedAt"),
  };
}

/** Turns an SDK error from a read into TableUnusableError / TableUnavailableError. */
export function tableError(error: unknown, table: string): Error {
  if (error instanceof TableUnusableError || error instanceof TableUnavailableError) return error;
  const failure = classifyDynamoError(error);
  switch (failure.kind) {
    case "table-missing":
      return new TableUnusableError("table-missing", `DynamoDB table "${table}" does not exist`, { cause: error });
    case "access-denied":
      return new TableUnusableError("access-denied", `access to DynamoDB table "${table}" denied (${failure.message})`, { cause: error });
    case "condition-failed":
    case "unavailable":
      return new TableUnavailableError(`DynamoDB did not answer: ${"message" in failure ? failure.message : failure.kind}`, { cause: error });
  }
}
