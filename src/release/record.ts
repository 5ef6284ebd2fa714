// Release records (one per environment and deployment): running / succeeded / failed, who led
// it, with which fencing token. Every write of a leader is conditional on its token; a write
// whose outcome is unknown is resolved by reading the record again.
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../runtime/clock.js";
import { num, str, strList, toAttribute, toAttributes } from "../election/attributes.js";
import { classifyDynamoError } from "../election/dynamo-errors.js";
import { tableError } from "../election/lease.js";
import { PARTITION_KEY, releaseKey, RELEASE_HISTORY_DAYS, TTL_ATTRIBUTE } from "../election/table.js";
import type { DbLockReport } from "./db-lock/watch.js";

export type ReleaseStatus = "running" | "succeeded" | "failed";
export type ElectionMode = "lease" | "fallback";

export interface ReleaseRecord {
  environmentId: string;
  environmentName: string;
  deploymentKey: string;
  versionLabel?: string;
  deploymentId?: string;
  status: ReleaseStatus;
  leader: string;
  attempt: number;
  fencingToken: number;
  electionMode: ElectionMode;
  mode: "local" | "ecs";
  command: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  exitCode?: number;
  /** Why it failed, in one line (timeout, signal, stopCode...). */
  reason?: string;
  outputTail?: string[];
  taskArn?: string;
  /** The database lock the command ran under: whether the leader waited for it, how long, for whom. */
  dbLock?: DbLockReport;
  /** How this attempt's leader got the lease, when it took it over from another instance. */
  takeover?: "holder-gone" | "lease-expired";
  /** The notification of the outcome (src/notify/record.ts writes it once per release). */
  notification?: NotificationState;
  /** Which targets failed or how many were sent (never a webhook URL). */
  notificationDetail?: string;
}

export type NotificationState = "sending" | "sent" | "partly-sent" | "failed";

export interface ReleaseOutcome {
  status: "succeeded" | "failed";
  exitCode?: number;
  reason?: string;
  durationMs: number;
  outputTail: string[];
  dbLock?: DbLockReport;
}

export class ReleaseStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async read(environmentId: string, deploymentKey: string): Promise<ReleaseRecord | undefined> {
    try {
      const out = await this.dynamodb.send(
        new GetItemCommand({ TableName: this.table, Key: this.key(environmentId, deploymentKey), ConsistentRead: true }),
      );
      return out.Item ? releaseFromItem(out.Item) : undefined;
    } catch (error) {
      throw tableError(error, this.table);
    }
  }

  /**
   * Marks the release running under `record.fencingToken`. Allowed when there is no record, or
   * a running one of an older token (a leader that was taken over), or exactly the finished
   * record `rerunOf` (a re-run by `release --env`). Returns the record now stored: ours when
   * claimed, else whatever stopped us (a finished release, a newer leader).
   */
  async claim(record: ReleaseRecord, rerunOf?: Pick<ReleaseRecord, "status" | "fencingToken">): Promise<{ claimed: boolean; current: ReleaseRecord | undefined }> {
    const item = toAttributes({
      [PARTITION_KEY]: releaseKey(record.environmentId, record.deploymentKey),
      ...recordToPlain(record),
      [TTL_ATTRIBUTE]: Math.floor(this.clock.wallNow() / 1000) + RELEASE_HISTORY_DAYS * 86_400,
    });
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: `attribute_not_exists(#pk) OR (#status = :running AND fencingToken < :t)${rerunOf ? " OR (#status = :rerunStatus AND fencingToken = :rerunToken AND fencingToken < :t)" : ""}`,
          ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#status": "status" },
          ExpressionAttributeValues: {
            ":running": { S: "running" },
            ":t": { N: String(record.fencingToken) },
            ...(rerunOf ? { ":rerunStatus": { S: rerunOf.status }, ":rerunToken": { N: String(rerunOf.fencingToken) } } : {}),
          },
        }),
      );
      return { claimed: true, current: record };
    } catch (error) {
      const failure = classifyDynamoError(error);
      if (failure.kind !== "condition-failed" && failure.kind !== "unavailable") throw tableError(error, this.table);
      const current = await this.read(record.environmentId, record.deploymentKey);
      const ours = current?.fencingToken === record.fencingToken && current.leader === record.leader && current.status === "running";
      return { claimed: ours, current };
    }
  }

  /** Records the ECS task before waiting on it, so a new leader waits for it instead of starting another. */
  async setTaskArn(record: ReleaseRecord, taskArn: string): Promise<boolean> {
    return this.conditionalUpdate(record, "SET taskArn = :arn", { ":arn": { S: taskArn } }, (now) => now.taskArn === taskArn);
  }

  /** Final state, conditional on still being the release's leader (token) and it running. */
  async finish(record: ReleaseRecord, outcome: ReleaseOutcome): Promise<boolean> {
    const finishedAt = new Date(this.clock.wallNow()).toISOString();
    const values: Record<string, AttributeValue> = {
      ":s": { S: outcome.status },
      ":fin": { S: finishedAt },
      ":d": { N: String(Math.round(outcome.durationMs)) },
      ":tail": toAttribute(outcome.outputTail)!,
    };
    let update = "SET #status = :s, finishedAt = :fin, durationMs = :d, outputTail = :tail";
    if (outcome.exitCode !== undefined) {
      update += ", exitCode = :e";
      values[":e"] = { N: String(outcome.exitCode) };
    }
    if (outcome.reason !== undefined) {
      update += ", reason = :r";
      values[":r"] = { S: outcome.reason };
    }
    for (const [name, value] of Object.entries(dbLockAttributes(outcome.dbLock))) {
      const attribute = toAttribute(value);
      if (!attribute) continue;
      update += `, ${name} = :${name}`;
      values[`:${name}`] = attribute;
    }
    return this.conditionalUpdate(record, update, values, (now) => now.status === outcome.status && now.finishedAt === finishedAt);
  }

  private async conditionalUpdate(
    record: ReleaseRecord,
    update: string,
    values: Record<string, AttributeValue>,
    landed: (now: ReleaseRecord) => boolean,
  ): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(record.environmentId, record.deploymentKey),
          ConditionExpression: "fencingToken = :t AND leader = :leader AND #status = :running",
          UpdateExpression: update,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ...values, ":t": { N: String(record.fencingToken) }, ":leader": { S: record.leader }, ":running": { S: "running" } },
        }),
      );
      return true;
    } catch (error) {
      const failure = classifyDynamoError(error);
      if (failure.kind === "condition-failed") return false;
      if (failure.kind !== "unavailable") throw tableError(error, this.table);
      const now = await this.read(record.environmentId, record.deploymentKey);
      if (now && now.fencingToken === record.fencingToken && landed(now)) return true;
      if (now && now.fencingToken === record.fencingToken && now.status === "running") throw tableError(error, this.table);
      return false;
    }
  }

  private key(environmentId: string, deploymentKey: string): Record<string, AttributeValue> {
    return { [PARTITION_KEY]: { S: releaseKey(environmentId, deploymentKey) } };
  }
}

function recordToPlain(r: ReleaseRecord) {
  return {
    kind: "release",
    environmentId: r.environmentId,
    environmentName: r.environmentName,
    deploymentKey: r.deploymentKey,
    versionLabel: r.versionLabel,
    deploymentId: r.deploymentId,
    status: r.status,
    leader: r.leader,
    attempt: r.attempt,
    fencingToken: r.fencingToken,
    electionMode: r.electionMode,
    mode: r.mode,
    command: r.command,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    exitCode: r.exitCode,
    reason: r.reason,
    outputTail: r.outputTail,
    taskArn: r.taskArn,
    ...dbLockAttributes(r.dbLock),
    takeover: r.takeover,
  };
}

/** The lock report as flat attributes (the records stay flat). */
function dbLockAttributes(report: DbLockReport | undefined) {
  if (!report) return {};
  return { dbLockName: report.lock, dbLockAcquired: report.acquired, dbLockWaitedMs: Math.round(report.waitedMs), dbLockHeldBy: report.heldBy, dbLockNone: report.noLock };
}

function dbLockFromItem(item: Record<string, AttributeValue>): DbLockReport | undefined {
  const waitedMs = num(item, "dbLockWaitedMs");
  if (waitedMs === undefined) return undefined;
  const [lock, heldBy, noLock] = [str(item, "dbLockName"), str(item, "dbLockHeldBy"), str(item, "dbLockNone")];
  const acquired = item.dbLockAcquired;
  return { acquired: acquired !== undefined && "BOOL" in acquired && acquired.BOOL === true, waitedMs, ...(lock ? { lock } : {}), ...(heldBy ? { heldBy } : {}), ...(noLock ? { noLock } : {}) };
}

export function releaseFromItem(item: Record<string, AttributeValue>): ReleaseRecord {
  const status = str(item, "status");
  return {
    environmentId: str(item, "environmentId") ?? "",
    environmentName: str(item, "environmentName") ?? "",
    deploymentKey: str(item, "deploymentKey") ?? "",
    versionLabel: str(item, "versionLabel"),
    deploymentId: str(item, "deploymentId"),
    status: status === "succeeded" || status === "failed" ? status : "running",
    leader: str(item, "leader") ?? "",
    attempt: num(item, "attempt") ?? 1,
    fencingToken: num(item, "fencingToken") ?? 0,
    electionMode: str(item, "electionMode") === "fallback" ? "fallback" : "lease",
    mode: str(item, "mode") === "ecs" ? "ecs" : "local",
    command: str(item, "command") ?? "",
    startedAt: str(item, "startedAt") ?? "",
    finishedAt: str(item, "finishedAt"),
    durationMs: num(item, "durationMs"),
    exitCode: num(item, "exitCode"),
    reason: str(item, "reason"),
    outputTail: strList(item, "outputTail"),
    taskArn: str(item, "taskArn"),
    dbLock: dbLockFromItem(item),
    takeover: oneOf(str(item, "takeover"), ["holder-gone", "lease-expired"] as const),
    notification: oneOf(str(item, "notification"), ["sending", "sent", "partly-sent", "failed"] as const),
    notificationDetail: str(item, "notificationDetail"),
  };
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(value ?? "") ? (value as T) : undefined;
}
