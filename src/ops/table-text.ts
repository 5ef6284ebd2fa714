// Plain text tables and relative times for operator output; colour only when asked (a TTY).

export type Tone = "good" | "bad" | "warn" | "dim" | "plain";

const TONES: Record<Tone, [string, string]> = {
  good: ["\x1b[32m", "\x1b[39m"],
  bad: ["\x1b[31m", "\x1b[39m"],
  warn: ["\x1b[33m", "\x1b[39m"],
  dim: ["\x1b[2m", "\x1b[22m"],
  plain: ["", ""],
};

export function paint(text: string, tone: Tone, colour: boolean): string {
  if (!colour || tone === "plain") return text;
  const [on, off] = TONES[tone];
  return `${on}${text}${off}`;
}

export interface Cell {
  text: string;
  tone?: Tone;
}

/** Columns padded to their widest cell; colour is applied after padding so widths stay right. */
export function renderTable(headers: string[], rows: (string | Cell)[][], colour: boolean): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === "string" ? { text: c } : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.text.length ?? 0)));
  const line = (row: Cell[]) =>
    row
      .map((c, i) => paint(i === row.length - 1 ? c.text : c.text.padEnd(widths[i]!), c.tone ?? "plain", colour))
      .join("  ")
      .trimEnd();
  return [line(headers.map((h) => ({ text: h.toUpperCase(), tone: "dim" as const }))), ...cells.map(line)].join("\n");
}

/** "12 s ago", "3 min ago", "5 h ago", "2 d ago" ("in the future" for clock skew). */
export function relativeTime(thenMs: number, nowMs: number): string {
  const s = Math.round((nowMs - thenMs) / 1000);
  if (s < 0) return "just now";
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** "850 ms", "12.3 s", "4 min 5 s". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
