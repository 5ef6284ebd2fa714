// The chaos table: one line per fault with runs, violations and completion times, as text for
// the terminal and Markdown for the README; the per-run detail goes to the JSON file.
import type { Violation } from "./invariants.js";

export interface RowSummary {
  id: string;
  fault: string;
  runs: number;
  violations: number;
  medianMs: number;
  worstMs: number;
  /** The first few violations, for the reader who has to fix them. */
  examples: Violation[];
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function textTable(rows: RowSummary[]): string {
  const head = ["fault", "runs", "violations", "median", "worst"];
  const body = rows.map((r) => [r.fault, String(r.runs), String(r.violations), secs(r.medianMs), secs(r.worstMs)]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export function markdownTable(rows: RowSummary[]): string {
  return [
    "| fault | runs | violations | median completion | worst completion |",
    "|---|---:|---:|---:|---:|",
    ...rows.map((r) => `| ${r.fault} | ${r.runs} | ${r.violations} | ${secs(r.medianMs)} | ${secs(r.worstMs)} |`),
  ].join("\n");
}
