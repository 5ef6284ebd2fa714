// The local AWS sandbox, in process: wires the stand-ins (DynamoDB behind a fault proxy, Auto
// Scaling, EC2, Elastic Beanstalk, ECS and CloudWatch Logs fronts, one IMDS per instance),
// the on-instance files, the state file and the admin API around one emulated environment.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, describeError } from "../cli/errors.js";
import { DEFAULT_TABLE } from "../config/settings.js";
import { startAdmin } from "./admin.js";
import { autoScalingService } from "./autoscaling.js";
import { ensureTable, startDynamoDb } from "./dynamodb.js";
import { ec2Service } from "./ec2.js";
import { applyEcsFault, type EcsService } from "./ecs/index.js";
import { createDefaultJsonServices } from "./ecs-logs.js";
import { elasticBeanstalkService } from "./elasticbeanstalk.js";
import {
  SandboxEnvironment,
  SandboxRequestError,
  type Ec2State,
  type GroupRole,
  type LifecycleActionResult,
  type LifecycleHook,
  type LifecycleState,
  type LifecycleTimings,
  type SandboxInstance,
} from "./environment.js";
import { checkedThrottle, type DescribeThrottle, type RequestCounts } from "./request-counts.js";
import { FaultInjector, seededRandom, type ActiveFault, type Fault } from "./faults.js";
import { listen, type Listener } from "./http.js";
import { startImds } from "./imds.js";
import { writeInstanceFiles } from "./instance-files.js";
import { notificationRoutes } from "./notify-admin.js";
import { SnsTopics, snsService } from "./sns.js";
import { createSsmService } from "./ssm.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";
import { jsonProtocolService } from "./json-protocol.js";
import type { JsonService } from "./json-service.js";
import { buildState, instanceEntry, instanceEnvironment, stateFileWriter, type SandboxEndpoints, type SandboxInstanceEntry, type SandboxState } from "./state.js";

export { instanceEnv, sandboxClientConfig } from "./state.js";
export type { SandboxEndpoints, SandboxInstanceEntry, SandboxState } from "./state.js";
export type { ActiveFault, Fault, ServiceName } from "./faults.js";
export type { Ec2State, GroupRole, LifecycleActionResult, LifecycleHook, LifecycleState, LifecycleTimings } from "./environment.js";
export type { DescribeThrottle, RequestCounts } from "./request-counts.js";

export const DEFAULT_INSTANCES = 3;

export interface SandboxOptions {
  /** InService instances at start (default 3). */
  instances?: number;
  /** Admin API port (0 or absent: any free port). */
  port?: number;
  /** Written when ready and rewritten whenever instances change; removed on stop. */
  stateFile?: string;
  /** An external DynamoDB-compatible endpoint instead of the embedded dynalite. */
  dynamodbEndpoint?: string;
  /** Holds `instances/<id>/` roots (default: a new temporary directory); kept on stop. */
  baseDir?: string;
  environmentProperties?: Record<string, string>;
  /** Let IMDS answer requests without a token (default false: IMDSv2 only). */
  imdsV1?: boolean;
  /** How long a new instance is Pending (default 200 ms). */
  pendingMs?: number;
  lifecycle?: Partial<LifecycleTimings>;
  /** The JSON 1.1 services (ECS, CloudWatch Logs); default: the sandbox's own (ecs.ts, logs.ts). */
  jsonServices?: JsonService[];
  environmentName?: string;
  applicationName?: string;
  region?: string;
  /** Seed for fault `rate` decisions (default: random). */
  faultSeed?: number;
  /** The account's describe throttle from the start (see `setDescribeThrottle`; default none). */
  describeThrottle?: DescribeThrottle;
}

export interface DeploymentResult {
  versionLabel: string;
  deploymentId: number;
  /** The instances the new version was written to. */
  instances: string[];
}

export interface Sandbox {
  readonly adminUrl: string;
  readonly endpoints: SandboxEndpoints;
  readonly baseDir: string;
  /** The default ECS stand-in (tasks, ECS-specific faults); absent when `jsonServices` was given. */
  readonly ecs?: EcsService;
  /** The SNS stand-in's topics and the messages published to them. */
  readonly sns: SnsTopics;
  /** The local webhook receiver (its URL is state().webhookUrl). */
  readonly webhook: WebhookReceiver;
  state(): SandboxState;
  deploy(options?: { versionLabel?: string }): Promise<DeploymentResult>;
  /** Scales the main group in (newest first) or out; with `wait`, until every change has settled. */
  setCapacity(desired: number, options?: { wait?: boolean }): Promise<SandboxState>;
  /** Launches one instance now (Pending); with `wait`, returns once it is InService. */
  launch(options?: { group?: GroupRole; wait?: boolean }): Promise<SandboxInstanceEntry>;
  /**
   * Terminates one instance; with `wait`, returns once it is Terminated — or in Terminating:Wait
   * while a termination hook holds it. A detached instance is terminated in EC2 only.
   */
  terminate(id: string, options?: { wait?: boolean }): Promise<SandboxInstanceEntry>;
  /** A generic fault, or an ECS-specific one (`{"service":"ecs","kind":...}`, see ecs-logs.ts). */
  /** Ends an immutable deployment: temporary instances join the main group, the old ones terminate. */
  promoteTemporaryGroup(options?: { wait?: boolean }): Promise<{ moved: string[]; terminated: string[] }>;
  injectFault(fault: Fault | unknown): ActiveFault;
  faults(): ActiveFault[];
  clearFaults(): void;
  /**
   * PutLifecycleHook for instance termination on a group (main by default; name default
   * "eb-migrate-sandbox-drain", heartbeatTimeoutSeconds 30–7200 default 3600, defaultResult
   * default ABANDON): terminating instances then wait in Terminating:Wait, still running.
   */
  putTerminationHook(options?: { name?: string; group?: GroupRole; heartbeatTimeoutSeconds?: number; defaultResult?: LifecycleActionResult }): LifecycleHook;
  /** DeleteLifecycleHook: its outstanding actions complete with CONTINUE first. */
  deleteLifecycleHook(name: string, options?: { group?: GroupRole }): void;
  /** The hooks of both groups. */
  lifecycleHooks(): LifecycleHook[];
  /**
   * CompleteLifecycleAction for an instance in Terminating:Wait (`hook`: the only one pending on
   * it, if omitted; `result` default CONTINUE); with `wait`, returns once it is Terminated (or
   * still waits on another hook).
   */
  completeLifecycleAction(id: string, options?: { hook?: string; result?: LifecycleActionResult; wait?: boolean }): Promise<SandboxInstanceEntry>;
  /** RecordLifecycleActionHeartbeat: the hook's timeout on the instance starts again (never past its global timeout). */
  recordLifecycleActionHeartbeat(id: string, options?: { hook?: string }): Promise<SandboxInstanceEntry>;
  /**
   * DetachInstances: Detaching → Detached → out of Auto Scaling; EC2 runs on (IMDS, DynamoDB
   * endpoint, files too). `decrement` (ShouldDecrementDesiredCapacity) default true; false
   * launches a replacement. With `wait`, returns once Detached.
   */
  detach(id: string, options?: { decrement?: boolean; wait?: boolean }): Promise<SandboxInstanceEntry>;
  /** EnterStandby: EnteringStandby → Standby, EC2 running; `decrement` default true (false: a replacement). With `wait`, once Standby. */
  enterStandby(id: string, options?: { decrement?: boolean; wait?: boolean }): Promise<SandboxInstanceEntry>;
  /** ExitStandby: Pending → InService. With `wait`, once InService. */
  exitStandby(id: string, options?: { wait?: boolean }): Promise<SandboxInstanceEntry>;
  /** Stops the instance in EC2 (stopping → stopped; then its IMDS and DynamoDB endpoint close); the lifecycle state stays. With `wait`, once stopped. */
  stopInstance(id: string, options?: { wait?: boolean }): Promise<SandboxInstanceEntry>;
  /**
   * The account's describe throttle: token buckets (`perSecond` refill, `burst` size) over
   * Auto Scaling's Describe* calls (one bucket) and EC2's (one per operation), answering
   * Throttling / RequestLimitExceeded as AWS does; undefined removes it.
   */
  setDescribeThrottle(throttle: DescribeThrottle | undefined): void;
  describeThrottle(): DescribeThrottle | undefined;
  /** Every request the stand-ins answered since the last reset: by service.operation, per instance where known, per second. */
  requestCounts(): RequestCounts;
  resetRequestCounts(): void;
  /** Sets properties (null removes one): DescribeConfigurationSettings, instances' env and deployment/env. */
  setEnvironmentProperties(changes: Record<string, string | null>): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const faults = new FaultInjector(options.faultSeed === undefined ? Math.random : seededRandom(options.faultSeed));
  faults.requests.setThrottle(checkedThrottle(options.describeThrottle));
  const baseDir = resolve(options.baseDir ?? (await mkdtemp(join(tmpdir(), "eb-migrate-sandbox-"))));
  await mkdir(join(baseDir, "instances"), { recursive: true });
  const stateFile = options.stateFile === undefined ? undefined : resolve(options.stateFile);
  // A state file left by an earlier run must not be mistaken for this one's.
  if (stateFile) await rm(stateFile, { force: true });

  const imds = new Map<string, Listener>();
  const dynamodbPorts = new Map<string, Listener>();
  const listeners: Listener[] = [];
  let writer: ReturnType<typeof stateFileWriter> | undefined;
  let ready = false;
  const env: SandboxEnvironment = new SandboxEnvironment(
    {
      async prepare(instance) {
        instance.root = join(baseDir, "instances", instance.id);
        const listener = await startImds(env, instance, { imdsV1: options.imdsV1 ?? false, faults });
        imds.set(instance.id, listener);
        const port = await dynamodb.listenFor(instance.id);
        dynamodbPorts.set(instance.id, port);
        instance.dynamodbUrl = port.url;
        await writeInstanceFiles(env, instance);
        return listener.url;
      },
      refresh: (instance) => writeInstanceFiles(env, instance),
      async retire(instance) {
        await imds.get(instance.id)?.close();
        imds.delete(instance.id);
        await dynamodbPorts.get(instance.id)?.close();
        dynamodbPorts.delete(instance.id);
      },
      changed() {
        if (ready) writer?.changed();
      },
    },
    {
      name: options.environmentName,
      applicationName: options.applicationName,
      region: options.region,
      properties: options.environmentProperties,
      timings: { ...options.lifecycle, ...(options.pendingMs === undefined ? {} : { pendingMs: options.pendingMs }) },
    },
  );

  const defaults = options.jsonServices ? undefined : createDefaultJsonServices({ region: env.identity.region, accountId: env.identity.accountId });
  const jsonServices = options.jsonServices ?? defaults!.services;
  const ecs = defaults?.ecs;
  let ecsFaults = 0;
  const dynamodb = await startDynamoDb({ external: options.dynamodbEndpoint, faults });
  const sns = new SnsTopics(env.identity.region, env.identity.accountId);
  let webhook: WebhookReceiver | undefined;
  try {
    // EB's notification topic option (EB developer guide, "General options": aws:elasticbeanstalk:sns:topics).
    const topicOption = () => (sns.environmentTopic ? [{ Namespace: "aws:elasticbeanstalk:sns:topics", OptionName: "Notification Topic ARN", Value: sns.environmentTopic }] : []);
    // Run Command reaches InService instances (their SSM agent is online), with each one's environment.
    const ssm = createSsmService(() => env.inService().map((i) => ({ id: i.id, env: instanceEnvironment(env, endpointsOf(), i) })));
    let endpointsOf = (): SandboxEndpoints => {
      throw new Error("the sandbox is not ready");
    };
    const [autoScaling, ec2, elasticBeanstalk, ecsFront, logsFront, snsFront, ssmFront] = await Promise.all([
      listen(autoScalingService(env, faults)),
      listen(ec2Service(env, faults)),
      listen(elasticBeanstalkService(env, faults, topicOption)),
      listen(jsonProtocolService("ecs", jsonServices, faults)),
      listen(jsonProtocolService("logs", jsonServices, faults)),
      listen(snsService(sns, faults)),
      listen(jsonProtocolService("ssm", [ssm], faults)),
    ]);
    listeners.push(autoScaling, ec2, elasticBeanstalk, ecsFront, logsFront, snsFront, ssmFront);
    webhook = await startWebhookReceiver();
    const receiver = webhook;
    const endpoints: SandboxEndpoints = {
      dynamodb: dynamodb.url,
      autoScaling: autoScaling.url,
      ec2: ec2.url,
      elasticBeanstalk: elasticBeanstalk.url,
      ecs: ecsFront.url,
      logs: logsFront.url,
      sns: snsFront.url,
      ssm: ssmFront.url,
      dynamodbUpstream: dynamodb.upstreamUrl,
    };
    endpointsOf = () => endpoints;
    const tableOf = () => env.properties.EB_MIGRATE_TABLE ?? DEFAULT_TABLE;
    const prepareTable = ensureTable(dynamodb.url, env.identity.region, tableOf()).catch((error: unknown) => {
      throw new ConfigError(
        `cannot create or use the table "${tableOf()}" at ${dynamodb.upstreamUrl} (${describeError(error)}); ${options.dynamodbEndpoint ? "is a DynamoDB-compatible server listening at --dynamodb-endpoint?" : "the embedded dynalite failed"}`,
        { cause: error },
      );
    });
    // Both settle before a failure is thrown, so the clean-up below sees every IMDS listener.
    const outcomes = await Promise.allSettled([prepareTable, env.populate(options.instances ?? DEFAULT_INSTANCES)]);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;

    let adminUrl = "";
    // Every change a method makes is in the state file by the time the method returns.
    const written = async <T>(value: T): Promise<T> => {
      await writer?.flush();
      return value;
    };
    const entryOf = (instance: SandboxInstance) => instanceEntry(env, endpoints, instance);
    // Waits until no instance of `instances` is in a passing state (Pending, Terminating, …) any more.
    // (Terminating:Wait counts as settled: it lasts until the hook's action completes.)
    const settled: Partial<Record<LifecycleState, LifecycleState[]>> = {
      Pending: ["InService", "Terminating", "Terminating:Wait", "Terminated"],
      Terminating: ["Terminating:Wait", "Terminated"],
      "Terminating:Proceed": ["Terminated"],
      Detaching: ["Detached"],
      EnteringStandby: ["Standby"],
    };
    // Then EC2's passing states (a detached instance shut down, a stop).
    const settledEc2: Partial<Record<Ec2State, Ec2State[]>> = { "shutting-down": ["terminated"], stopping: ["stopped", "shutting-down", "terminated"] };
    const settleOne = async (i: SandboxInstance) => {
      if (settled[i.lifecycle]) await env.whenState(i.id, settled[i.lifecycle]!);
      if (settledEc2[i.ec2State]) await env.whenEc2State(i.id, settledEc2[i.ec2State]!);
    };
    const settle = (instances: SandboxInstance[]) => Promise.all(instances.map(settleOne));
    const groupName = (group: GroupRole | undefined) => (group === "temporary" ? env.identity.temporaryAutoScalingGroup : env.identity.autoScalingGroup);
    // The hook whose action to complete: the one named, else the only one pending on the instance.
    const pendingHook = (id: string, hook: string | undefined): string => {
      if (hook !== undefined) return hook;
      const pending = env.pendingActions(id);
      if (pending.length === 1) return pending[0]!;
      if (pending.length === 0) throw new SandboxRequestError(400, `No active Lifecycle Action found with instance ID ${id}`);
      throw new SandboxRequestError(400, `name the hook ("hook"): ${pending.join(", ")} are pending on ${id}`);
    };
    const moved = async (instance: SandboxInstance, wait: boolean | undefined) => {
      if (wait) await settle([instance]);
      return written(entryOf(instance));
    };
    const sandbox: Sandbox = {
      get adminUrl() {
        return adminUrl;
      },
      endpoints,
      baseDir,
      ...(ecs ? { ecs } : {}),
      sns,
      webhook: receiver,
      state: () => buildState(env, endpoints, adminUrl, baseDir, receiver.url),
      async deploy(o = {}) {
        const deployment = await env.deploy(o.versionLabel);
        const instances = env.instances.filter((i) => i.deployment === deployment).map((i) => i.id);
        return written({ versionLabel: deployment.versionLabel, deploymentId: deployment.deploymentId, instances });
      },
      async setCapacity(desired, o = {}) {
        const { launched, terminated } = await env.setCapacity(desired);
        if (o.wait) await settle([...launched, ...terminated]);
        await written(undefined);
        return sandbox.state();
      },
      async launch(o = {}) {
        const instance = await env.launch(o.group ?? "main");
        if (o.wait) await settle([instance]);
        return written(entryOf(instance));
      },
      async terminate(id, o = {}) {
        const instance = env.terminate(id);
        if (o.wait) await settle([instance]);
        return written(entryOf(instance));
      },
      async promoteTemporaryGroup(o = {}) {
        const { moved, terminated } = await env.promoteTemporary();
        if (o.wait) await settle([...moved, ...terminated]);
        return written({ moved: moved.map((i) => i.id), terminated: terminated.map((i) => i.id) });
      },
      putTerminationHook(o = {}) {
        return env.putLifecycleHook({
          group: groupName(o.group),
          name: o.name ?? "eb-migrate-sandbox-drain",
          transition: "autoscaling:EC2_INSTANCE_TERMINATING",
          ...(o.heartbeatTimeoutSeconds === undefined ? {} : { heartbeatTimeoutSeconds: o.heartbeatTimeoutSeconds }),
          ...(o.defaultResult === undefined ? {} : { defaultResult: o.defaultResult }),
        });
      },
      deleteLifecycleHook(name, o = {}) {
        env.deleteLifecycleHook(groupName(o.group), name);
      },
      lifecycleHooks: () => env.lifecycleHooks.map((h) => ({ ...h })),
      async completeLifecycleAction(id, o = {}) {
        const done = env.completeLifecycleAction(id, pendingHook(id, o.hook), o.result ?? "CONTINUE");
        return moved(done, o.wait);
      },
      async recordLifecycleActionHeartbeat(id, o = {}) {
        return written(entryOf(env.recordLifecycleActionHeartbeat(id, pendingHook(id, o.hook))));
      },
      detach: async (id, o = {}) => moved(await env.detach(id, { decrement: o.decrement ?? true }), o.wait),
      enterStandby: async (id, o = {}) => moved(await env.enterStandby(id, { decrement: o.decrement ?? true }), o.wait),
      exitStandby: async (id, o = {}) => moved(env.exitStandby(id), o.wait),
      stopInstance: async (id, o = {}) => moved(env.stopInstance(id), o.wait),
      setDescribeThrottle(throttle) {
        faults.requests.setThrottle(checkedThrottle(throttle));
      },
      describeThrottle: () => faults.requests.describeThrottle(),
      requestCounts: () => faults.requests.counts(),
      resetRequestCounts: () => faults.requests.reset(),
      injectFault(fault) {
        const body = fault as Record<string, unknown> | null;
        if (ecs && typeof body === "object" && body !== null && body.service === "ecs" && "kind" in body && applyEcsFault(ecs, body)) {
          return { id: `ecs-fault-${++ecsFaults}`, service: "ecs", kind: String(body.kind), hits: 0 };
        }
        return faults.add(fault);
      },
      faults: () => faults.list(),
      clearFaults() {
        faults.clear();
        ecs?.clearFaults();
      },
      async setEnvironmentProperties(changes) {
        const properties = await env.setProperties(changes);
        // A new table name gets its table, as the ebextension's CloudFormation would create it.
        await ensureTable(dynamodb.url, env.identity.region, tableOf());
        return written(properties);
      },
      async stop() {
        env.stop();
        await Promise.all([...listeners, ...imds.values(), receiver].map((l) => l.close()));
        imds.clear();
        await Promise.all([...jsonServices, ssm].map((s) => s.close?.()));
        await dynamodb.close();
        if (writer) {
          await writer.flush().catch(() => {});
          await rm(stateFile!, { force: true });
        }
      },
    };
    const admin = await startAdmin(sandbox, options.port ?? 0, notificationRoutes(sns, receiver));
    listeners.push(admin);
    adminUrl = admin.url;
    if (stateFile) {
      writer = stateFileWriter(stateFile, () => sandbox.state());
      ready = true;
      writer.changed();
      await writer.flush();
    }
    ready = true;
    return sandbox;
  } catch (error) {
    env.stop();
    await Promise.all([...listeners, ...imds.values(), ...(webhook ? [webhook] : [])].map((l) => l.close()));
    await Promise.all(jsonServices.map((s) => s.close?.()));
    await dynamodb.close();
    throw error;
  }
}
