// The leader's notification (RunnerDeps.onLeaderOutcome): decides whether to send, marks the
// release record first (once per release, across takeovers), sends to every target at once
// under one deadline, and only ever warns: a notification never changes the exit code.
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import { createClients, type AwsClients, type CallCounter } from "../aws/clients.js";
import { errorCode, isAccessDenied } from "../aws/errors.js";
import type { Settings } from "../config/settings.js";
import { describeError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import { deployedOptionSettings } from "../instance/eb-options.js";
import type { Deployment, Identity } from "../instance/types.js";
import type { LeaderOutcome } from "../release/leader-outcome.js";
import type { NotificationState } from "../release/record-item.js";
import type { Redactor } from "../release/redact.js";
import { buildNotification, type Notification } from "./message.js";
import { NotificationMarks } from "./record.js";
import { describeTarget, EB_TOPIC, type NotifyOn, type NotifyTarget } from "./targets.js";

/** All targets together get this long (PRODUCT: bounded, at most 5 s); then the requests are aborted. */
export const NOTIFY_TIMEOUT_MS = 5_000;
/** EB's notification topic (EB developer guide, "General options": aws:elasticbeanstalk:sns:topics). */
export const EB_SNS_NAMESPACE = "aws:elasticbeanstalk:sns:topics";
export const EB_TOPIC_OPTION = "Notification Topic ARN";

export interface NotifierDeps {
  targets: readonly NotifyTarget[];
  on: NotifyOn;
  identity: Pick<Identity, "environmentName" | "environmentId">;
  deployment: Deployment;
  log: Logger;
  redact: Redactor;
  /** An SNS client for the topic's region (SNS publishes only within a topic's own region). */
  sns(region: string): SNSClient;
  elasticBeanstalk: ElasticBeanstalkClient;
  /** Lease election: where the mark is kept; absent, every call sends. */
  marks?: NotificationMarks;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** RunnerDeps.onLeaderOutcome for these settings (nothing when EB_MIGRATE_NOTIFY is empty). */
export function leaderNotifier(
  settings: Settings,
  context: Pick<NotifierDeps, "identity" | "deployment" | "log" | "redact"> & { identity: { region: string }; clients: AwsClients; calls?: CallCounter },
): { onLeaderOutcome?: (outcome: LeaderOutcome) => Promise<void> } {
  if (settings.notify.targets.length === 0) return {};
  const { clients, calls, ...rest } = context;
  return {
    onLeaderOutcome: createNotifier({
      ...rest,
      targets: settings.notify.targets,
      on: settings.notify.on,
      sns: (region) => (region === context.identity.region ? clients.sns : createClients({ region }, calls).sns),
      elasticBeanstalk: clients.elasticBeanstalk,
      marks: new NotificationMarks(clients.dynamodb, settings.table),
    }),
  };
}

export interface TargetResult {
  target: string;
  ok: boolean;
  detail: string;
}

export function createNotifier(deps: NotifierDeps): (outcome: LeaderOutcome) => Promise<void> {
  return async (outcome) => {
    if (deps.targets.length === 0 || (outcome.succeeded && deps.on === "failure")) return;
    const log = deps.log;
    const key =
      deps.marks && outcome.election === "lease" && outcome.fencingToken !== undefined
        ? { environmentId: deps.identity.environmentId, deploymentKey: deps.deployment.key, leader: outcome.leader, fencingToken: outcome.fencingToken }
        : undefined;
    if (key && deps.marks) {
      const claim = await deps.marks.claim(key);
      if (claim === "already-notified") {
        log.info("this release was notified already; not notifying again", { state: "notified" });
        return;
      }
      if (claim === "unknown") log.warn("could not mark the notification in the release record (DynamoDB did not answer); sending it anyway");
    }
    const message = buildNotification({
      identity: deps.identity,
      deployment: deps.deployment,
      outcome: { ...outcome, ...(outcome.reason ? { reason: deps.redact(outcome.reason) } : {}), outputTail: outcome.outputTail.map(deps.redact) },
    });
    const results = await sendAll(deps, message);
    const failed = results.filter((r) => !r.ok);
    for (const r of failed) log.warn(`notification to ${r.target} failed: ${r.detail}; the release's outcome is unchanged`, { state: "notify-failed" });
    const state: Exclude<NotificationState, "sending"> = failed.length === 0 ? "sent" : failed.length === results.length ? "failed" : "partly-sent";
    const detail = failed.length === 0 ? `sent to ${results.length} target${results.length === 1 ? "" : "s"}` : failed.map((r) => `${r.target}: ${r.detail}`).join("; ");
    if (failed.length < results.length) log.info(`notified ${results.filter((r) => r.ok).map((r) => r.target).join(", ")}`, { state: "notified" });
    if (key && deps.marks && !(await deps.marks.record(key, state, detail))) log.warn("could not record the notification's result in the release record");
  };
}

/** Every target at once; each result within the deadline, a late one as "no answer". */
export async function sendAll(deps: Pick<NotifierDeps, "targets" | "sns" | "elasticBeanstalk" | "identity" | "fetch" | "timeoutMs">, message: Notification): Promise<TargetResult[]> {
  const timeoutMs = deps.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  try {
    return await Promise.all(
      deps.targets.map(async (target): Promise<TargetResult> => {
        const name = describeTarget(target);
        try {
          const detail = await untilAborted(sendOne(deps, target, message, deadline.signal), deadline.signal);
          return { target: name, ok: true, detail };
        } catch (error) {
          const detail = deadline.signal.aborted ? describeError(deadline.signal.reason) : failureDetail(target, error);
          return { target: name, ok: false, detail };
        }
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}

async function sendOne(deps: Pick<NotifierDeps, "sns" | "elasticBeanstalk" | "identity" | "fetch">, target: NotifyTarget, message: Notification, signal: AbortSignal): Promise<string> {
  if (target.kind === "webhook") {
    const response = await (deps.fetch ?? fetch)(target.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message.slack),
      signal,
      // A redirect would carry the body to a host the user did not name.
      redirect: "manual",
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status}`);
    return `HTTP ${response.status}`;
  }
  const topicArn = target.kind === "sns" ? target.topicArn : await environmentTopic(deps, signal);
  const region = topicArn.split(":")[3]!;
  const out = await deps.sns(region).send(new PublishCommand({ TopicArn: topicArn, Subject: message.subject, Message: message.text }), { abortSignal: signal });
  return `message ${out.MessageId ?? "?"}`;
}

async function environmentTopic(deps: Pick<NotifierDeps, "elasticBeanstalk" | "identity">, signal: AbortSignal): Promise<string> {
  let options;
  try {
    options = await deployedOptionSettings(deps.elasticBeanstalk, deps.identity, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`reading the environment's configuration failed (${describeError(error)}); the instance role needs elasticbeanstalk:DescribeEnvironments and DescribeConfigurationSettings`, { cause: error });
  }
  const arn = options.find((o) => o.Namespace === EB_SNS_NAMESPACE && o.OptionName === EB_TOPIC_OPTION)?.Value;
  if (!arn) throw new Error(`${deps.identity.environmentName} has no notification topic (${EB_SNS_NAMESPACE}); add an e-mail under Configuration → Notifications in the EB console, or name a topic ARN instead of ${EB_TOPIC}`);
  return arn;
}

/**
 * SNS's own "access denied": the SDK names it AuthorizationErrorException (its wire Code is
 * AuthorizationError, which a bare query-protocol body carries).
 */
const SNS_AUTHORIZATION_ERRORS: ReadonlySet<string> = new Set(["AuthorizationErrorException", "AuthorizationError"]);

function failureDetail(target: NotifyTarget, error: unknown): string {
  if (target.kind === "webhook") {
    // Never the URL: fetch's errors can quote it; say only what kind of failure it was.
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const detail = error instanceof Error && /^HTTP \d+$/.test(error.message) ? error.message : typeof cause?.code === "string" ? cause.code : "the request failed";
    return detail;
  }
  if (isAccessDenied(error) || SNS_AUTHORIZATION_ERRORS.has(errorCode(error))) return `${describeError(error)} (grant the instance role sns:Publish on the topic; see "eb-migrate policy")`;
  return describeError(error);
}

/** Rejects when `signal` aborts even if `work` ignores it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
