// `eb-migrate demo`: a sandboxed environment and a real Django app on SQLite, five scenes of an
// environment's day, a summary table; exit 0 only when every scene behaved as promised.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { quote } from "shell-quote";
import type { Output } from "../cli/command.js";
import { ConfigError, ExitCode } from "../cli/errors.js";
import { formatDuration } from "../ops/table-text.js";
import { startSandbox } from "../sandbox/index.js";
import type { DemoBed } from "./bed.js";
import { Narrator, type SceneSummary } from "./narrator.js";
import { findDemoPython, INSTALL_HINT } from "./python.js";
import { SCENES } from "./scenes.js";

/** Short lease so that takeovers and the fallback happen within seconds. */
export const DEMO_LEASE_SECONDS = 3;
export const DEMO_INSTANCES = 4;

export interface DemoInput {
  env: NodeJS.ProcessEnv;
  stdout: Output;
  verbose: boolean;
  /** The instance bundle to run as each instance (default: dist/eb-migrate.cjs next to this bundle). */
  bundle?: string;
}

export async function runDemo(input: DemoInput): Promise<number> {
  const started = performance.now();
  const demoPython = await findDemoPython(input.env);
  if (!demoPython) throw new ConfigError(INSTALL_HINT);
  const app = demoPython.djangoVersion ? "django" : "stand-in";
  const bundle = input.bundle ?? instanceBundle();
  const narrator = new Narrator(input.stdout, input.env, input.verbose);
  const work = await mkdtemp(join(tmpdir(), "eb-migrate-demo-"));
  const statsDir = join(work, "stats");
  await mkdir(statsDir);
  const database = join(work, "db.sqlite3");
  // The work directory goes with a sandbox that cannot start (e.g. dynalite not installed).
  const sandbox = await startSandbox({
    instances: DEMO_INSTANCES,
    baseDir: join(work, "sandbox"),
    environmentProperties: {
      EB_MIGRATE_COMMAND: `${quote([demoPython.python])} manage.py migrate --noinput`,
      EB_MIGRATE_LEASE_SECONDS: String(DEMO_LEASE_SECONDS),
      EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "45",
      DEMO_DATABASE: database,
    },
  }).catch(async (error: unknown) => {
    await rm(work, { recursive: true, force: true });
    throw error;
  });
  const bed: DemoBed = { sandbox, python: demoPython.python, app, bundle, database, statsDir, narrator, version: 0, live: new Set() };
  const rows: SceneSummary[] = [];
  try {
    const state = sandbox.state();
    narrator.say(`eb-migrate demo: Elastic Beanstalk environment ${state.environment.name} with ${state.instances.length} instances, emulated on 127.0.0.1`);
    narrator.say(
      demoPython.djangoVersion
        ? `a Django ${demoPython.djangoVersion} app (${demoPython.python}) on one SQLite database; each instance runs "eb-migrate run" as its predeploy hook`
        : `No Python here can import Django: the scenes play with the demo's migration stand-in, NOT Django (${demoPython.python}, stdlib sqlite3, numbered migrations recorded in a table, no lock: the same hazard as Django's migrate)`,
    );
    narrator.note(`lease ${DEMO_LEASE_SECONDS} s (default 30) so that takeovers and the fallback show within seconds`);
    for (const scene of SCENES) rows.push(await scene(bed));
  } finally {
    for (const p of bed.live) p.crash();
    await sandbox.stop();
    await rm(work, { recursive: true, force: true });
  }
  narrator.summary(rows);
  const ok = rows.every((r) => r.ok);
  narrator.say("");
  narrator.verdict(ok, ok ? `every scene behaved as promised (${formatDuration(performance.now() - started)})` : `${rows.filter((r) => !r.ok).length} scene(s) did not behave as promised`);
  return ok ? ExitCode.ok : ExitCode.releaseFailed;
}

/** dist/eb-migrate.cjs beside the running dev bundle (or the dev bundle itself, which has `run` too). */
function instanceBundle(): string {
  const self = typeof __filename === "string" && __filename.endsWith(".cjs") ? __filename : undefined;
  if (!self) throw new ConfigError('the demo runs the built bundle: run "npm run demo" (it builds first)');
  const sibling = join(dirname(self), "eb-migrate.cjs");
  return existsSync(sibling) ? sibling : self;
}
