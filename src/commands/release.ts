// `eb-migrate release --env NAME`: the release phase on demand, from a laptop or a pipeline —
// for the environment's current deployment, through the same lease and release record as a
// deploy's instances, so it never overlaps their migrate. A mode that runs from here (ecs: the
// task) runs through the lease from this machine; local mode sends `run --now` to an instance.
import { hostname } from "node:os";
import { clientConfig, createClients } from "../aws/clients.js";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { CommandSpec } from "../cli/command.js";
import { ConfigError, ExitCode } from "../cli/errors.js";
import { createLogger, streamSink } from "../cli/log.js";
import { ENV_PREFIX, releaseRedactor, resolveSettings, wholeNumberFlag, type Settings } from "../config/settings.js";
import { ENVIRONMENT_NAMESPACE } from "../ecs/environment.js";
import { LeaseStore } from "../election/lease.js";
import { holderState } from "../instance/auto-scaling.js";
import { deployedOptionSettings } from "../instance/eb-options.js";
import type { Identity } from "../instance/types.js";
import { leaderNotifier } from "../notify/notifier.js";
import { resolveTarget } from "../ops/target.js";
import { currentDeployment } from "../release/current-deployment.js";
import { releaseMode } from "../release/modes/index.js";
import { ReleaseStore } from "../release/record.js";
import { runRelease, type RunnerDeps } from "../release/runner.js";
import { runThroughSsm } from "../ops/ssm-release.js";
import { rerunTarget } from "../release/rerun.js";
import { systemClock } from "../runtime/clock.js";
import { SETTINGS_FLAGS, SETTINGS_OPTIONS, SETTINGS_USAGE } from "./settings-flags.js";

export const releaseCommand: CommandSpec = {
  name: "release",
  summary: "Run the release phase now for an environment's current deployment, through the same lease (ecs: a task; local: SSM Run Command).",
  usage: `eb-migrate release --env NAME [--region R] [--force] [--deployment-id N] ${SETTINGS_USAGE}`,
  options: { ...SETTINGS_OPTIONS, env: { type: "string" }, region: { type: "string" }, force: { type: "boolean" }, "deployment-id": { type: "string" } },
  flags: {
    ...SETTINGS_FLAGS,
    env: "The Elastic Beanstalk environment whose current deployment to release (required).",
    region: "The environment's region (default: AWS_REGION).",
    force: "Re-run a release that already succeeded, as a new attempt (never beside another run).",
    "deployment-id": "Release this deployment id instead of the one the environment's instances report (e.g. when it has scaled to zero).",
  },
  async run(ctx, args) {
    const { env: environmentName, region, force, "deployment-id": deploymentIdFlag, ...flags } = args.values;
    if (typeof environmentName !== "string" || environmentName === "") throw new ConfigError("release needs --env NAME (the Elastic Beanstalk environment)");
    // Checked as a whole number, passed on as written: it is part of the release's key.
    wholeNumberFlag("deployment-id", deploymentIdFlag);
    const deploymentId = typeof deploymentIdFlag === "string" ? deploymentIdFlag : undefined;
    const target = await resolveTarget({ env: ctx.env, root: "/", environmentName, ...(typeof region === "string" ? { region } : {}) });
    const clients = createClients({ region: target.region });

    // The environment's own EB_MIGRATE_* properties, under this shell's and the flags.
    const deployed: Record<string, string> = {};
    for (const o of await deployedOptionSettings(clients.elasticBeanstalk, target).catch((error: unknown) => {
      throw new ConfigError(`could not read the configuration of ${environmentName}: ${error instanceof Error ? error.message : String(error)}; the credentials need elasticbeanstalk:DescribeConfigurationSettings`, { cause: error });
    })) {
      if (o.Namespace === ENVIRONMENT_NAMESPACE && o.OptionName?.startsWith(ENV_PREFIX)) deployed[o.OptionName] = o.Value ?? "";
    }
    const resolved = resolveSettings({ ...deployed, ...ctx.env }, flags);
    // From outside an instance there is no Auto Scaling group to fall back on: the table or nothing.
    const settings: Settings = { ...resolved, fallback: "off" };
    const log = createLogger({ sinks: [streamSink(ctx.stderr, settings.logFormat, ctx.env)], now: systemClock.now, debug: settings.debug });
    const mode = releaseMode(settings);
    mode.checkSettings(settings);
    if (mode.onDemand === "instance") {
      // The command needs the app and the properties where they are: on an instance.
      return await runThroughSsm({ ssm: new SSMClient(clientConfig({ region: target.region })), elasticBeanstalk: clients.elasticBeanstalk, environmentName, force: force === true, timeoutSeconds: settings.waitTimeoutSeconds + 60, clock: systemClock, log, out: ctx.stderr, signal: ctx.signal });
    }
    const deployment = await currentDeployment(clients.elasticBeanstalk, target, deploymentId);
    // The lease holder's name says who and where; it is never an instance id, so a deploy's
    // instances judge it by the lease time alone (holderState).
    const identity: Identity = { instanceId: `release:${hostname()}:${process.pid}`, region: target.region, environmentName, environmentId: target.environmentId };
    const releases = new ReleaseStore(clients.dynamodb, settings.table, systemClock);
    const existing = await releases.read(identity.environmentId, deployment.key).catch(() => undefined);
    if (existing?.status === "succeeded" && force !== true) {
      log.info(`release ${deployment.key} of ${environmentName} already succeeded on ${existing.leader} (attempt ${existing.attempt}); nothing to do (--force runs it again)`, { state: "skipped" });
      return ExitCode.ok;
    }
    const rerun = rerunTarget(existing, force === true);
    log.info(`release ${deployment.key} of ${environmentName} (${identity.environmentId}) on demand, ${mode.name} mode${rerun ? `: running the ${rerun.status} release again` : ""}`, { state: "start" });

    const redact = releaseRedactor(ctx.env, settings);
    const deps: RunnerDeps = {
      settings,
      identity,
      deployment,
      clock: systemClock,
      log,
      signal: ctx.signal,
      leases: new LeaseStore(clients.dynamodb, settings.table, systemClock),
      releases,
      holderState: (id) => holderState(clients.autoScaling, clients.ec2, id),
      oldestInstance: () => Promise.reject(new Error("no fallback election from outside the environment")),
      ...(rerun ? { rerun } : {}),
      prepare: () => mode.prepare({ settings, clients, identity, deployment, clock: systemClock, log, signal: ctx.signal }),
      ...leaderNotifier(settings, { identity, deployment, log, redact, clients }),
    };
    await runRelease(deps);
    return ExitCode.ok;
  },
};
