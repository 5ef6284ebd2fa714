// Which finished release an on-demand run (`release --env`, `run --now`) runs again: a failed
// one always (that is what it is for), a succeeded one only when forced; never a running one.
import type { ReleaseRecord } from "./record-item.js";
import type { RunnerDeps } from "./runner.js";

export function rerunTarget(existing: ReleaseRecord | undefined, force: boolean): RunnerDeps["rerun"] {
  if (!existing || existing.status === "running" || (existing.status === "succeeded" && !force)) return undefined;
  return { status: existing.status, fencingToken: existing.fencingToken };
}
