// `run`'s log: where it goes (stderr, i.e. the deploy log, and the on-instance log file that
// `eb logs` collects) and the lines that open a run and end a skipped one. One place for both
// the full bundle (commands/run.ts, runner.ts) and the early skip (src/early/), which must say
// exactly the same.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { formatJson, streamSink, type LogFormat, type LogSink, type Logger } from "../cli/log.js";
import type { Deployment, Identity } from "../instance/types.js";
import type { ReleaseRecord } from "./record-item.js";
import type { RunOutcome } from "./run-outcome.js";

/** The on-instance log file (below EB_MIGRATE_ROOT): `run` appends to it; the ebextension adds it to `eb logs`. */
export const LOG_FILE = "/var/log/eb-migrate.log";

export function runLogSinks(stderr: { write(chunk: string): unknown; isTTY?: boolean }, format: LogFormat, env: NodeJS.ProcessEnv, root: string): LogSink[] {
  return [streamSink(stderr, format, env), fileSink(join(root, LOG_FILE))];
}

/** Appends JSON lines to the on-instance log file; a log file we cannot write is not fatal. */
function fileSink(path: string): LogSink {
  let broken = false;
  return (record) => {
    if (broken) return;
    try {
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(path, `${formatJson(record)}\n`);
    } catch {
      broken = true;
    }
  };
}

export function logRunStart(log: Logger, identity: Identity, deployment: Deployment, mode: string): void {
  log.info(`release ${deployment.key} of ${identity.environmentName} (${identity.environmentId}), ${mode} mode`, { state: "start" });
}

/** The release is done (succeeded, and not the one being re-run): nothing to do. */
export function skipRun(log: Logger, deployment: Deployment, release: ReleaseRecord): RunOutcome {
  log.info(`release ${deployment.key} already succeeded on ${release.leader}; nothing to do`, { state: "skipped" });
  return { role: "skipped", leader: release.leader };
}
