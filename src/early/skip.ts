// The early skip: `run` for a deployment that is already released — the most frequent run of
// all (every instance of every scale-out, every redeploy of the same version) — answered
// before the AWS SDK is even compiled. It walks run's own steps with the same modules (settings,
// the mode's settings check, the EB files, the identity, the log lines) and reads the release
// record with one signed GetItem. It only ever answers "skipped"; anything else — a release not
// done, a flag, an unusual credential or endpoint set-up, any error, a slow answer — hands over
// (undefined) with nothing written, and the full bundle starts from the beginning.
import type { Output } from "../cli/command.js";
import { createLogger, type LogRecord } from "../cli/log.js";
import { instanceRoot } from "../config/environment.js";
import { resolveSettings, type Settings } from "../config/settings.js";
import { environmentProperties } from "../instance/eb-files.js";
import { discoverDeployment, discoverIdentity } from "../instance/identity.js";
import { MODE_SETTINGS_CHECKS } from "../release/modes/settings-checks.js";
import { releaseFromItem } from "../release/record-item.js";
import { logRunStart, runLogSinks, skipRun } from "../release/run-log.js";
import type { RunOutcome } from "../release/run-outcome.js";
import { writeRunStats } from "../release/run-stats.js";
import { monotonicNow } from "../runtime/monotonic.js";
import { nodeVersionWarning } from "../runtime/node-version.js";
import { PARTITION_KEY, releaseKey } from "../table/table.js";
import { credentialSource } from "./credentials.js";
import { dynamodbEndpoint, getItem } from "./dynamodb.js";
import { handover } from "./handover.js";
import { EarlyMetadata, metadataEndpoint } from "./imds.js";

/** The whole early skip, IMDS and GetItem included; past it the full path asks again. */
export const EARLY_SKIP_BUDGET_MS = 1500;

/** 0 when this run is a skip (its lines written, as `run` writes them); undefined to run the full bundle. */
export async function earlySkip(argv: string[], env: NodeJS.ProcessEnv, stderr: Output): Promise<number | undefined> {
  let skip: Skip | undefined;
  try {
    skip = await decide(argv, env);
  } catch {
    return undefined;
  }
  // Decided: from here this run is the skip, whatever happens (never a second start line).
  return skip ? finish(skip, stderr) : undefined;
}

/** A run found to be a skip: its log records (not written yet) and what its stats need. */
interface Skip {
  outcome: RunOutcome;
  records: LogRecord[];
  settings: Settings;
  runEnv: NodeJS.ProcessEnv;
  root: string;
  statsFile: string | undefined;
  started: number;
}

async function decide(argv: string[], env: NodeJS.ProcessEnv): Promise<Skip | undefined> {
  if (argv[0] !== "run") return undefined;
  // `run` alone, or with --stats-file F (bench, chaos, demo); every other flag is the full path's.
  const statsFile = argv.length === 3 && argv[1] === "--stats-file" && argv[2] !== "" ? argv[2] : undefined;
  if (argv.length !== 1 && statsFile === undefined) return undefined;
  const signal = AbortSignal.timeout(EARLY_SKIP_BUDGET_MS);
  const started = monotonicNow();
  const root = instanceRoot(env);
  // As run does: the environment properties join the environment, values already set win.
  const properties = await environmentProperties(root);
  handover.properties = properties;
  const runEnv: NodeJS.ProcessEnv = { ...properties, ...env };
  const settings = resolveSettings(runEnv);
  MODE_SETTINGS_CHECKS[settings.mode](settings);
  if (!settings.earlySkip || settings.disabled) return undefined;

  const source = credentialSource(runEnv);
  const imdsEndpoint = metadataEndpoint(runEnv);
  if (!source || !imdsEndpoint) return undefined;
  // Nothing is written until the answer is "skipped": the records wait here.
  const records: LogRecord[] = [];
  let log = createLogger({ sinks: [(record) => records.push(record)], debug: settings.debug });
  const nodeWarning = nodeVersionWarning();
  if (nodeWarning) log.warn(nodeWarning);
  const metadata = new EarlyMetadata(imdsEndpoint, signal);
  const [identity, deployment, credentials] = await Promise.all([
    discoverIdentity({ env: runEnv, root, metadata, describeTags: () => Promise.reject(new Error("EC2 DescribeTags is the full path's")) }),
    discoverDeployment(root),
    source.kind === "env" ? source.credentials : metadata.credentials(),
  ]);
  const endpoint = dynamodbEndpoint(runEnv, identity.region);
  if (!credentials || !endpoint) return undefined;
  log = log.child({ instance: identity.instanceId });
  logRunStart(log, identity, deployment, settings.mode);
  handover.calls.set("DynamoDB.GetItem", (handover.calls.get("DynamoDB.GetItem") ?? 0) + 1);
  const item = await getItem({ endpoint, region: identity.region, credentials, table: settings.table, key: { [PARTITION_KEY]: { S: releaseKey(identity.environmentId, deployment.key) } }, signal });
  const release = item ? releaseFromItem(item) : undefined;
  if (release?.status !== "succeeded") return undefined;
  return { outcome: skipRun(log, deployment, release), records, settings, runEnv, root, statsFile, started };
}

function finish({ outcome, records, settings, runEnv, root, statsFile, started }: Skip, stderr: Output): number {
  const sinks = runLogSinks(stderr, settings.logFormat, runEnv, root);
  for (const record of records) for (const sink of sinks) sink(record);
  if (statsFile === undefined) return 0;
  try {
    writeRunStats(statsFile, { exitCode: 0, role: outcome.role, leader: outcome.leader, durationMs: Math.round(monotonicNow() - started), calls: Object.fromEntries(handover.calls), maxRssKb: process.resourceUsage().maxRSS, early: true });
    return 0;
  } catch (error) {
    stderr.write(`eb-migrate run: cannot write --stats-file ${statsFile} (${(error as Error).message})\n`);
    return 1;
  }
}
