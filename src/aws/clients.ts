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
  /** Per-attempt limits so an unreachable or silent endpoint is judged in seconds, not minutes. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** DynamoDB's per-attempt limit: the lease's calls must fail well within the lease. */
  dynamodbRequestTimeoutMs?: number;
  /** Aborts every call of these clients (combined with a call's own `abortSignal`). */
  signal?: AbortSignal;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** Counts calls per "Service.Operation", for `--stats` and the benchmark. */
export type CallCounter = Map<string, number>;

/**
 * The HTTP handler's limits. In @smithy/node-http-handler 4.14 (dist-cjs/index.js,
 * setRequestTimeout) an exceeded `requestTimeout` only logs a warning unless
 * `throwOnRequestTimeout` is set; with it the request is destroyed and fails with a
 * TimeoutError (ETIMEDOUT), which the standard retry strategy treats as transient.
 * `socketTimeout` (setSocketTimeout) fails a request whose socket is idle that long — a
 * server that accepted the connection and never answers; `connectionTimeout`
 * (setConnectionTimeout) bounds the TCP connect. So each attempt ends within `requestMs`.
 */
export function requestHandlerLimits(connectMs: number, requestMs: number) {
  return { connectionTimeout: connectMs, requestTimeout: requestMs, socketTimeout: requestMs, throwOnRequestTimeout: true } as const;
}

/** The configuration every client shares (also for clients built outside createClients). */
export function clientConfig(options: ClientOptions, requestMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) {
  return {
    region: options.region,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: "standard",
    requestHandler: requestHandlerLimits(options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS, requestMs),
  } as const;
}

export function createClients(options: ClientOptions, counter?: CallCounter): AwsClients {
  const config = clientConfig(options);
  const dynamodbConfig = clientConfig(options, options.dynamodbRequestTimeoutMs ?? options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const cache = new Map<string, unknown>();
  const lazy = <T extends { middlewareStack: { add: (...a: never[]) => void } }>(name: string, make: () => T): T => {
    let client = cache.get(name) as T | undefined;
    if (!client) {
      client = make();
      if (counter) countCalls(client, name, counter);
      if (options.signal) abortWith(client as unknown as Sendable, options.signal);
      cache.set(name, client);
    }
    return client;
  };
  return {
    get dynamodb() {
      return lazy("DynamoDB", () => new DynamoDBClient(dynamodbConfig));
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

interface Sendable {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Every call of `client` also aborts with `signal` (AbortSignal.any: Node >= 20.3). */
function abortWith(client: Sendable, signal: AbortSignal): void {
  const send = client.send.bind(client);
  client.send = (command, callOptions) => {
    const own = callOptions?.abortSignal;
    return send(command, { ...callOptions, abortSignal: own ? AbortSignal.any([own, signal]) : signal });
  };
}
