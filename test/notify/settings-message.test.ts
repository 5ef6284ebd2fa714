// EB_MIGRATE_NOTIFY parsing (exit 2 naming the value, never a whole webhook URL) and the
// message built from a leader's outcome.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/cli/errors.js";
import { resolveSettings } from "../../src/config/settings.js";
import { buildNotification } from "../../src/notify/message.js";
import { describeTarget } from "../../src/notify/targets.js";

const SECRET_HOOK = "https://hooks.slack.com/services/T000/B000/very-secret-token";

describe("EB_MIGRATE_NOTIFY", () => {
  it("takes topic ARNs, eb-topic and https URLs (http only to loopback); defaults to failure only", () => {
    const s = resolveSettings({ EB_MIGRATE_NOTIFY: ` arn:aws:sns:eu-west-1:123456789012:team , eb-topic,${SECRET_HOOK},http://127.0.0.1:9/x,eb-topic` });
    expect(s.notify.targets).toEqual([
      { kind: "sns", topicArn: "arn:aws:sns:eu-west-1:123456789012:team" },
      { kind: "eb-topic" },
      { kind: "webhook", url: SECRET_HOOK },
      { kind: "webhook", url: "http://127.0.0.1:9/x" },
    ]);
    expect(s.notify.on).toBe("failure");
    expect(resolveSettings({}).notify.targets).toEqual([]);
    expect(resolveSettings({ EB_MIGRATE_NOTIFY_ON: "always" }).notify.on).toBe("always");
  });

  it.each([
    ["http://hooks.example.com/secret-path", "http://hooks.example.com/…"],
    ["arn:aws:sqs:eu-west-1:123456789012:queue", "arn:aws:sqs:eu-west-1:123456789012:queue"],
    ["slack", "slack"],
  ])("refuses %s with exit 2, naming it without its secret part", (bad, shown) => {
    let error: unknown;
    try {
      resolveSettings({ EB_MIGRATE_NOTIFY: `${SECRET_HOOK},${bad}` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect((error as ConfigError).exitCode).toBe(2);
    expect(message).toContain(`"${shown}"`);
    expect(message).toContain("SNS topic ARN");
    expect(message).not.toContain("very-secret-token");
    expect(message).not.toContain("secret-path");
  });

  it("refuses a bad EB_MIGRATE_NOTIFY_ON", () => {
    expect(() => resolveSettings({ EB_MIGRATE_NOTIFY_ON: "sometimes" })).toThrow(/EB_MIGRATE_NOTIFY_ON="sometimes" is not valid: expected failure or always/);
  });

  it("shows a webhook by scheme and host only", () => {
    expect(describeTarget({ kind: "webhook", url: SECRET_HOOK })).toBe("https://hooks.slack.com/…");
  });
});

describe("the notification", () => {
  const base = {
    identity: { environmentName: "shop-prod", environmentId: "e-abc" },
    deployment: { key: "v42#7", versionLabel: "v42", deploymentId: "7", source: "test" },
  };
  const tail = Array.from({ length: 30 }, (_, i) => `line ${i + 1} <b>&`);

  it("carries environment, deployment, leader, attempt, duration, exit code, the last 20 lines and the takeover", () => {
    const n = buildNotification({ ...base, outcome: { election: "lease", leader: "i-1", succeeded: false, reason: "exit code 1: migrate", exitCode: 1, durationMs: 12_340, outputTail: tail, attempt: 2, fencingToken: 3, takeover: "holder-gone" } });
    expect(n.subject).toBe("eb-migrate: release failed on shop-prod (v42)");
    for (const part of ["shop-prod (e-abc)", "v42 (deployment 7)", "Leader: i-1", "Attempt: 2", "Duration: 12.3 s", "Exit code: 1", "took over the lease", "Last 20 lines", "line 11 <b>&", "line 30"]) expect(n.text).toContain(part);
    expect(n.text).not.toContain("line 10 ");
    expect(n.slack.text).toContain("failed: exit code 1");
    const slack = JSON.stringify(n.slack.blocks);
    expect(slack).toContain("line 30 &lt;b&gt;&amp;");
    expect(slack).not.toContain("<b>");
  });

  it("says so loudly after a fallback election; a subject stays under 100 characters", () => {
    const n = buildNotification({ ...base, deployment: { ...base.deployment, versionLabel: "v".repeat(150) }, outcome: { election: "fallback", leader: "i-2", succeeded: true, exitCode: 0, durationMs: 0, outputTail: [] } });
    expect(n.text).toMatch(/FALLBACK/);
    expect(n.text).toMatch(/succeeded/);
    expect(n.subject.length).toBeLessThan(100);
  });
});
