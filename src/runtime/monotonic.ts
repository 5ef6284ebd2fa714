// Monotonic milliseconds from the process's high-resolution timer. Not `performance.now()`:
// the `performance` global loads Node's perf_hooks (seven internal modules) on first use,
// which `run` would pay on every instance of every deploy before its first decision.
export function monotonicNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
