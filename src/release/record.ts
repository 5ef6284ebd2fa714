// Release records (one per environment and deployment): running / succeeded / failed, who led
// it, with which fencing token. Every write of a leader is conditional on its token (through
// ItemTable, which resolves an unknown outcome by reading again). What a record stores is
// bounded so the item always fits DynamoDB's 400 KB; should DynamoDB still refuse the outcome,
// it is written once more in a reduced form, never retried unchanged.
import { PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../runtime/clock.js";
import { toAttribute, toAttributes } from "../table/attributes.js";
import { TableRefusedError, TableUnavailableError } from "../table/errors.js";
import { ItemTable } from "../table/item-table.js";
import { PARTITION_KEY, releaseKey, RELEASE_HISTORY_DAYS, TTL_ATTRIBUTE } from "../table/table.js";
import type { DbLockReport } from "./db-lock/watch.js";
import { releaseFromItem, type ReleaseRecord } from "./record-item.js";

/**
 * Stored sizes (UTF-8 bytes). DynamoDB's item limit is 400 KB including attribute names
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items);
 * tail + reason + command + the fixed fields stay under 100 KB.
 */
export const STORED_TAIL_BYTES = 64 * 1024;
export const STORED_LINE_BYTES = 4 * 1024;
export const STORED_TEXT_BYTES = 4 * 1024;
/** The reduced outcome written after a refusal: this many last lines of this size. */
const REDUCED_TAIL_LINES = 5;
const REDUCED_LINE_BYTES = 200;

export interface ReleaseOutcome {
  status: "succeeded" | "failed";
  exitCode?: number;
  reason?: string;
  durationMs: number;
  outputTail: string[];
  dbLock?: DbLockReport;
}

export class ReleaseStore {
  private readonly items: ItemTable;

  constructor(
    dynamodb: DynamoDBClient,
    table: string,
    private readonly clock: Clock,
  ) {
    this.items = new ItemTable(dynamodb, table);
  }

  async read(environmentId: string, deploymentKey: string, signal?: AbortSignal): Promise<ReleaseRecord | undefined> {
    const item = await this.items.read(this.key(environmentId, deploymentKey), signal);
    return item ? releaseFromItem(item) : undefined;
  }

  /**
   * Marks the release running under `record.fencingToken`. Allowed when there is no record, or
   * a running one of an older token (a leader that was taken over), or exactly the finished
   * record `rerunOf` (a re-run by `release --env`). Returns the record now stored: ours when
   * claimed, else whatever stopped us (a finished release, a newer leader).
   */
  async claim(record: ReleaseRecord, rerunOf?: Pick<ReleaseRecord, "status" | "fencingToken">, signal?: AbortSignal): Promise<{ claimed: boolean; current: ReleaseRecord | undefined }> {
    const item = toAttributes({
      [PARTITION_KEY]: releaseKey(record.environmentId, record.deploymentKey),
      ...recordToPlain(record),
      [TTL_ATTRIBUTE]: Math.floor(this.clock.wallNow() / 1000) + RELEASE_HISTORY_DAYS * 86_400,
    });
    const ours = (r: ReleaseRecord | undefined) => r?.fencingToken === record.fencingToken && r.leader === record.leader && r.status === "running";
    let current: ReleaseRecord | undefined;
    const { written } = await this.items.writeConditionally(
      new PutItemCommand({
        TableName: this.items.name,
        Item: item,
        // A re-run (release --force, or a failed release run again) may also replace exactly the
        // finished record it saw, under a newer token.
        ConditionExpression: `attribute_not_exists(#pk) OR (#status = :running AND fencingToken < :t)${rerunOf ? " OR (#status = :rerunStatus AND fencingToken = :rerunToken AND fencingToken < :t)" : ""}`,
        ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#status": "status" },
        ExpressionAttributeValues: {
          ":running": { S: "running" },
          ":t": { N: String(record.fencingToken) },
          ...(rerunOf ? { ":rerunStatus": { S: rerunOf.status }, ":rerunToken": { N: String(rerunOf.fencingToken) } } : {}),
        },
      }),
      async () => {
        current = await this.read(record.environmentId, record.deploymentKey, signal);
        return ours(current) ? "written" : "refused";
      },
      signal,
    );
    if (written) return { claimed: true, current: current ?? record };
    // Refused: say what stopped us (a finished release, a newer leader).
    current ??= await this.read(record.environmentId, record.deploymentKey, signal);
    return { claimed: false, current };
  }

  /** Records the ECS task before waiting on it, so a new leader waits for it instead of starting another. */
  async setTaskArn(record: ReleaseRecord, taskArn: string, signal?: AbortSignal): Promise<boolean> {
    return this.conditionalUpdate(record, "SET taskArn = :arn", { ":arn": { S: taskArn } }, (now) => now.taskArn === taskArn, signal);
  }

  /**
   * Final state, conditional on still being the release's leader (token) and it running. When
   * DynamoDB refuses the item (ValidationException), the outcome is written once more with the
   * tail cut down to its last few short lines and a first line saying so.
   */
  async finish(record: ReleaseRecord, outcome: ReleaseOutcome, signal?: AbortSignal): Promise<boolean> {
    const bounded = { ...outcome, outputTail: boundTail(outcome.outputTail, STORED_TAIL_BYTES, STORED_LINE_BYTES), ...(outcome.reason !== undefined ? { reason: cutBytes(outcome.reason, STORED_TEXT_BYTES) } : {}) };
    try {
      return await this.writeOutcome(record, bounded, signal);
    } catch (error) {
      if (!(error instanceof TableRefusedError)) throw error;
      const note = `…[output cut to its last ${REDUCED_TAIL_LINES} lines: DynamoDB refused the full record (${cutBytes(error.message, 300)})]`;
      const reduced = { ...bounded, outputTail: [note, ...boundTail(outcome.outputTail.slice(-REDUCED_TAIL_LINES), REDUCED_TAIL_LINES * REDUCED_LINE_BYTES, REDUCED_LINE_BYTES)], ...(outcome.reason !== undefined ? { reason: cutBytes(outcome.reason, 500) } : {}) };
      return await this.writeOutcome(record, reduced, signal);
    }
  }

  private async writeOutcome(record: ReleaseRecord, outcome: ReleaseOutcome, signal: AbortSignal | undefined): Promise<boolean> {
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
    return this.conditionalUpdate(record, update, values, (now) => now.status === outcome.status && now.finishedAt === finishedAt, signal);
  }

  private async conditionalUpdate(
    record: ReleaseRecord,
    update: string,
    values: Record<string, AttributeValue>,
    landed: (now: ReleaseRecord) => boolean,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const { written } = await this.items.writeConditionally(
      new UpdateItemCommand({
        TableName: this.items.name,
        Key: this.key(record.environmentId, record.deploymentKey),
        ConditionExpression: "fencingToken = :t AND leader = :leader AND #status = :running",
        UpdateExpression: update,
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ...values, ":t": { N: String(record.fencingToken) }, ":leader": { S: record.leader }, ":running": { S: "running" } },
      }),
      async () => {
        const now = await this.read(record.environmentId, record.deploymentKey, signal);
        if (now && now.fencingToken === record.fencingToken && landed(now)) return "written";
        if (now && now.fencingToken === record.fencingToken && now.status === "running") throw new TableUnavailableError("the write's outcome is unknown: the record is unchanged");
        return "refused";
      },
    );
    return written;
  }

  private key(environmentId: string, deploymentKey: string): Record<string, AttributeValue> {
    return { [PARTITION_KEY]: { S: releaseKey(environmentId, deploymentKey) } };
  }
}

/** `text` cut to at most `maxBytes` of UTF-8 (never inside a character), marked when cut. */
export function cutBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const marker = "…[cut]";
  const room = Math.max(0, maxBytes - Buffer.byteLength(marker));
  // toString drops a character split at the cut (as U+FFFD); strip it.
  return `${Buffer.from(text).subarray(0, room).toString("utf8").replace(/\uFFFD$/, "")}${marker}`;
}

/** The last lines of `lines` within `maxBytes` in all, each cut to `lineBytes`. */
export function boundTail(lines: string[], maxBytes: number, lineBytes: number): string[] {
  const out: string[] = [];
  let total = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = cutBytes(lines[i]!, lineBytes);
    total += Buffer.byteLength(line);
    if (total > maxBytes) break;
    out.unshift(line);
  }
  return out;
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
    command: cutBytes(r.command, STORED_TEXT_BYTES),
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    exitCode: r.exitCode,
    reason: r.reason === undefined ? undefined : cutBytes(r.reason, STORED_TEXT_BYTES),
    outputTail: r.outputTail === undefined ? undefined : boundTail(r.outputTail, STORED_TAIL_BYTES, STORED_LINE_BYTES),
    taskArn: r.taskArn,
    runKey: r.runKey,
    ...dbLockAttributes(r.dbLock),
    takeover: r.takeover,
  };
}

/** The lock report as flat attributes (the records stay flat). */
function dbLockAttributes(report: DbLockReport | undefined) {
  if (!report) return {};
  return { dbLockName: report.lock, dbLockAcquired: report.acquired, dbLockWaitedMs: Math.round(report.waitedMs), dbLockHeldBy: report.heldBy, dbLockNone: report.noLock };
}
