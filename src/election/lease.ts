// The lease in DynamoDB: acquire (fresh, re-entrant or takeover), renew, release — each a
// conditional write through ItemTable, whose unknown outcome is resolved by reading the record
// again. Who may acquire is decided in decide.ts; when to renew and when to fence in heartbeat.ts.
import { randomUUID } from "node:crypto";
import { UpdateItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../runtime/clock.js";
import { num, str, toAttribute } from "../table/attributes.js";
import { TableUnavailableError } from "../table/errors.js";
import { ItemTable, type Item } from "../table/item-table.js";
import { leaseKey, PARTITION_KEY } from "../table/table.js";
import type { LeaseRecord } from "./decide.js";

export type AcquireMode = { kind: "fresh" } | { kind: "reenter" } | { kind: "takeover"; expectVersion: string };

export interface HeldLease {
  environmentId: string;
  holder: string;
  fencingToken: number;
  recordVersion: string;
  leaseSeconds: number;
}

export class LeaseStore {
  private readonly items: ItemTable;

  constructor(
    dynamodb: DynamoDBClient,
    table: string,
    private readonly clock: Clock,
  ) {
    this.items = new ItemTable(dynamodb, table);
  }

  async read(environmentId: string, signal?: AbortSignal): Promise<LeaseRecord | undefined> {
    const item = await this.items.read(this.key(environmentId), signal);
    return item ? leaseFromItem(item) : undefined;
  }

  /** Returns the held lease, or undefined when the condition failed (someone else holds it). */
  async acquire(environmentId: string, self: string, leaseSeconds: number, deploymentKey: string, mode: AcquireMode, signal?: AbortSignal): Promise<HeldLease | undefined> {
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
    let seen: LeaseRecord | undefined;
    const result = await this.items.writeConditionally(
      new UpdateItemCommand({
        TableName: this.items.name,
        Key: this.key(environmentId),
        ConditionExpression: condition,
        UpdateExpression:
          "SET holder = :self, recordVersion = :v, leaseSeconds = :ls, deploymentKey = :dk, acquiredAt = :wall, renewedAt = :wall, fencingToken = if_not_exists(fencingToken, :zero) + :one",
        ...(mode.kind === "fresh" ? { ExpressionAttributeNames: { "#pk": PARTITION_KEY } } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
      // Our write carried a fresh version id, so a read tells whether it landed.
      async () => {
        seen = await this.read(environmentId, signal);
        return seen && seen.holder === self && seen.recordVersion === version ? "written" : "refused";
      },
      signal,
    );
    if (!result.written) return undefined;
    const lease = result.attributes ? leaseFromItem(result.attributes) : seen;
    if (!lease) throw new TableUnavailableError("UpdateItem returned no attributes");
    return held(environmentId, self, lease);
  }

  /** Heartbeat: "renewed" (new version written), "lost" (someone took over) or "unknown". */
  async renew(lease: HeldLease, signal?: AbortSignal): Promise<"renewed" | "lost" | "unknown"> {
    const version = randomUUID();
    try {
      const { written } = await this.writeAsHolder(lease, "SET recordVersion = :v, renewedAt = :wall", version, signal, (now) => {
        if (now.recordVersion === version) return "written";
        // Ours, but without our version: the write did not land (or not yet) — cannot tell.
        throw new TableUnavailableError("the renewal's outcome is unknown");
      });
      if (!written) return "lost";
      lease.recordVersion = version;
      return "renewed";
    } catch {
      // No answer, no conclusive read-back, a refused or aborted call: the heartbeat retries,
      // and its fence timer decides when that is too late.
      return "unknown";
    }
  }

  /** Gives the lease up (keeping the fencing counter). True when it was still ours. */
  async release(lease: HeldLease, signal?: AbortSignal): Promise<boolean> {
    const version = randomUUID();
    const { written } = await this.writeAsHolder(lease, "REMOVE holder SET recordVersion = :v, releasedAt = :wall", version, signal, () => {
      throw new TableUnavailableError("could not release the lease: it is still held by this instance");
    });
    return written;
  }

  /**
   * An update of the lease that only its holder, under its fencing token, may make. When the
   * outcome is unknown: a record no longer ours means refused (taken over); one still ours asks
   * `stillOurs`.
   */
  private writeAsHolder(lease: HeldLease, update: string, version: string, signal: AbortSignal | undefined, stillOurs: (now: LeaseRecord) => "written" | "refused") {
    return this.items.writeConditionally(
      new UpdateItemCommand({
        TableName: this.items.name,
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
      async () => {
        const now = await this.read(lease.environmentId, signal);
        if (!now || now.holder !== lease.holder || now.fencingToken !== lease.fencingToken) return now?.recordVersion === version ? "written" : "refused";
        return stillOurs(now);
      },
      signal,
    );
  }

  private key(environmentId: string): Record<string, AttributeValue> {
    return { [PARTITION_KEY]: toAttribute(leaseKey(environmentId))! };
  }
}

function held(environmentId: string, self: string, lease: LeaseRecord): HeldLease {
  return { environmentId, holder: self, fencingToken: lease.fencingToken, recordVersion: lease.recordVersion, leaseSeconds: lease.leaseSeconds };
}

export function leaseFromItem(item: Item): LeaseRecord {
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
