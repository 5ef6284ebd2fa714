// Injected faults, seen through the real SDK clients: each kind (error, latency, outage, count,
// rate) and each protocol's error shape — DynamoDB JSON 1.0, Query, EC2, JSON 1.1 (ECS/Logs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DescribeAutoScalingInstancesCommand, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { request as httpRequest } from "node:http";
import { requestHandlerLimits } from "../../src/aws/clients.js";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { DescribeEnvironmentsCommand } from "@aws-sdk/client-elastic-beanstalk";
import { DescribeClustersCommand, ListClustersCommand, ListTasksCommand } from "@aws-sdk/client-ecs";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { FaultInjector, seededRandom, validateFault } from "../../src/sandbox/faults.js";
import type { JsonService } from "../../src/sandbox/json-service.js";
import { AwsError } from "../../src/sandbox/wire-errors.js";
import { TTL_ATTRIBUTE } from "../../src/table/table.js";
import { clientsFor } from "./helpers.js";

const fakeEcs: JsonService = {
  name: "ecs",
  targetPrefix: "AmazonEC2ContainerServiceV20141113",
  operations: {
    ListClusters: () => ({ clusterArns: ["arn:aws:ecs:us-east-1:123456789012:cluster/default"] }),
    DescribeClusters: () => {
      throw new AwsError("ClusterNotFoundException", "fake ECS has no clusters to describe");
    },
  },
  unknownOperation: (operation) => `fake ECS does not do ${operation}`,
};

let sandbox: Sandbox;
let once: ReturnType<typeof clientsFor>;
let retrying: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  sandbox = await startSandbox({ instances: 2, jsonServices: [fakeEcs] });
  once = clientsFor(sandbox.state(), 0, 1);
  retrying = clientsFor(sandbox.state(), 0, 3);
});
afterAll(async () => {
  await sandbox?.stop();
});

const item = { pk: { S: "lease#test" } };

describe("DynamoDB", () => {
  it("has the tool's table, ACTIVE, with TTL on the expiry attribute", async () => {
    const { Table } = await once.dynamodb.send(new DescribeTableCommand({ TableName: "eb-migrate" }));
    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
    const ttl = await once.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: "eb-migrate" }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: TTL_ATTRIBUTE });
  });

  it("answers an injected ThrottlingException in JSON 1.0 for the next N matching calls only", async () => {
    sandbox.injectFault({ service: "dynamodb", operation: "PutItem", error: "ThrottlingException", count: 1 });
    await expect(once.dynamodb.send(new PutItemCommand({ TableName: "eb-migrate", Item: item }))).rejects.toMatchObject({
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    });
    await once.dynamodb.send(new PutItemCommand({ TableName: "eb-migrate", Item: item }));
    expect(sandbox.faults()).toEqual([]);
  });

  it("matches the operation: a fault on GetItem leaves PutItem alone", async () => {
    sandbox.injectFault({ service: "dynamodb", operation: "GetItem", error: "AccessDeniedException" });
    await once.dynamodb.send(new PutItemCommand({ TableName: "eb-migrate", Item: item }));
    await expect(once.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item }))).rejects.toMatchObject({ name: "AccessDeniedException" });
    sandbox.clearFaults();
    const got = await once.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item }));
    expect(got.Item).toEqual(item);
  });

  it("answers InternalServerError with a 500 that the SDK retries", async () => {
    sandbox.injectFault({ service: "dynamodb", operation: "GetItem", error: "InternalServerError", count: 1 });
    await expect(once.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item }))).rejects.toMatchObject({
      name: "InternalServerError",
      $metadata: { httpStatusCode: 500 },
    });
    sandbox.injectFault({ service: "dynamodb", operation: "GetItem", error: "InternalServerError", count: 1 });
    const got = await retrying.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item }));
    expect(got.Item).toEqual(item);
    expect(got.$metadata.attempts).toBe(2);
  });

  it("models an outage as a reset connection: no AWS error, and the SDK retries it", async () => {
    sandbox.injectFault({ service: "dynamodb", outage: true, count: 1 });
    const error = await once.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
    sandbox.injectFault({ service: "dynamodb", outage: true, count: 1 });
    const got = await retrying.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item }));
    expect(got.$metadata.attempts).toBe(2);
  });

  it("blackholes one instance's DynamoDB: its calls hang (the connection stays open, no reset) while another instance's work", async () => {
    const state = sandbox.state();
    const victim = state.instances[0]!;
    sandbox.injectFault({ service: "dynamodb", instance: victim.id, hang: true });
    try {
      // The other instance is not affected.
      const other = clientsFor(state, 1, 1);
      await other.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item }));
      // A raw request to the victim's endpoint: accepted, then silence — not a reset, not an answer.
      const url = new URL(victim.env.AWS_ENDPOINT_URL_DYNAMODB!);
      const outcome = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: url.hostname, port: url.port, method: "POST", path: "/", headers: { "x-amz-target": "DynamoDB_20120810.GetItem", "content-type": "application/x-amz-json-1.0" } });
        req.on("response", () => resolve("answered"));
        req.on("error", (e) => resolve(`error ${e.message}`));
        req.on("socket", (socket) => socket.on("connect", () => setTimeout(() => resolve(socket.destroyed ? "reset" : "open and silent"), 500)));
        req.end("{}");
      });
      expect(outcome).toBe("open and silent");
      // Through the SDK with the tool's handler limits, the call fails at its request timeout.
      const hung = new DynamoDBClient({ ...sandboxClientConfig(state, victim.env.AWS_ENDPOINT_URL_DYNAMODB!), maxAttempts: 1, requestHandler: requestHandlerLimits(500, 500) });
      const error = await hung.send(new GetItemCommand({ TableName: "eb-migrate", Key: item })).catch((e: unknown) => e);
      expect((error as Error).name).toBe("TimeoutError");
    } finally {
      sandbox.clearFaults();
    }
  });

  it("refuses an instance scope on a service without per-instance endpoints", () => {
    expect(() => validateFault({ service: "autoscaling", instance: "i-0123456789abcdef0", hang: true })).toThrow(/"instance" scopes dynamodb faults only/);
    expect(() => validateFault({ service: "dynamodb", hang: true, outage: true })).toThrow(/exclude each other/);
  });

  it("never hits the sandbox's own calls: a new table is created during an outage", async () => {
    sandbox.injectFault({ service: "dynamodb", outage: true });
    try {
      await sandbox.setEnvironmentProperties({ EB_MIGRATE_TABLE: "during-outage" });
    } finally {
      sandbox.clearFaults();
    }
    const { Table } = await once.dynamodb.send(new DescribeTableCommand({ TableName: "during-outage" }));
    expect(Table?.TableStatus).toBe("ACTIVE");
  });

  it("adds latency before answering", async () => {
    const [fault] = [sandbox.injectFault({ service: "dynamodb", operation: "GetItem", latencyMs: 150, count: 1 })];
    const started = performance.now();
    await once.dynamodb.send(new GetItemCommand({ TableName: "eb-migrate", Key: item }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(sandbox.faults().find((f) => f.id === fault!.id)).toBeUndefined();
  });
});

describe("Query and EC2 protocols", () => {
  it("Auto Scaling: AccessDenied is a 403 Sender error; ThrottlingException becomes Throttling", async () => {
    sandbox.injectFault({ service: "autoscaling", operation: "DescribeAutoScalingInstances", error: "AccessDenied", count: 1 });
    await expect(once.autoScaling.send(new DescribeAutoScalingInstancesCommand({}))).rejects.toMatchObject({
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
    });
    sandbox.injectFault({ service: "autoscaling", error: "ThrottlingException", count: 1 });
    await expect(once.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).rejects.toMatchObject({ name: "Throttling", $metadata: { httpStatusCode: 400 } });
    const ok = await once.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(ok.AutoScalingGroups).toHaveLength(1);
  });

  it("Auto Scaling: a 503 ServiceUnavailable is a server fault the SDK retries", async () => {
    sandbox.injectFault({ service: "autoscaling", error: "ServiceUnavailable", count: 1 });
    await expect(once.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).rejects.toMatchObject({
      name: "ServiceUnavailable",
      $fault: "server",
      $metadata: { httpStatusCode: 503 },
    });
    sandbox.injectFault({ service: "autoscaling", error: "ServiceUnavailable", count: 1 });
    const out = await retrying.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(out.$metadata.attempts).toBe(2);
  });

  it("EC2: throttling is RequestLimitExceeded (503), access denied is UnauthorizedOperation", async () => {
    sandbox.injectFault({ service: "ec2", operation: "DescribeInstances", error: "ThrottlingException", count: 1 });
    await expect(once.ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({ name: "RequestLimitExceeded", $metadata: { httpStatusCode: 503 } });
    sandbox.injectFault({ service: "ec2", error: "AccessDenied", message: "You are not authorized to perform this operation.", count: 1 });
    await expect(once.ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: "UnauthorizedOperation",
      message: "You are not authorized to perform this operation.",
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("Elastic Beanstalk: ValidationError and ResourceNotFound in EB's words; an outage resets", async () => {
    sandbox.injectFault({ service: "elasticbeanstalk", error: "ValidationError", count: 1 });
    await expect(once.elasticBeanstalk.send(new DescribeEnvironmentsCommand({}))).rejects.toMatchObject({ name: "InvalidParameterValue" });
    sandbox.injectFault({ service: "elasticbeanstalk", error: "ResourceNotFound", count: 1 });
    await expect(once.elasticBeanstalk.send(new DescribeEnvironmentsCommand({}))).rejects.toMatchObject({ name: "ResourceNotFound" });
    sandbox.injectFault({ service: "elasticbeanstalk", outage: true, count: 1 });
    const error = await once.elasticBeanstalk.send(new DescribeEnvironmentsCommand({})).catch((e: unknown) => e);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
  });
});

describe("JSON 1.1 services (ECS, CloudWatch Logs)", () => {
  it("routes ECS calls to the registered service and answers its AwsErrors", async () => {
    const out = await once.ecs.send(new ListClustersCommand({}));
    expect(out.clusterArns).toEqual(["arn:aws:ecs:us-east-1:123456789012:cluster/default"]);
    sandbox.injectFault({ service: "ecs", operation: "ListClusters", error: "ThrottlingException", count: 1 });
    await expect(once.ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
    await expect(once.ecs.send(new DescribeClustersCommand({}))).rejects.toMatchObject({ name: "ClusterNotFoundException", message: "fake ECS has no clusters to describe", $metadata: { httpStatusCode: 400 } });
    await expect(once.ecs.send(new ListTasksCommand({}))).rejects.toMatchObject({ name: "UnknownOperationException", message: "fake ECS does not do ListTasks", $metadata: { httpStatusCode: 400 } });
  });

  it("answers UnknownOperationException for a service that is not registered, and faults on logs", async () => {
    await expect(once.logs.send(new DescribeLogGroupsCommand({}))).rejects.toMatchObject({ name: "UnknownOperationException" });
    sandbox.injectFault({ service: "logs", error: "AccessDeniedException", count: 1 });
    await expect(once.logs.send(new DescribeLogGroupsCommand({}))).rejects.toMatchObject({ name: "AccessDeniedException" });
  });
});

describe("fault decisions", () => {
  it("are reproducible with a seed, and a rate hits about that share", () => {
    const pattern = (seed: number) => {
      const injector = new FaultInjector(seededRandom(seed));
      injector.add({ service: "dynamodb", error: "ThrottlingException", rate: 0.3 });
      return Array.from({ length: 200 }, () => (injector.decide("dynamodb", "GetItem").error ? 1 : 0));
    };
    expect(pattern(7)).toEqual(pattern(7));
    expect(pattern(7)).not.toEqual(pattern(8));
    const hits = pattern(7).reduce<number>((a, b) => a + b, 0);
    expect(hits).toBeGreaterThan(30);
    expect(hits).toBeLessThan(90);
  });

  it("add up latencies; the first error or outage decides", () => {
    const injector = new FaultInjector();
    injector.add({ service: "ec2", latencyMs: 10 });
    injector.add({ service: "ec2", operation: "DescribeInstances", error: "Throttling", latencyMs: 5 });
    injector.add({ service: "ec2", outage: true });
    expect(injector.decide("ec2", "DescribeInstances")).toEqual({ latencyMs: 15, outage: false, error: { code: "Throttling" } });
    expect(injector.decide("ec2", "Other")).toEqual({ latencyMs: 10, outage: true });
    expect(injector.decide("dynamodb", "GetItem")).toEqual({ latencyMs: 0, outage: false });
  });

  it.each([
    [{ service: "s3", error: "Throttling" }, /"service" must be one of/],
    [{ service: "ec2" }, /at least one of/],
    [{ service: "ec2", error: "X", rate: 2 }, /"rate" must be a number from 0 to 1/],
    [{ service: "ec2", outage: true, count: 0 }, /"count" must be a whole number/],
    [{ service: "ec2", error: "X", outage: true }, /exclude each other/],
    [{ service: "ec2", error: "X", typo: 1 }, /unknown field "typo"/],
  ])("refuses %j", (fault, message) => {
    expect(() => validateFault(fault)).toThrow(message);
  });
});
