// `npm run bench`: the runner's performance figures and two reference locks measured in the
// same run on the same sandbox; prints the table and the ratios, writes bench/results.json and
// bench/results.md. `bench.cjs reference <a|b>` is one instance of a reference lock.
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { referenceContext, writeStats } from "./reference/common.js";
import { createIfAbsent } from "./reference/create-if-absent.js";
import { leaseExpiry } from "./reference/lease-expiry.js";
import { redactionBench, redactionMarkdown } from "./redaction.js";
import { markdown, ratios, type BenchResults, type StrategyResults } from "./report.js";
import { decisionLatency, followerRelease, recoveryAfterLoss, scaleToZero, STRATEGIES, takeoverByAutoScaling, takeoverByExpiry, type BenchContext } from "./scenarios.js";
import { scaleMarkdown, scaleRun, SCALE_CASES, type ScaleFigures } from "./scale.js";
import { startupFigures, startupMarkdown } from "./startup.js";
import { distribution } from "./stats.js";

async function reference(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { "stats-file": { type: "string" } }, allowPositionals: true });
  const ctx = referenceContext(process.env);
  const kind = positionals[0];
  if (kind !== "create-if-absent" && kind !== "lease-expiry") {
    process.stderr.write(`usage: bench.cjs reference create-if-absent|lease-expiry [--stats-file F]\n`);
    return 2;
  }
  const result = kind === "create-if-absent" ? await createIfAbsent(ctx) : await leaseExpiry(ctx);
  writeStats(values["stats-file"], ctx, result.exitCode, result.role);
  return result.exitCode;
}

async function bench(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { quick: { type: "boolean" }, out: { type: "string" } } });
  const quick = values.quick === true || process.env.BENCH_QUICK === "1";
  const here = dirname(process.argv[1]!);
  const ctx: BenchContext = { bundle: join(here, "eb-migrate.cjs"), benchBundle: process.argv[1]! };
  const capMs = quick ? 25_000 : 40_000;
  const step = (what: string) => process.stderr.write(`bench: ${what}\n`);
  const date = new Date().toISOString();

  step("start-up: node -e 0, --version, skip path direct and through the hook");
  const startup = await startupFigures(ctx.bundle, statSync(ctx.bundle).size, quick ? 8 : 30);
  const decision: BenchResults["decision"] = {};
  for (const n of [1, 8, 16]) {
    step(`decision latency, ${n} instances`);
    decision[String(n)] = await decisionLatency(ctx, n);
  }
  step("takeover via Auto Scaling");
  const viaAs: number[] = [];
  for (let n = 0; n < (quick ? 2 : 5); n++) viaAs.push(await takeoverByAutoScaling(ctx));
  const leaseSeconds = 3;
  step(`takeover via lease expiry (lease ${leaseSeconds} s)`);
  const viaExpiry: number[] = [];
  for (let n = 0; n < (quick ? 2 : 5); n++) viaExpiry.push(await takeoverByExpiry(ctx, leaseSeconds));

  const strategies: StrategyResults[] = [];
  for (const strategy of STRATEGIES) {
    step(`${strategy.label}: follower release and API calls`);
    const follower = await followerRelease(ctx, strategy, quick ? 3 : 10);
    step(`${strategy.label}: leader's instance terminated`);
    const recovery = await recoveryAfterLoss(ctx, strategy, capMs);
    step(`${strategy.label}: scale to zero and back`);
    const zero = await scaleToZero(ctx, strategy, capMs);
    strategies.push({ strategy, follower, recovery, scaleToZero: zero });
  }

  const scale = await scaleFigures(ctx, quick, step);

  step("redaction of a 1 MB line");
  const redaction = redactionBench(quick);

  const results: BenchResults = {
    date,
    machine: `${cpus().length} cores, Node ${process.version}`,
    quick,
    startup,
    decision,
    takeover: { autoScaling: distribution(viaAs), leaseExpiry: distribution(viaExpiry), leaseSeconds },
    strategies,
  };
  const out = resolve(values.out ?? "bench");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "results.json"), `${JSON.stringify({ ...results, scale, redaction }, null, 2)}\n`);
  const md = markdown(results) + scaleMarkdown(scale) + redactionMarkdown(redaction);
  writeFileSync(join(out, "results.md"), md);
  process.stdout.write(`${md}\nratios (eb-migrate ÷ reference):\n${ratios(results).map((l) => `  ${l}`).join("\n")}\n`);
  return 0;
}

async function scaleFigures(ctx: BenchContext, quick: boolean, step: (what: string) => void): Promise<ScaleFigures[]> {
  const figures: ScaleFigures[] = [];
  for (const c of SCALE_CASES(quick)) {
    step(`scale: ${c.label}`);
    figures.push(await scaleRun(ctx, c));
  }
  return figures;
}

/** `bench.cjs scale [--quick]`: only the fleet figures (minutes; the full bench includes them). */
async function scaleOnly(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { quick: { type: "boolean" } } });
  const here = dirname(process.argv[1]!);
  const figures = await scaleFigures({ bundle: join(here, "eb-migrate.cjs"), benchBundle: process.argv[1]! }, values.quick === true, (w) => process.stderr.write(`bench: ${w}\n`));
  process.stdout.write(`${scaleMarkdown(figures)}\n${JSON.stringify(figures, null, 2)}\n`);
  return 0;
}

/** `bench.cjs startup [--rounds N]`: only the start-up ratios (e.g. under another Node: `node22 dist/bench.cjs startup`). */
async function startupOnly(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { rounds: { type: "string" } } });
  const bundle = join(dirname(process.argv[1]!), "eb-migrate.cjs");
  const startup = await startupFigures(bundle, statSync(bundle).size, Number(values.rounds ?? 30));
  process.stdout.write(`${startupMarkdown({ startup, decision: {} })}\n${JSON.stringify(startup, null, 2)}\n`);
  return 0;
}

/** `bench.cjs redaction`: only the output-path figures (seconds, no sandbox). */
async function redactionOnly(): Promise<number> {
  process.stdout.write(`${redactionMarkdown(redactionBench(false))}\n`);
  return 0;
}

const [first, ...rest] = process.argv.slice(2);
(first === "reference" ? reference(rest) : first === "redaction" ? redactionOnly() : first === "scale" ? scaleOnly(rest) : first === "startup" ? startupOnly(rest) : bench(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(first === "reference" ? 1 : 2);
  },
);
