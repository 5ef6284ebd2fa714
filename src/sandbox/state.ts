// The state file's shape (what `--state-file` holds and GET /state answers), the environment
// variables that make a process act as one instance, and the atomic file writer.
import { rename, writeFile } from "node:fs/promises";
import type { Ec2State, GroupRole, LifecycleState, SandboxEnvironment, SandboxInstance } from "./environment.js";

export interface SandboxEndpoints {
  dynamodb: string;
  autoScaling: string;
  ec2: string;
  elasticBeanstalk: string;
  ecs: string;
  logs: string;
  sns: string;
  ssm: string;
  /** The DynamoDB server behind the fault proxy (no faults): for inspecting the table. */
  dynamodbUpstream: string;
}

export interface SandboxInstanceEntry {
  id: string;
  group: GroupRole;
  autoScalingGroup: string;
  launchTime: string;
  /** Its Auto Scaling lifecycle state (the last one, once Auto Scaling no longer lists it: see `inAutoScaling`). */
  lifecycleState: LifecycleState;
  /** Whether DescribeAutoScalingInstances still lists it (false once a Terminated or Detached instance is forgotten). */
  inAutoScaling: boolean;
  /** Its EC2 instance state (running while Terminating:Wait, Detached or Standby). */
  ec2State: Ec2State;
  /** Everything a process needs to act as this instance. */
  env: Record<string, string>;
}

export interface SandboxState {
  adminUrl: string;
  region: string;
  /** Where the instances' roots live (`<baseDir>/instances/<id>`). */
  baseDir: string;
  endpoints: SandboxEndpoints;
  /** The local webhook receiver's URL, with a secret path like Slack's: for EB_MIGRATE_NOTIFY. */
  webhookUrl: string;
  environment: {
    name: string;
    id: string;
    applicationName: string;
    autoScalingGroup: string;
    temporaryAutoScalingGroup?: string;
    versionLabel: string;
    deploymentId: number;
    properties: Record<string, string>;
  };
  /** InService instances only, oldest first. */
  instances: SandboxInstanceEntry[];
  /** Every instance EC2 DescribeInstances still shows, in any state (Pending, Terminating:Wait, Standby, Detached, stopped, terminated, …), oldest first. */
  allInstances: SandboxInstanceEntry[];
}

/** Dummy credentials: the stand-ins accept any signature. */
export const SANDBOX_ACCESS_KEY_ID = "AKIASANDBOXEXAMPLE00";
export const SANDBOX_SECRET_ACCESS_KEY = "sandbox/secret/not/used/by/anything";

/** SDK client settings for one of the sandbox's endpoints, from outside any instance (tests, chaos, bench). */
export function sandboxClientConfig(state: Pick<SandboxState, "region">, endpoint: string) {
  return { region: state.region, endpoint, credentials: { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY } };
}

/** The SDK's standard variables (AWS_ENDPOINT_URL_<service id>), plus root and properties. */
export function instanceEnvironment(env: SandboxEnvironment, endpoints: SandboxEndpoints, instance: SandboxInstance): Record<string, string> {
  return {
    ...env.properties,
    AWS_ENDPOINT_URL_DYNAMODB: instance.dynamodbUrl || endpoints.dynamodb,
    AWS_ENDPOINT_URL_AUTO_SCALING: endpoints.autoScaling,
    AWS_ENDPOINT_URL_EC2: endpoints.ec2,
    AWS_ENDPOINT_URL_ELASTIC_BEANSTALK: endpoints.elasticBeanstalk,
    AWS_ENDPOINT_URL_ECS: endpoints.ecs,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoints.logs,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SSM: endpoints.ssm,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: `${instance.imdsUrl}/`,
    AWS_REGION: env.identity.region,
    AWS_DEFAULT_REGION: env.identity.region,
    AWS_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SANDBOX_SECRET_ACCESS_KEY,
    EB_MIGRATE_ROOT: instance.root,
  };
}

export function instanceEntry(env: SandboxEnvironment, endpoints: SandboxEndpoints, instance: SandboxInstance): SandboxInstanceEntry {
  return {
    id: instance.id,
    group: instance.group,
    autoScalingGroup: instance.autoScalingGroup,
    launchTime: instance.launchTime.toISOString(),
    lifecycleState: instance.lifecycle,
    inAutoScaling: instance.inAutoScaling,
    ec2State: instance.ec2State,
    env: instanceEnvironment(env, endpoints, instance),
  };
}

export function buildState(env: SandboxEnvironment, endpoints: SandboxEndpoints, adminUrl: string, baseDir: string, webhookUrl: string): SandboxState {
  const { identity } = env;
  const oldestFirst = (a: SandboxInstance, b: SandboxInstance) => a.launchTime.getTime() - b.launchTime.getTime() || a.id.localeCompare(b.id);
  const all = [...env.instances].sort(oldestFirst).map((i) => instanceEntry(env, endpoints, i));
  return {
    adminUrl,
    region: identity.region,
    baseDir,
    endpoints,
    webhookUrl,
    environment: {
      name: identity.name,
      id: identity.id,
      applicationName: identity.applicationName,
      autoScalingGroup: identity.autoScalingGroup,
      ...(env.temporaryGroupCreated ? { temporaryAutoScalingGroup: identity.temporaryAutoScalingGroup } : {}),
      versionLabel: env.deployment.versionLabel,
      deploymentId: env.deployment.deploymentId,
      properties: { ...env.properties },
    },
    instances: all.filter((i) => i.lifecycleState === "InService"),
    allInstances: all,
  };
}

/** The environment variables of one instance in a state (throws naming the known ids if absent). */
export function instanceEnv(state: SandboxState, instanceId: string): Record<string, string> {
  const entry = state.instances.find((i) => i.id === instanceId);
  if (!entry) throw new Error(`instance ${instanceId} is not InService in the sandbox (InService: ${state.instances.map((i) => i.id).join(", ") || "none"})`);
  return { ...entry.env };
}

/**
 * Writes the state file atomically (temp file + rename), one write at a time, always built
 * from the latest state when the write starts: a reader never sees a half-written file.
 */
export function stateFileWriter(path: string, build: () => SandboxState): { changed(): void; flush(): Promise<void> } {
  let dirty = false;
  let running: Promise<void> = Promise.resolve();
  let failure: unknown;
  const drain = async () => {
    while (dirty) {
      dirty = false;
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(build(), null, 2)}\n`);
      await rename(temp, path);
    }
  };
  return {
    changed() {
      if (dirty) return;
      dirty = true;
      running = running.then(drain).catch((error: unknown) => {
        failure = error;
      });
    },
    async flush() {
      await running;
      if (failure) throw failure;
    },
  };
}
