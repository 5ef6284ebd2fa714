// The SNS stand-in answers the SDK as SNS does; sendAll bounds every target by one deadline and
// reports a hanging or failing webhook as a failure, naming it by host only.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import { describe, expect, it } from "vitest";
import { sandboxClientConfig } from "../../src/sandbox/index.js";
import { buildNotification } from "../../src/notify/message.js";
import { sendAll } from "../../src/notify/notifier.js";
import { perTestResources } from "../support/resources.js";

const resources = perTestResources();

const message = buildNotification({
  identity: { environmentName: "env", environmentId: "e-1" },
  deployment: { key: "v1#1", versionLabel: "v1", deploymentId: "1", source: "test" },
  outcome: { election: "lease", leader: "i-1", succeeded: false, reason: "exit code 1", exitCode: 1, durationMs: 5, outputTail: ["boom"] },
});

describe("the SNS stand-in", () => {
  it("publishes to a topic that exists and answers NotFound / InvalidParameter as SNS does", async () => {
    const sandbox = await resources.sandbox({ instances: 1 });
    const state = sandbox.state();
    const sns = new SNSClient({ ...sandboxClientConfig(state, state.endpoints.sns), maxAttempts: 1 });
    const topic = sandbox.sns.create("team");
    const out = await sns.send(new PublishCommand({ TopicArn: topic, Subject: "hello", Message: "body" }));
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sandbox.sns.messages).toEqual([expect.objectContaining({ messageId: out.MessageId, topicArn: topic, subject: "hello", message: "body" })]);
    await expect(sns.send(new PublishCommand({ TopicArn: `${topic}-gone`, Message: "x" }))).rejects.toMatchObject({ name: "NotFoundException", message: "Topic does not exist", $metadata: { httpStatusCode: 404 } });
    await expect(sns.send(new PublishCommand({ TopicArn: topic, Subject: "s".repeat(100), Message: "x" }))).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(sns.send(new PublishCommand({ TopicArn: topic, Message: "" }))).rejects.toMatchObject({ name: "InvalidParameterException" });
  });
});

describe("sendAll", () => {
  it("reports a hanging webhook as no answer within the deadline, a 500 as HTTP 500, and still sends to SNS", async () => {
    const sandbox = await resources.sandbox({ instances: 1 });
    const state = sandbox.state();
    const topic = sandbox.sns.create("team");
    const deps = {
      targets: [{ kind: "webhook" as const, url: state.webhookUrl }, { kind: "sns" as const, topicArn: topic }],
      sns: () => new SNSClient(sandboxClientConfig(state, state.endpoints.sns)),
      elasticBeanstalk: new ElasticBeanstalkClient(sandboxClientConfig(state, state.endpoints.elasticBeanstalk)),
      identity: { environmentName: state.environment.name, environmentId: state.environment.id },
      timeoutMs: 1_000,
    };
    sandbox.webhook.mode = "hang";
    const hung = await sendAll(deps, message);
    expect(hung).toEqual([
      { target: `${new URL(state.webhookUrl).origin}/…`, ok: false, detail: "no answer within 1 s" },
      { target: topic, ok: true, detail: expect.stringMatching(/^message /) },
    ]);
    sandbox.webhook.mode = "error";
    expect((await sendAll(deps, message))[0]).toMatchObject({ ok: false, detail: "HTTP 500" });
    sandbox.webhook.mode = "ok";
    expect((await sendAll(deps, message))[0]).toMatchObject({ ok: true, detail: "HTTP 200" });
    expect(sandbox.webhook.requests).toHaveLength(3);
    expect(sandbox.webhook.requests[2]!.body).toEqual(JSON.parse(JSON.stringify(message.slack)));
  });

  it("an SNS denial (AuthorizationErrorException, as the SDK names SNS's AuthorizationError) says which permission to grant", async () => {
    const sandbox = await resources.sandbox({ instances: 1 });
    const state = sandbox.state();
    const topic = sandbox.sns.create("team");
    const deps = {
      targets: [{ kind: "sns" as const, topicArn: topic }],
      sns: () => new SNSClient({ ...sandboxClientConfig(state, state.endpoints.sns), maxAttempts: 1 }),
      elasticBeanstalk: new ElasticBeanstalkClient(sandboxClientConfig(state, state.endpoints.elasticBeanstalk)),
      identity: { environmentName: state.environment.name, environmentId: state.environment.id },
    };
    sandbox.injectFault({ service: "sns", operation: "Publish", error: "AccessDenied", count: 1 });
    expect((await sendAll(deps, message))[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^AuthorizationErrorException: .*\(grant the instance role sns:Publish on the topic; see "eb-migrate policy"\)$/) });
  });

  it("eb-topic resolves to the environment's notification topic, and says how to set one when there is none", async () => {
    const sandbox = await resources.sandbox({ instances: 1 });
    const state = sandbox.state();
    const deps = {
      targets: [{ kind: "eb-topic" as const }],
      sns: () => new SNSClient(sandboxClientConfig(state, state.endpoints.sns)),
      elasticBeanstalk: new ElasticBeanstalkClient(sandboxClientConfig(state, state.endpoints.elasticBeanstalk)),
      identity: { environmentName: state.environment.name, environmentId: state.environment.id },
    };
    expect((await sendAll(deps, message))[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/has no notification topic \(aws:elasticbeanstalk:sns:topics\)/) });
    const topic = sandbox.sns.create(`ElasticBeanstalkNotifications-Environment-${state.environment.name}`, { environment: true });
    expect((await sendAll(deps, message))[0]).toMatchObject({ ok: true });
    expect(sandbox.sns.messages.map((m) => m.topicArn)).toEqual([topic]);
  });
});
