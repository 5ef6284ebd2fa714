// The notification's content, built once: a subject, a plain text (SNS, e-mail subscribers) and
// a Slack-compatible body (`text` for clients without blocks, plus blocks).
import type { Deployment, Identity } from "../instance/types.js";
import type { LeaderOutcome } from "../release/leader-outcome.js";

/** The tail a notification carries (PRODUCT: "the last 20 output lines"). */
export const NOTIFY_TAIL_LINES = 20;
/** SNS Publish: "Subjects must be ... less than 100 characters long" (SNS API reference, Publish). */
const SUBJECT_MAX = 99;
/** Slack: a section's text is at most 3000 characters (Block Kit reference, section block). */
const SLACK_SECTION_MAX = 3000;

export interface NotificationInput {
  identity: Pick<Identity, "environmentName" | "environmentId">;
  deployment: Deployment;
  outcome: LeaderOutcome;
}

export interface Notification {
  subject: string;
  text: string;
  slack: { text: string; blocks: unknown[] };
}

export function buildNotification({ identity, deployment, outcome }: NotificationInput): Notification {
  const what = deployment.versionLabel ?? deployment.key;
  const result = outcome.succeeded ? "succeeded" : "failed";
  const headline = `eb-migrate: release of ${what} on ${identity.environmentName} ${result}${outcome.reason ? `: ${outcome.reason}` : ""}`;
  const facts: [string, string][] = [
    ["Environment", `${identity.environmentName} (${identity.environmentId})`],
    ["Deployment", deployment.deploymentId ? `${what} (deployment ${deployment.deploymentId})` : what],
    ["Leader", outcome.leader],
    ["Attempt", outcome.attempt === undefined ? "-" : String(outcome.attempt)],
    ["Duration", `${(Math.round(outcome.durationMs / 100) / 10).toFixed(1)} s`],
    ["Exit code", outcome.exitCode === null ? "none" : String(outcome.exitCode)],
  ];
  const election = electionNote(outcome);
  if (election) facts.push(["Election", election]);
  const tail = outcome.outputTail.slice(-NOTIFY_TAIL_LINES);
  const tailTitle = tail.length === 0 ? "No output." : `Last ${tail.length} lines of output:`;
  const text = [headline, "", ...facts.map(([k, v]) => `${k}: ${v}`), "", tailTitle, ...tail.map((l) => `  | ${l}`)].join("\n");
  const subject = oneLine(`eb-migrate: release ${result} on ${identity.environmentName} (${what})`).slice(0, SUBJECT_MAX);
  const blocks: unknown[] = [
    { type: "section", text: { type: "mrkdwn", text: fit(`*${escapeSlack(headline)}*`) } },
    { type: "section", fields: facts.map(([k, v]) => ({ type: "mrkdwn", text: `*${k}*\n${escapeSlack(v)}` })) },
  ];
  if (tail.length > 0) blocks.push({ type: "section", text: { type: "mrkdwn", text: codeBlock(tailTitle, tail) } });
  return { subject, text, slack: { text: headline, blocks } };
}

function electionNote(outcome: LeaderOutcome): string | undefined {
  if (outcome.election === "fallback") return "FALLBACK: the lease table could not be used; the oldest InService instance ran the command without a lease";
  if (outcome.takeover === "holder-gone") return "took over the lease: the previous holder was no longer an InService instance";
  if (outcome.takeover === "lease-expired") return "took over the lease: the previous holder stopped renewing it";
  return undefined;
}

/** The tail as a code block, dropping its oldest lines until it fits one section. */
function codeBlock(title: string, tail: string[]): string {
  let lines = tail.map((l) => escapeSlack(l).replace(/```/g, "`\u200b``"));
  const render = () => `${title}\n\`\`\`\n${lines.join("\n")}\n\`\`\``;
  while (lines.length > 1 && render().length > SLACK_SECTION_MAX) lines = lines.slice(1);
  return fit(render());
}

function fit(text: string): string {
  return text.length > SLACK_SECTION_MAX ? `${text.slice(0, SLACK_SECTION_MAX - 1)}…` : text;
}

/** Slack's mrkdwn needs &, < and > escaped (Slack: "Formatting text for app surfaces"). */
function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ");
}
