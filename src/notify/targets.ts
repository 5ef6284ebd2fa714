// EB_MIGRATE_NOTIFY: where the leader reports a release — SNS topics (an ARN, or `eb-topic` for
// the environment's own EB notification topic) and webhook URLs (secrets: shown by host only).

export type NotifyTarget =
  | { kind: "sns"; topicArn: string }
  | { kind: "eb-topic" }
  | { kind: "webhook"; url: string };

export type NotifyOn = "failure" | "always";

export const EB_TOPIC = "eb-topic";
export const NOTIFY_ALLOWED = `comma-separated SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:NAME), "${EB_TOPIC}" (the environment's EB notification topic) or https:// webhook URLs`;

/** SNS topic ARNs (AWS SNS API reference, CreateTopic: names of 1-256 of A-Z a-z 0-9 _ -, `.fifo` for FIFO topics). */
const TOPIC_ARN = /^arn:aws(?:-cn|-us-gov)?:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;
/** Plain http is allowed to loopback only: the sandbox's webhook receiver. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The parsed list, or the reason why one item is not allowed (naming it without its secret part). */
export function parseNotifyTargets(raw: string): NotifyTarget[] | { invalid: string } {
  const targets: NotifyTarget[] = [];
  const seen = new Set<string>();
  for (const item of raw.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const target = parseTarget(item);
    if (!target) return { invalid: `"${publicItem(item)}" is not an SNS topic ARN, "${EB_TOPIC}" or an https:// URL` };
    const key = targetKey(target);
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push(target);
  }
  return targets;
}

function parseTarget(item: string): NotifyTarget | undefined {
  if (item === EB_TOPIC) return { kind: "eb-topic" };
  if (TOPIC_ARN.test(item)) return { kind: "sns", topicArn: item };
  let url: URL;
  try {
    url = new URL(item);
  } catch {
    return undefined;
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname.toLowerCase()))) return { kind: "webhook", url: item };
  return undefined;
}

function targetKey(target: NotifyTarget): string {
  return target.kind === "sns" ? target.topicArn : target.kind === "webhook" ? target.url : EB_TOPIC;
}

/** A target as logs and messages may show it: a webhook by scheme and host only. */
export function describeTarget(target: NotifyTarget): string {
  if (target.kind === "sns") return target.topicArn;
  if (target.kind === "eb-topic") return `${EB_TOPIC} (the environment's EB notification topic)`;
  return publicUrl(target.url);
}

/** `https://hooks.slack.com/…` for any URL; anything else as is (an ARN or a word holds no secret). */
export function publicItem(item: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(item) ? publicUrl(item) : item;
}

function publicUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return `${text.split("//")[0]}//…`;
  }
}

/** The whole EB_MIGRATE_NOTIFY value as it may be shown: every URL by scheme and host. */
export function publicNotifyValue(raw: string): string {
  return raw
    .split(",")
    .map((s) => publicItem(s.trim()))
    .join(",");
}

/** The webhook URLs: secrets (their path is the credential), masked wherever output goes. */
export function webhookSecrets(targets: readonly NotifyTarget[]): string[] {
  return targets.flatMap((t) => (t.kind === "webhook" ? [t.url] : []));
}

/**
 * What EB names the SNS topic it creates for an environment's notification e-mail (EB developer
 * guide, "Elastic Beanstalk environment notifications with Amazon SNS", says it creates one, not
 * its name: this is the name the console shows). A topic of your own set in
 * aws:elasticbeanstalk:sns:topics is not covered: name its ARN in EB_MIGRATE_NOTIFY instead.
 */
export function environmentTopicName(environmentName: string): string {
  return `ElasticBeanstalkNotifications-Environment-${environmentName}`;
}
