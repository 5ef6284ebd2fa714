// The doctor's checklist: one result per check, printed as ✔/✘ lines (PASS/FAIL when not a
// TTY) with the fix under each failure; a failed check that a deploy needs makes the verdict.

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a fail or warn. */
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: "pass", detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: "fail", detail, fix });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, status: "warn", detail, fix });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: "skip", detail });

const MARKS: Record<CheckStatus, { tty: string; plain: string; colour: string }> = {
  pass: { tty: "✔", plain: "PASS", colour: "\x1b[32m" },
  fail: { tty: "✘", plain: "FAIL", colour: "\x1b[31m" },
  warn: { tty: "!", plain: "WARN", colour: "\x1b[33m" },
  skip: { tty: "-", plain: "SKIP", colour: "\x1b[2m" },
};

export function formatCheck(result: CheckResult, tty: boolean): string {
  const mark = MARKS[result.status];
  const head = tty ? `${mark.colour}${mark.tty}\x1b[0m` : mark.plain;
  const line = `${head} ${result.name}: ${result.detail}`;
  const indent = tty ? "  " : "     ";
  return result.fix && (result.status === "fail" || result.status === "warn") ? `${line}\n${indent}fix: ${result.fix}` : line;
}

export function summaryLine(results: CheckResult[]): string {
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const failed = count("fail");
  const verdict = failed > 0 ? `${failed} check${failed === 1 ? "" : "s"} failed: a deploy would fail or run without the lease` : "a deploy would work";
  return `${verdict} (${count("pass")} passed, ${failed} failed, ${count("warn")} warnings, ${count("skip")} skipped)`;
}
