// The AWS SDK v3 clients, built lazily from the SDK's standard settings (AWS_ENDPOINT_URL_*,
// AWS_REGION, the credential chain), so the same bundle talks to AWS or to the sandbox.
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import { SNSClient } from "@aws-sdk/client-sns";

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly elasticBeanstalk: ElasticBeanstalkClient;
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
  readonly sns: SNSClient;
}

export interface ClientOptions {
  region: string;
  /** SDK attempts per call (standard retry mode with backoff); the SDK default is 3. */
  maxAttempts?: number;
  /** Per-request limits so an unreachable endpoint is judged in seconds, not minutes. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 2_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** Counts calls per "Service.Operation", for `--stats` and the benchmark. */
export type CallCounter = Map<string, number>;

/** The configuration every client shares (also for clients built outside createClients). */
export function clientConfig(options: ClientOptions) {
  return {
    region: options.region,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: "standard",
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
  } as const;
}

export function createClients(options: ClientOptions, counter?: CallCounter): AwsClients {
  const config = clientConfig(options);
  const cache = new Map<string, unknown>();
  const lazy = <T extends { middlewareStack: { add: (...a: never[]) => void } }>(name: string, make: () => T): T => {
    let client = cache.get(name) as T | undefined;
    if (!client) {
      client = make();
      if (counter) countCalls(client, name, counter);
      cache.set(name, client);
    }
    return client;
  };
  return {
    get dynamodb() {
      return lazy("DynamoDB", () => new DynamoDBClient(config));
    },
    get autoScaling() {
      return lazy("AutoScaling", () => new AutoScalingClient(config));
    },
    get ec2() {
      return lazy("EC2", () => new EC2Client(config));
    },
    get elasticBeanstalk() {
      return lazy("ElasticBeanstalk", () => new ElasticBeanstalkClient(config));
    },
    get ecs() {
      return lazy("ECS", () => new ECSClient(config));
    },
    get logs() {
      return lazy("CloudWatchLogs", () => new CloudWatchLogsClient(config));
    },
    get sns() {
      return lazy("SNS", () => new SNSClient(config));
    },
  };
}

function countCalls(client: { middlewareStack: { add: (...a: never[]) => void } }, service: string, counter: CallCounter): void {
  // Counted once per logical call (initialize step), not per retry attempt.
  const add = client.middlewareStack.add as unknown as (
    mw: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
    options: { step: "initialize"; name: string },
  ) => void;
  add(
    (next, context) => async (args) => {
      const key = `${service}.${(context.commandName ?? "Unknown").replace(/Command$/, "")}`;
      counter.set(key, (counter.get(key) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "ebMigrateCallCounter" },
  );
}
