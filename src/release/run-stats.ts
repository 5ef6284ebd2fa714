// What `run --stats-file F` writes when the run ends (and the bench's reference locks, which
// stand in for it): read by the sandbox's instance processes (demo, tests, chaos, bench).
import { writeFileSync } from "node:fs";

export interface RunStats {
  exitCode: number;
  role?: string;
  leader?: string;
  takeover?: string;
  durationMs: number;
  calls: Record<string, number>;
  /** The process's peak resident set size (process.resourceUsage().maxRSS), in KiB. */
  maxRssKb?: number;
  /** Answered by the early skip (src/early/), before the AWS SDK was loaded. */
  early?: true;
}

export function writeRunStats(file: string, stats: RunStats): void {
  writeFileSync(file, JSON.stringify(stats, null, 2));
}
