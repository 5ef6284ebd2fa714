// Real SDK clients configured exactly as a process acting as one sandbox instance would be:
// from the instance's env (AWS_ENDPOINT_URL_*, region, dummy credentials) and nothing else.
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import type { SandboxState } from "../../src/sandbox/index.js";

/** Runs `make` with process.env temporarily set to `env`, so the SDK reads its standard variables. */
export function withEnv<T>(env: Record<string, string>, make: () => T): T {
  const saved = { ...process.env };
  const keep = ["PATH", "HOME", "TMPDIR"];
  for (const key of Object.keys(process.env)) if (!keep.includes(key)) delete process.env[key];
  Object.assign(process.env, env);
  try {
    return make();
  } finally {
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

export function clientsFor(state: SandboxState, instanceIndex = 0, maxAttempts = 1) {
  const entry = state.instances[instanceIndex];
  if (!entry) throw new Error(`no instance #${instanceIndex} in the sandbox`);
  const config = { maxAttempts, retryMode: "standard" as const };
  // Endpoints and region are resolved lazily by the SDK; resolve them now while env is set.
  return withEnv(entry.env, () => {
    const region = process.env.AWS_REGION!;
    const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! };
    const e = process.env;
    return {
      autoScaling: new AutoScalingClient({ ...config, region, credentials, endpoint: e.AWS_ENDPOINT_URL_AUTO_SCALING }),
      ec2: new EC2Client({ ...config, region, credentials, endpoint: e.AWS_ENDPOINT_URL_EC2 }),
      elasticBeanstalk: new ElasticBeanstalkClient({ ...config, region, credentials, endpoint: e.AWS_ENDPOINT_URL_ELASTIC_BEANSTALK }),
      dynamodb: new DynamoDBClient({ ...config, region, credentials, endpoint: e.AWS_ENDPOINT_URL_DYNAMODB }),
      ecs: new ECSClient({ ...config, region, credentials, endpoint: e.AWS_ENDPOINT_URL_ECS }),
      logs: new CloudWatchLogsClient({ ...config, region, credentials, endpoint: e.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS }),
    };
  });
}

export async function adminRequest(state: SandboxState, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${state.adminUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}
