// local mode of `release --env`: the release runs on one InService instance through SSM Run
// Command (AWS-RunShellScript calling the installed bundle with `run --now`), so it goes
// through the same lease as a deploy; its output is shown and its exit code returned.
import { DescribeEnvironmentResourcesCommand, type ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { quote } from "shell-quote";
import { isNotFound, isPermissionDenied } from "../aws/errors.js";
import { ConfigError, credentialsError, describeError, ExitCode, ReleaseFailedError, WaitTimeoutError, EbMigrateError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Output } from "../cli/command.js";
import { backoffDelay } from "../runtime/backoff.js";
import type { Clock } from "../runtime/clock.js";
import { BUNDLE_PATH, FIND_NODE_FUNCTION } from "../scaffold/hook-script.js";

export const SSM_DOCUMENT = "AWS-RunShellScript";
const HOW_TO_ENABLE =
  "attach the AmazonSSMManagedInstanceCore policy to the instance role (the SSM agent is preinstalled on Amazon Linux), let the instances reach Systems Manager, and give these credentials ssm:DescribeInstanceInformation, ssm:SendCommand (document AWS-RunShellScript) and ssm:GetCommandInvocation — or use ecs mode";

export interface SsmReleaseInput {
  ssm: SSMClient;
  elasticBeanstalk: ElasticBeanstalkClient;
  environmentName: string;
  force: boolean;
  /** How long the command may run on the instance (the release's own wait timeout and a margin). */
  timeoutSeconds: number;
  clock: Clock;
  log: Logger;
  /** Where the instance's output goes as it arrives. */
  out: Output;
  signal: AbortSignal;
}

/** The shell script SSM runs: the deployed app's bundle, as the hook would find node. */
export function ssmScript(force: boolean): string {
  const inner = `${FIND_NODE_FUNCTION}
cd "\${EB_MIGRATE_ROOT:-}/var/app/current"
find_node || { echo "eb-migrate: no Node.js >= 20 on this instance" >&2; exit 2; }
exec "$node_bin" ${BUNDLE_PATH} run --now${force ? " --force" : ""}`;
  // AWS-RunShellScript runs sh; the hook's node finder is bash.
  return `exec /bin/bash -euo pipefail -c ${quote([inner])}`;
}

export async function runThroughSsm(input: SsmReleaseInput): Promise<number> {
  const { ssm, log } = input;
  const instanceId = await pickInstance(input);
  let commandId: string | undefined;
  try {
    const sent = await ssm.send(
      new SendCommandCommand({
        DocumentName: SSM_DOCUMENT,
        InstanceIds: [instanceId],
        Comment: "eb-migrate release --env",
        Parameters: { commands: [ssmScript(input.force)], executionTimeout: [String(input.timeoutSeconds)] },
      }),
    );
    commandId = sent.Command?.CommandId;
  } catch (error) {
    const credentials = credentialsError(error, `SendCommand to ${instanceId}`);
    if (credentials) throw credentials;
    if (isPermissionDenied(error)) throw new ConfigError(`ssm:SendCommand was denied (${describeError(error)}); ${HOW_TO_ENABLE}`, { cause: error });
    throw new EbMigrateError(`SendCommand to ${instanceId} failed: ${describeError(error)}`, ExitCode.releaseFailed, { cause: error });
  }
  if (!commandId) throw new EbMigrateError("SendCommand answered without a command id", ExitCode.releaseFailed);
  log.info(`running the release on ${instanceId} through SSM Run Command`, { commandId, state: "running" });

  const deadline = input.clock.now() + (input.timeoutSeconds + 60) * 1000;
  let shownOut = 0;
  let shownErr = 0;
  for (let poll = 0; ; poll++) {
    await input.clock.sleep(backoffDelay(poll, 250, 2000), input.signal).catch(() => undefined);
    if (input.signal.aborted) throw new WaitTimeoutError(`stopped by ${String(input.signal.reason)}; the release goes on on ${instanceId} (command ${commandId})`);
    let inv;
    try {
      inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet (SSM API reference, GetCommandInvocation).
      if (isNotFound(error, "InvocationDoesNotExist") && poll < 10) continue;
      throw new EbMigrateError(`GetCommandInvocation for ${commandId} failed: ${describeError(error)}`, ExitCode.releaseFailed, { cause: error });
    }
    // The output may arrive in pieces or only at the end: show what is new.
    const stdout = inv.StandardOutputContent ?? "";
    const stderr = inv.StandardErrorContent ?? "";
    if (stdout.length > shownOut) input.out.write(stdout.slice(shownOut));
    if (stderr.length > shownErr) input.out.write(stderr.slice(shownErr));
    shownOut = Math.max(shownOut, stdout.length);
    shownErr = Math.max(shownErr, stderr.length);
    const status = inv.Status ?? "Pending";
    if (status === "Pending" || status === "InProgress" || status === "Delayed") {
      if (input.clock.now() > deadline) throw new WaitTimeoutError(`the release on ${instanceId} (SSM command ${commandId}) did not end within ${input.timeoutSeconds + 60} s`);
      continue;
    }
    const code = inv.ResponseCode ?? -1;
    if (status === "Success" || status === "Failed") {
      // run's own exit codes pass through; anything else is a failed release.
      if (code === 0) return ExitCode.ok;
      if (code === ExitCode.badConfiguration || code === ExitCode.waitTimedOut || code === ExitCode.noElection || code === ExitCode.releaseFailed) {
        throw new EbMigrateError(`the release on ${instanceId} exited ${code} (see its output above)`, code);
      }
      throw new ReleaseFailedError(`the release on ${instanceId} ended with exit code ${code} (see its output above)`);
    }
    throw new ReleaseFailedError(`SSM command ${commandId} on ${instanceId} ended ${status}${inv.StatusDetails && inv.StatusDetails !== status ? ` (${inv.StatusDetails})` : ""}`);
  }
}

/** An InService instance of the environment whose SSM agent is online (the first by id). */
async function pickInstance(input: SsmReleaseInput): Promise<string> {
  let ids: string[];
  try {
    const out = await input.elasticBeanstalk.send(new DescribeEnvironmentResourcesCommand({ EnvironmentName: input.environmentName }));
    ids = (out.EnvironmentResources?.Instances ?? []).map((i) => i.Id).filter((id): id is string => typeof id === "string");
  } catch (error) {
    throw new ConfigError(`DescribeEnvironmentResources for ${input.environmentName} failed: ${describeError(error)}; the credentials need elasticbeanstalk:DescribeEnvironmentResources`, { cause: error });
  }
  if (ids.length === 0) throw new ConfigError(`${input.environmentName} has no instance to run the release on (scaled to zero?); scale it out, or use ecs mode`);
  let online: string[];
  try {
    const out = await input.ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: ids }] }));
    online = (out.InstanceInformationList ?? []).filter((i) => i.PingStatus === "Online" && i.InstanceId).map((i) => i.InstanceId!);
  } catch (error) {
    throw new ConfigError(`SSM is not available for ${input.environmentName}: ${describeError(error)}; ${HOW_TO_ENABLE}`, { cause: error });
  }
  const chosen = ids.filter((id) => online.includes(id)).sort()[0];
  if (!chosen) throw new ConfigError(`SSM is not available for ${input.environmentName}: none of its instances (${ids.join(", ")}) is online in Systems Manager; ${HOW_TO_ENABLE}`);
  return chosen;
}
