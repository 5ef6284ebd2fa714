// The output path's cost on one huge line: redaction (env secrets + URL passwords) of a 1 MB
// line, and the whole path a command's output takes (split, redact, cap). Target: < 100 ms for
// 1 MB, so a flood of output cannot starve the heartbeat. The old URL regex is timed on a 20 KB
// line for comparison (it is quadratic: 1 MB would take minutes).
import { performance } from "node:perf_hooks";
import { LineSplitter, outputLine } from "../release/output-tail.js";
import { createRedactor } from "../release/redact.js";

export const REDACTION_TARGET_MS = 100;
const MB = 1024 * 1024;

export interface RedactionFigure {
  label: string;
  bytes: number;
  p50Ms: number;
  maxMs: number;
  n: number;
}

const ENV = { DATABASE_PASSWORD: "hunter2-secret", DATABASE_URL: "postgres://app:pw-in-url@db/app", TLS_PRIVATE_KEY: "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----" };
/** The regex the redactor used before (backtracks on long runs of scheme/userinfo characters). */
const OLD_URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]+)(@)/gi;

function time(label: string, bytes: number, runs: number, work: () => void): RedactionFigure {
  const samples: number[] = [];
  for (let n = 0; n < runs; n++) {
    const t0 = performance.now();
    work();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return { label, bytes, p50Ms: round(samples[Math.floor(samples.length / 2)]!), maxMs: round(samples.at(-1)!), n: runs };
}

export function redactionBench(quick: boolean): RedactionFigure[] {
  const runs = quick ? 5 : 15;
  const redact = createRedactor(ENV);
  const filler = "x".repeat(MB);
  const mixed = Array.from({ length: MB / 64 }, (_, i) => (i % 50 === 0 ? `postgres://u:p${i}@h hunter2-secret ` : "abcdefghij:klmnopqrstuv@wxyz/0123456789-abcdefghijklmnopqrstuvw ")).join("").slice(0, MB);
  const schemes = "a://".repeat(MB / 4);
  const figures = [
    time("redact: 1 MB of one character", MB, runs, () => redact(filler)),
    time("redact: 1 MB of text with URLs, secrets, `:` and `@`", MB, runs, () => redact(mixed)),
    time("redact: 1 MB of `a://a://…` (worst case per `://`)", MB, runs, () => redact(schemes)),
    time("split + redact + cap: one 1 MB line in 64 KB chunks", MB, runs, () => {
      const splitter = new LineSplitter((line, dropped) => void outputLine(line, dropped, redact));
      for (let i = 0; i < MB; i += 64 * 1024) splitter.push(filler.slice(i, i + 64 * 1024));
      splitter.end();
    }),
  ];
  const old = "x".repeat(20 * 1024);
  figures.push(time("before: the old URL regex on 20 KB of one character", old.length, quick ? 1 : 3, () => void old.replace(OLD_URL_PASSWORD, "$1***$3")));
  return figures;
}

export function redactionMarkdown(figures: RedactionFigure[]): string {
  const rows = figures.map((f) => {
    const target = f.label.startsWith("before") ? "– (quadratic)" : `< ${REDACTION_TARGET_MS} ms — ${f.maxMs < REDACTION_TARGET_MS ? "met" : "**missed**"}`;
    return `| ${f.label} | p50 ${f.p50Ms} ms, max ${f.maxMs} ms (n=${f.n}) | ${target} |`;
  });
  return ["", "### Output path: one huge line", "", "| figure | result | target |", "|---|---|---|", ...rows, ""].join("\n");
}
