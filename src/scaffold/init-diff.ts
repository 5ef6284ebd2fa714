// `init --dry-run`: for a file that exists and would change, the unified diff of what init
// would write against what is there (a large or binary file only says so).
import { createPatch } from "diff";

const MAX_DIFF_BYTES = 200_000;

export function fileDiff(path: string, current: Buffer, planned: Buffer): string {
  if (current.length > MAX_DIFF_BYTES || planned.length > MAX_DIFF_BYTES || current.includes(0) || planned.includes(0)) {
    return `--- ${path}\n+++ ${path}\n(${current.length} bytes would become ${planned.length} bytes; too large to show)\n`;
  }
  // Without createPatch's "Index:" and "====" lines, as git prints a diff.
  return createPatch(path, current.toString("utf8"), planned.toString("utf8"), "current", "init would write", { context: 3 })
    .split("\n")
    .slice(2)
    .join("\n");
}
