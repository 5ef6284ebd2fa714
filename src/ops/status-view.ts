// What `eb-migrate status` shows: the release history as a table (newest first) and the lease
// line, or one JSON document. Wall-clock ages here are for people only.
import type { LeaseRecord } from "../election/decide.js";
import type { ReleaseRecord } from "../release/record-item.js";
import type { EnvironmentTarget } from "./target.js";
import { formatDuration, paint, relativeTime, renderTable, type Cell } from "./table-text.js";

export interface StatusView {
  target: EnvironmentTarget;
  table: string;
  /** Where the table's name came from (--table, the shell, get-config, the environment's configuration, the default). */
  tableSource: string;
  releases: ReleaseRecord[];
  /** How many releases exist in total (the view holds at most --limit). */
  total: number;
  lease: LeaseRecord | undefined;
}

export function statusJson(view: StatusView, nowMs: number): unknown {
  const { lease } = view;
  return {
    environment: { name: view.target.environmentName, id: view.target.environmentId, region: view.target.region },
    table: view.table,
    tableSource: view.tableSource,
    lease: {
      state: lease?.holder ? "held" : "free",
      holder: lease?.holder ?? null,
      fencingToken: lease?.fencingToken ?? 0,
      deploymentKey: lease?.holder ? (lease.deploymentKey ?? null) : null,
      renewedAt: lease?.holder ? (lease.renewedAt ?? null) : null,
      ageSeconds: lease?.holder && lease.renewedAt ? Math.max(0, Math.round((nowMs - Date.parse(lease.renewedAt)) / 1000)) : null,
      leaseSeconds: lease?.leaseSeconds ?? null,
    },
    total: view.total,
    releases: view.releases.map((r) => ({
      deploymentKey: r.deploymentKey,
      versionLabel: r.versionLabel ?? null,
      deploymentId: r.deploymentId ?? null,
      leader: r.leader,
      election: r.electionMode,
      mode: r.mode,
      result: r.status,
      attempt: r.attempt,
      takeover: r.takeover ?? null,
      notification: r.notification ? { state: r.notification, detail: r.notificationDetail ?? null } : null,
      durationMs: r.durationMs ?? null,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt ?? null,
      exitCode: r.exitCode ?? null,
      reason: r.reason ?? null,
      outputTail: r.outputTail ?? [],
      dbLock: r.dbLock ?? null,
    })),
  };
}

export function statusText(view: StatusView, nowMs: number, colour: boolean): string {
  const { target, lease } = view;
  const lines = [`${target.environmentName} (${target.environmentId}, ${target.region}) — table ${view.table} (name from ${view.tableSource})`];
  lines.push(leaseLine(lease, nowMs, colour));
  lines.push("");
  if (view.releases.length === 0) {
    lines.push("No releases recorded yet (the first deploy with eb-migrate creates one).");
  } else {
    const rows: Cell[][] = view.releases.map((r) => [
      { text: r.deploymentId ?? shortKey(r.deploymentKey) },
      { text: r.versionLabel ?? "-" },
      { text: r.leader },
      { text: r.takeover ? `${r.electionMode}, took over (${r.takeover})` : r.electionMode, tone: r.electionMode === "fallback" || r.takeover ? "warn" : "plain" },
      { text: r.status === "failed" && r.reason ? `failed: ${truncate(r.reason, 48)}` : r.status, tone: r.status === "succeeded" ? "good" : r.status === "failed" ? "bad" : "warn" },
      { text: String(r.attempt) },
      { text: formatDuration(r.durationMs) },
      { text: r.startedAt ? relativeTime(Date.parse(r.startedAt), nowMs) : "-" },
      { text: r.notification ?? "-", tone: r.notification === "sent" ? "good" : r.notification === undefined ? "plain" : "warn" },
    ]);
    lines.push(renderTable(["deployment", "version", "leader", "election", "result", "attempt", "duration", "started", "notified"], rows, colour));
    const troubled = view.releases.filter((r) => r.notification && r.notification !== "sent" && r.notificationDetail);
    for (const r of troubled) lines.push(paint(`notification of ${r.deploymentId ?? shortKey(r.deploymentKey)} ${r.notification}: ${r.notificationDetail}`, "warn", colour));
    for (const r of view.releases) {
      const note = dbLockNote(r);
      if (note) lines.push(`${r.deploymentId ?? shortKey(r.deploymentKey)}: ${note}`);
    }
    if (view.total > view.releases.length) lines.push(paint(`(${view.total - view.releases.length} older releases not shown; raise --limit)`, "dim", colour));
  }
  return `${lines.join("\n")}\n`;
}

function leaseLine(lease: LeaseRecord | undefined, nowMs: number, colour: boolean): string {
  if (!lease?.holder) return `Lease: ${paint("free", "good", colour)}${lease ? ` (fencing token ${lease.fencingToken})` : ""}`;
  const age = lease.renewedAt ? `, renewed ${relativeTime(Date.parse(lease.renewedAt), nowMs)}` : "";
  const stale = lease.renewedAt && nowMs - Date.parse(lease.renewedAt) > lease.leaseSeconds * 1000;
  const note = stale ? paint(` — not renewed within its ${lease.leaseSeconds} s lease: the next instance takes it over`, "warn", colour) : "";
  return `Lease: held by ${paint(lease.holder, "warn", colour)} (fencing token ${lease.fencingToken}${lease.deploymentKey ? `, deployment ${lease.deploymentKey}` : ""}${age})${note}`;
}

/** Only the releases whose leader had to wait for the database lock (or got none) say anything. */
function dbLockNote(r: ReleaseRecord): string | undefined {
  const lock = r.dbLock;
  if (!lock) return undefined;
  if (lock.noLock) return `no database lock (${lock.noLock})`;
  if (lock.waitedMs === 0 && lock.acquired) return undefined;
  const who = lock.heldBy ? ` held by ${lock.heldBy}` : "";
  return lock.acquired ? `the leader waited ${formatDuration(lock.waitedMs)} for the database lock${who}` : `the leader was still waiting for the database lock${who} after ${formatDuration(lock.waitedMs)}`;
}

function shortKey(key: string): string {
  return key.startsWith("bundle-") ? key.slice(0, 19) : key;
}

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
