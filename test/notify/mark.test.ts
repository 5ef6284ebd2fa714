// The mark in the release record makes a release's notification once-only: a second leader
// outcome for the same record (same fencing token) sends nothing; a new attempt notifies again.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import { SNSClient } from "@aws-sdk/client-sns";
import { describe, expect, it } from "vitest";
import { createLogger, memorySink } from "../../src/cli/log.js";
import { createNotifier } from "../../src/notify/notifier.js";
import { NotificationMarks } from "../../src/notify/record.js";
import type { ReleaseRecord } from "../../src/release/record-item.js";
import { ReleaseStore } from "../../src/release/record.js";
import { systemClock } from "../../src/runtime/clock.js";
import { sandboxClientConfig } from "../../src/sandbox/index.js";
import { perTestResources } from "../support/resources.js";

const resources = perTestResources();

describe("the notification mark", () => {
  it("lets one outcome of a record be notified once; a re-run's new record again", async () => {
    const sandbox = await resources.sandbox({ instances: 1 });
    const state = sandbox.state();
    const dynamodb = new DynamoDBClient(sandboxClientConfig(state, state.endpoints.dynamodb));
    const releases = new ReleaseStore(dynamodb, "eb-migrate", systemClock);
    const record: ReleaseRecord = { environmentId: state.environment.id, environmentName: state.environment.name, deploymentKey: "v1#1", status: "running", leader: "i-1", attempt: 1, fencingToken: 1, electionMode: "lease", mode: "local", command: "x", startedAt: new Date().toISOString() };
    expect((await releases.claim(record)).claimed).toBe(true);
    await releases.finish(record, { status: "failed", exitCode: 1, durationMs: 1, outputTail: ["boom"] });
    const sink = memorySink();
    const notify = createNotifier({
      targets: [{ kind: "webhook", url: state.webhookUrl }],
      on: "failure",
      identity: { environmentName: state.environment.name, environmentId: state.environment.id },
      deployment: { key: "v1#1", versionLabel: "v1", deploymentId: "1", source: "test" },
      log: createLogger({ sinks: [sink] }),
      redact: (l) => l,
      sns: () => new SNSClient(sandboxClientConfig(state, state.endpoints.sns)),
      elasticBeanstalk: new ElasticBeanstalkClient(sandboxClientConfig(state, state.endpoints.elasticBeanstalk)),
      marks: new NotificationMarks(dynamodb, "eb-migrate"),
    });
    const outcome = { election: "lease" as const, leader: "i-1", succeeded: false, reason: "exit code 1", exitCode: 1, durationMs: 1, outputTail: ["boom"], attempt: 1, fencingToken: 1 };
    await notify(outcome);
    await notify(outcome);
    expect(sandbox.webhook.requests).toHaveLength(1);
    expect(sink.records.map((r) => r.msg)).toContain("this release was notified already; not notifying again");
    expect(await releases.read(state.environment.id, "v1#1")).toMatchObject({ notification: "sent", notificationDetail: "sent to 1 target" });

    // A re-run claims the release anew (a new record under a newer token): notified again.
    const rerun = { ...record, attempt: 2, fencingToken: 2, status: "running" as const };
    expect((await releases.claim(rerun, { status: "failed", fencingToken: 1 })).claimed).toBe(true);
    await releases.finish(rerun, { status: "failed", exitCode: 1, durationMs: 1, outputTail: [] });
    await notify({ ...outcome, attempt: 2, fencingToken: 2 });
    expect(sandbox.webhook.requests).toHaveLength(2);
  });
});
