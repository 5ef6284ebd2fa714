// `npm run chaos`: plays the fault matrix against the sandbox, many runs per fault, checks the
// invariants after every run, prints the table, writes bench/chaos-results.json and
// bench/chaos-table.md, and exits non-zero on any violation (only this entry sets the code).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { seededRandom } from "../sandbox/faults.js";
import { markdownTable, median, textTable, type RowSummary } from "./report.js";
import { stopChaosPostgres } from "./database.js";
import { ROWS } from "./scenarios.js";

const USAGE = "usage: node dist/chaos.cjs [--quick] [--rows id,id] [--runs N] [--seed N] [--out DIR]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { quick: { type: "boolean" }, rows: { type: "string" }, runs: { type: "string" }, seed: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\nrows: ${ROWS.map((r) => r.id).join(", ")}\n`);
    return 0;
  }
  const quick = values.quick === true || process.env.CHAOS_QUICK === "1";
  const wanted = values.rows?.split(",").map((s) => s.trim());
  const unknown = wanted?.filter((id) => !ROWS.some((r) => r.id === id)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`unknown row(s) ${unknown.join(", ")}; known: ${ROWS.map((r) => r.id).join(", ")}\n`);
    return 2;
  }
  const runsOverride = values.runs === undefined ? undefined : Number(values.runs);
  if (runsOverride !== undefined && !(Number.isInteger(runsOverride) && runsOverride > 0)) {
    process.stderr.write(`--runs must be a whole number above 0, received ${values.runs}\n`);
    return 2;
  }
  const baseSeed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  const bundle = join(dirname(process.argv[1]!), "eb-migrate.cjs");
  const outDir = resolve(values.out ?? "bench");

  const summaries: RowSummary[] = [];
  const details: unknown[] = [];
  const started = new Date();
  for (const row of ROWS.filter((r) => !wanted || wanted.includes(r.id))) {
    const runs = runsOverride ?? (quick ? row.quickRuns : row.runs);
    const times: number[] = [];
    const summary: RowSummary = { id: row.id, fault: row.fault, runs, violations: 0, medianMs: 0, worstMs: 0, examples: [] };
    for (let n = 0; n < runs; n++) {
      const seed = baseSeed + n * 7919 + summaries.length * 104_729;
      const result = await row.play({ bundle, seed, run: n, random: seededRandom(seed) });
      times.push(result.completionMs);
      summary.violations += result.violations.length;
      summary.examples.push(...result.violations.slice(0, Math.max(0, 5 - summary.examples.length)));
      details.push({ row: row.id, run: n + 1, seed, completionMs: result.completionMs, violations: result.violations });
      process.stderr.write(`${row.id} run ${n + 1}/${runs}: ${result.violations.length === 0 ? "ok" : `${result.violations.length} violation(s): ${result.violations.map((v) => `[${v.invariant}] ${v.detail}`).join("; ")}`} (${(result.completionMs / 1000).toFixed(1)} s, seed ${seed})\n`);
    }
    summary.medianMs = median(times);
    summary.worstMs = Math.max(...times);
    summaries.push(summary);
  }

  const total = summaries.reduce((n, s) => n + s.violations, 0);
  process.stdout.write(`\n${textTable(summaries)}\n\n${total === 0 ? "no violations" : `${total} VIOLATION(S)`}\n`);
  mkdirSync(outDir, { recursive: true });
  const machine = `${(await import("node:os")).cpus().length} cores, Node ${process.version}`;
  writeFileSync(join(outDir, "chaos-results.json"), `${JSON.stringify({ date: started.toISOString(), quick, machine, baseSeed, rows: summaries, runs: details }, null, 2)}\n`);
  writeFileSync(join(outDir, "chaos-table.md"), `${markdownTable(summaries)}\n\n_${quick ? "quick" : "full"} matrix, ${started.toISOString().slice(0, 10)}, ${machine}; ${total} violation(s)._\n`);
  return total === 0 ? 0 : 1;
}

main()
  .finally(stopChaosPostgres)
  .then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`chaos: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(2);
    },
  );
