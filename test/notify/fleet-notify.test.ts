// Notifications with the real parts: the built bundle on several sandbox instances, a leader
// killed mid-command and taken over, the SNS stand-in and the local webhook receiver.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sandbox, SandboxInstanceEntry } from "../../src/sandbox/index.js";
import { describeRuns, startInstance, type RunningInstance } from "../support/fleet.js";
import { laptopEnv, runCli } from "../support/cli.js";
import { perTestResources } from "../support/resources.js";

const resources = perTestResources();
const DB_PASSWORD = "s3cret-db-password-42";
/** Prints a secret, the notify setting (a webhook URL), 25 numbered lines, then fails. */
const FAILING = `echo "connecting with $DB_PASSWORD"; echo "notify is $EB_MIGRATE_NOTIFY"; for i in $(seq 1 25); do echo "line $i"; done; sleep $SLEEP; echo "ProgrammingError: relation shop_item does not exist"; exit 3`;

async function setUp(instances: number, properties: Record<string, string> = {}) {
  const sandbox = await resources.sandbox({ instances });
  const topic = sandbox.sns.create("team-releases");
  sandbox.sns.create("ElasticBeanstalkNotifications-Environment-sandbox", { environment: true });
  await sandbox.setEnvironmentProperties({
    EB_MIGRATE_SHELL: "true",
    EB_MIGRATE_COMMAND: FAILING,
    EB_MIGRATE_LEASE_SECONDS: "3",
    EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "60",
    EB_MIGRATE_NOTIFY: `${sandbox.state().webhookUrl},${topic},eb-topic`,
    ...properties,
  });
  return { sandbox, topic };
}

async function start(instance: SandboxInstanceEntry, sleep: string): Promise<RunningInstance> {
  const cwd = join(instance.env.EB_MIGRATE_ROOT!, "var/app/staging");
  await mkdir(cwd, { recursive: true });
  return await startInstance(instance, { cwd, env: { DB_PASSWORD, SLEEP: sleep } });
}

function snsMessages(sandbox: Sandbox, topicArn: string) {
  return sandbox.sns.messages.filter((m) => m.topicArn === topicArn);
}

describe("notifications of a failing release", () => {
  it("exactly one webhook and one SNS message per topic, across a takeover and a later instance; tail, no secret", async () => {
    const { sandbox, topic } = await setUp(3);
    const envTopic = sandbox.sns.environmentTopic!;
    const running = await Promise.all(sandbox.state().instances.map((i) => start(i, "2")));
    // The first leader dies mid-command; its lease runs out and another instance takes over.
    const first = await Promise.race(running.map((r) => r.waitFor(/running command/).then(() => r)));
    first.child.kill("SIGKILL");
    const runs = await Promise.all(running.filter((r) => r !== first).map((r) => r.done));
    const detail = describeRuns(runs) + first.output();
    expect(runs.map((r) => r.exitCode), detail).toEqual([1, 1]);
    const leader = runs.find((r) => /took over the lease/.test(r.output));
    expect(leader, detail).toBeDefined();

    // A later instance for the same deployment sees the failure and sends nothing.
    const late = await sandbox.launch({ wait: true });
    const lateRun = await (await start(late, "0")).done;
    expect(lateRun.exitCode, lateRun.output).toBe(1);

    expect(sandbox.webhook.requests, detail).toHaveLength(1);
    expect(snsMessages(sandbox, topic), detail).toHaveLength(1);
    expect(snsMessages(sandbox, envTopic), detail).toHaveLength(1);

    const hook = sandbox.webhook.requests[0]!;
    const body = hook.body as { text: string; blocks: { text?: { text: string } }[] };
    expect(hook.contentType).toBe("application/json");
    expect(body.text).toMatch(/failed: exit code 3/);
    const slack = JSON.stringify(body);
    const sns = snsMessages(sandbox, topic)[0]!;
    for (const text of [slack, sns.message]) {
      expect(text).toContain(leader!.id);
      expect(text).toMatch(/took over the lease/);
      expect(text).toContain("ProgrammingError: relation shop_item does not exist");
      expect(text).toContain("line 25");
      // The last 20 lines only: line 6 is the 21st from the end.
      expect(text).toContain("line 7");
      expect(text).not.toMatch(/line 6\b/);
      expect(text).not.toContain(DB_PASSWORD);
      expect(text).not.toContain(new URL(sandbox.state().webhookUrl).pathname);
    }
    expect(sns.subject).toMatch(/^eb-migrate: release failed on /);
    // The logs name the webhook by host only.
    for (const r of [...runs, lateRun]) expect(r.output).not.toContain(new URL(sandbox.state().webhookUrl).pathname);

    // status tells the story: attempt 2 by the instance that took over, notified once.
    const status = await runCli(["status", "--json", "--env", sandbox.state().environment.name], laptopEnv(late.env));
    expect(status.exitCode, status.stderr).toBe(0);
    const [release] = (JSON.parse(status.stdout) as { releases: Record<string, unknown>[] }).releases;
    expect(release).toMatchObject({ result: "failed", leader: leader!.id, attempt: 2, takeover: "lease-expired", exitCode: 3, notification: { state: "sent", detail: "sent to 3 targets" } });
    const table = await runCli(["status", "--env", sandbox.state().environment.name], laptopEnv(late.env));
    expect(table.stdout).toMatch(new RegExp(`${leader!.id}\\s+lease, took over \\(lease-expired\\)\\s+failed: .*\\s+2\\s+.*\\s+sent\\s*$`, "m"));
  });

  it.each(["hang", "error"] as const)("a webhook that answers %s changes no exit code; SNS still gets its message", async (mode) => {
    const { sandbox, topic } = await setUp(2);
    sandbox.webhook.mode = mode;
    const running = await Promise.all(sandbox.state().instances.map((i) => start(i, "0")));
    const runs = await Promise.all(running.map((r) => r.done));
    const detail = describeRuns(runs);
    expect(runs.map((r) => r.exitCode), detail).toEqual([1, 1]);
    expect(sandbox.webhook.requests, detail).toHaveLength(1);
    expect(snsMessages(sandbox, topic), detail).toHaveLength(1);
    const leader = runs.find((r) => /running command/.test(r.output))!;
    const status = await runCli(["status", "--json"], sandbox.state().instances[0]!.env);
    const [release] = (JSON.parse(status.stdout) as { releases: Record<string, unknown>[] }).releases;
    expect(release).toMatchObject({ notification: { state: "partly-sent", detail: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…: (no answer within 5 s|HTTP 500)$/) } });
    expect(leader.output).toMatch(mode === "hang" ? /notification to http:\/\/127\.0\.0\.1:\d+\/… failed: no answer within 5 s/ : /notification to http:\/\/127\.0\.0\.1:\d+\/… failed: HTTP 500/);
  });
});

describe("notifications after a fallback election", () => {
  it("the oldest instance alone notifies, saying it was a fallback election", async () => {
    const { sandbox, topic } = await setUp(3);
    sandbox.injectFault({ service: "dynamodb", error: "AccessDeniedException" });
    const runs = await Promise.all((await Promise.all(sandbox.state().instances.map((i) => start(i, "0")))).map((r) => r.done));
    const detail = describeRuns(runs);
    // The fallback leader fails; its fallback followers do not wait for it (PRODUCT: fallback).
    expect(runs.map((r) => r.exitCode).sort(), detail).toEqual([0, 0, 1]);
    expect(sandbox.webhook.requests, detail).toHaveLength(1);
    expect(snsMessages(sandbox, topic), detail).toHaveLength(1);
    const text = snsMessages(sandbox, topic)[0]!.message;
    expect(text).toMatch(/FALLBACK/);
    expect(text).toContain(`Leader: ${sandbox.state().instances[0]!.id}`);
  });
});

describe("notifications of a successful release", () => {
  it("are sent with EB_MIGRATE_NOTIFY_ON=always, once; not by default", async () => {
    const { sandbox, topic } = await setUp(2, { EB_MIGRATE_COMMAND: "echo migrated", EB_MIGRATE_NOTIFY_ON: "always" });
    const runs = await Promise.all((await Promise.all(sandbox.state().instances.map((i) => start(i, "0")))).map((r) => r.done));
    expect(runs.map((r) => r.exitCode), describeRuns(runs)).toEqual([0, 0]);
    expect(sandbox.webhook.requests).toHaveLength(1);
    expect((sandbox.webhook.requests[0]!.body as { text: string }).text).toMatch(/succeeded/);
    expect(snsMessages(sandbox, topic)).toHaveLength(1);

    await sandbox.setEnvironmentProperties({ EB_MIGRATE_NOTIFY_ON: null });
    await sandbox.deploy();
    const again = await Promise.all((await Promise.all(sandbox.state().instances.map((i) => start(i, "0")))).map((r) => r.done));
    expect(again.map((r) => r.exitCode), describeRuns(again)).toEqual([0, 0]);
    expect(sandbox.webhook.requests).toHaveLength(1);
    expect(snsMessages(sandbox, topic)).toHaveLength(1);
  });
});
