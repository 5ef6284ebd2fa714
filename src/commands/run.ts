// `eb-migrate run` — called by the predeploy hook (or container_commands) on every instance.
import { createClients, type CallCounter } from "../aws/clients.js";
import type { CommandSpec } from "../cli/command.js";
import { ConfigError, EbMigrateError, ExitCode } from "../cli/errors.js";
import { createLogger } from "../cli/log.js";
import { instanceRoot } from "../config/environment.js";
import { releaseRedactor, resolveSettings } from "../config/settings.js";
import { tableCallTimeoutMs } from "../election/fence.js";
import { LeaseStore } from "../election/lease.js";
import { groupOf, holderState, inServiceMembers, oldestInstance } from "../instance/auto-scaling.js";
import { environmentProperties } from "../instance/eb-files.js";
import { readDeploymentEnv } from "../instance/deployment-env.js";
import { ec2DescribeTags, instanceMetadata } from "../instance/aws-identity.js";
import { discoverDeployment, discoverIdentity } from "../instance/identity.js";
import { leaderNotifier } from "../notify/notifier.js";
import { handover } from "../early/handover.js";
import { releaseMode } from "../release/modes/index.js";
import { ReleaseStore } from "../release/record.js";
import { rerunTarget } from "../release/rerun.js";
import { logRunStart, runLogSinks } from "../release/run-log.js";
import { writeRunStats } from "../release/run-stats.js";
import type { RunOutcome } from "../release/run-outcome.js";
import { runRelease } from "../release/runner.js";
import { systemClock } from "../runtime/clock.js";
import { nodeVersionWarning } from "../runtime/node-version.js";
import { SETTINGS_FLAGS, SETTINGS_OPTIONS, SETTINGS_USAGE } from "./settings-flags.js";


export const runCommand: CommandSpec = {
  name: "run",
  summary: "Run the release command on exactly one instance; the others wait (use in the predeploy hook).",
  usage: `eb-migrate run ${SETTINGS_USAGE} [--stats-file F] [--now [--force]]`,
  options: { ...SETTINGS_OPTIONS, "stats-file": { type: "string" }, now: { type: "boolean" }, force: { type: "boolean" } },
  flags: {
    ...SETTINGS_FLAGS,
    "stats-file": "Write this run's role, leader, exit code, duration and AWS call counts to this JSON file (bench, chaos, demo).",
    now: "Run the release phase now, outside a deploy (what `eb-migrate release --env` sends through SSM).",
    force: "With --now: re-run a release that already succeeded, as a new attempt.",
  },
  async run(ctx, args) {
    const { "stats-file": statsFile, now, force, ...flags } = args.values;
    if (force === true && now !== true) throw new ConfigError("--force only goes with --now (re-running a release outside a deploy)");
    const root = instanceRoot(ctx.env);
    // Older platform versions give hooks no environment properties. They join the process
    // environment (values already set win), as the hook once exported them: the settings, the
    // release command and the AWS SDK (which reads process.env itself) all see them.
    // The early skip, when it handed over, has read them already (src/early/handover.ts).
    for (const [name, value] of Object.entries(handover.properties ?? (await environmentProperties(root)))) {
      if (ctx.env[name] === undefined) ctx.env[name] = value;
    }
    // Outside a hook (SSM Run Command) the platform's deployment file fills in the rest; ours win.
    if (now === true) ctx = { ...ctx, env: { ...(await readDeploymentEnv(root)), ...ctx.env } };
    const settings = resolveSettings(ctx.env, flags);
    const mode = releaseMode(settings);
    mode.checkSettings(settings);
    const clock = systemClock;
    let log = createLogger({ sinks: runLogSinks(ctx.stderr, settings.logFormat, ctx.env, root), now: clock.now, debug: settings.debug });
    if (settings.disabled) {
      log.warn("EB_MIGRATE_DISABLED is set: skipping the release command on this instance");
      return ExitCode.ok;
    }
    const nodeWarning = nodeVersionWarning();
    if (nodeWarning) log.warn(nodeWarning);
    const started = clock.now();
    // The early skip's calls, when it handed over, count as this run's.
    const calls: CallCounter = new Map(handover.calls);
    let outcome: RunOutcome | undefined;
    let exitCode: number = ExitCode.ok;
    try {
      const metadata = instanceMetadata(ctx.env);
      // EC2 is asked for tags only when EB's files do not name the environment; by then the
      // region is known from the metadata.
      const identity = await discoverIdentity({ env: ctx.env, root, metadata, describeTags: ec2DescribeTags((region) => createClients({ region }, calls).ec2) });
      const clients = createClients({ region: identity.region, dynamodbRequestTimeoutMs: tableCallTimeoutMs(settings.leaseSeconds) }, calls);
      // A follower's holder checks end at SIGTERM/SIGINT or the wait timeout, even when hung.
      const waiting = AbortSignal.any([ctx.signal, AbortSignal.timeout(settings.waitTimeoutSeconds * 1000)]);
      const checks = createClients({ region: identity.region, signal: waiting }, calls);
      log = log.child({ instance: identity.instanceId });
      const deployment = await discoverDeployment(root);
      logRunStart(log, identity, deployment, settings.mode);
      const redact = releaseRedactor(ctx.env, settings);
      const bundle = bundleFile();
      const supervisor = bundle ? { execPath: process.execPath, script: bundle } : undefined;

      const releases = new ReleaseStore(clients.dynamodb, settings.table, clock);
      // --now (release --env through SSM): a failed release runs again, with --force a succeeded one too.
      const rerun = now === true ? rerunTarget(await releases.read(identity.environmentId, deployment.key).catch(() => undefined), force === true) : undefined;
      outcome = await runRelease({
        ...(rerun ? { rerun } : {}),
        settings,
        identity,
        deployment,
        clock,
        log,
        signal: ctx.signal,
        leases: new LeaseStore(clients.dynamodb, settings.table, clock),
        releases,
        holderState: (id) => holderState(checks.autoScaling, checks.ec2, id),
        ...leaderNotifier(settings, { identity, deployment, log, redact, clients, calls }),
        oldestInstance: async () => {
          const group = identity.autoScalingGroup ?? (await groupOf(clients.autoScaling, identity.instanceId));
          if (!group) throw new Error(`${identity.instanceId} is in no Auto Scaling group`);
          const oldest = oldestInstance(await inServiceMembers(clients.autoScaling, clients.ec2, group));
          if (!oldest) throw new Error(`Auto Scaling group ${group} has no InService instance`);
          return oldest.instanceId;
        },
        prepare: () => mode.prepare({ settings, clients, identity, deployment, clock, log, signal: ctx.signal, instance: { cwd: ctx.cwd, env: ctx.env, root, redact, ...(supervisor ? { supervisor } : {}) } }),
      });
    } catch (error) {
      if (!(error instanceof EbMigrateError)) throw error;
      log.error(error.message);
      exitCode = error.exitCode;
    } finally {
      if (typeof statsFile === "string") {
        writeRunStats(statsFile, { exitCode, role: outcome?.role, leader: outcome?.leader, takeover: outcome?.takeover, durationMs: Math.round(clock.now() - started), calls: Object.fromEntries(calls), maxRssKb: process.resourceUsage().maxRSS });
      }
    }
    return exitCode;
  },
};

/** The running bundle (dist/eb-migrate.cjs or its copy on the instance); undefined under tests. */
function bundleFile(): string | undefined {
  return typeof __filename === "string" && __filename.endsWith(".cjs") ? __filename : undefined;
}
