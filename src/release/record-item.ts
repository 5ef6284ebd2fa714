// A release record as stored (one DynamoDB item per environment and deployment) and read back.
// No AWS SDK at run time: the early skip (src/early/) reads records with its own GetItem.
import type { Item } from "../table/item-table.js";
import { num, str, strList } from "../table/attributes.js";
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
  /**
   * What the run is known by outside the table (ecs: RunTask's clientToken, startedBy and the
   * release tag): absent for a deploy (the deployment key), `<key>#rerun-<attempt>` for a re-run;
   * a leader that takes over a running release keeps it, so it finds the same task.
   */
  runKey?: string;
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

export function releaseFromItem(item: Item): ReleaseRecord {
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
    runKey: str(item, "runKey"),
    dbLock: dbLockFromItem(item),
    takeover: oneOf(str(item, "takeover"), ["holder-gone", "lease-expired"] as const),
    notification: oneOf(str(item, "notification"), ["sending", "sent", "partly-sent", "failed"] as const),
    notificationDetail: str(item, "notificationDetail"),
  };
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return (allowed as readonly string[]).includes(value ?? "") ? (value as T) : undefined;
}

function dbLockFromItem(item: Item): DbLockReport | undefined {
  const waitedMs = num(item, "dbLockWaitedMs");
  if (waitedMs === undefined) return undefined;
  const [lock, heldBy, noLock] = [str(item, "dbLockName"), str(item, "dbLockHeldBy"), str(item, "dbLockNone")];
  const acquired = item.dbLockAcquired;
  return { acquired: acquired !== undefined && "BOOL" in acquired && acquired.BOOL === true, waitedMs, ...(lock ? { lock } : {}), ...(heldBy ? { heldBy } : {}), ...(noLock ? { noLock } : {}) };
}
