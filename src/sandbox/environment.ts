// The emulated Elastic Beanstalk environment: its identity, properties and current deployment,
// and its instances with their Auto Scaling lifecycle (Pending → InService → Terminating
// [→ Terminating:Wait while a termination lifecycle hook holds it → Terminating:Proceed] →
// Terminated → forgotten by Auto Scaling, while EC2 still shows them "terminated" for a while;
// InService → Detaching → Detached → forgotten by Auto Scaling, still running in EC2;
// InService → EnteringStandby → Standby → Pending → InService), and the EC2 state that follows.
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
import { newEnvironmentId, newInstanceId, newPrivateIp, newReservationId, newResourceSuffix } from "./ids.js";
import { availabilityZones } from "./facts.js";

export type LifecycleState =
  | "Pending"
  | "InService"
  | "Terminating"
  | "Terminating:Wait"
  | "Terminating:Proceed"
  | "Terminated"
  | "Detaching"
  | "Detached"
  | "EnteringStandby"
  | "Standby";
export type Ec2State = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";

/**
 * A lifecycle hook on instance termination (PutLifecycleHook with LifecycleTransition
 * autoscaling:EC2_INSTANCE_TERMINATING): a terminating instance waits in Terminating:Wait —
 * still running — until CompleteLifecycleAction or the heartbeat timeout (then DefaultResult;
 * for termination CONTINUE and ABANDON both let it terminate).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html
 */
export interface LifecycleHook {
  name: string;
  group: string;
  transition: "autoscaling:EC2_INSTANCE_TERMINATING";
  heartbeatTimeoutSeconds: number;
  defaultResult: "CONTINUE" | "ABANDON";
}
export type GroupRole = "main" | "temporary";

export interface DeploymentInfo {
  versionLabel: string;
  /** EB's deployment counter for the environment (an integer, as in app_version_manifest.json). */
  deploymentId: number;
  deployedAt: Date;
}

export interface SandboxInstance {
  id: string;
  group: GroupRole;
  autoScalingGroup: string;
  launchTime: Date;
  availabilityZone: string;
  privateIp: string;
  reservationId: string;
  lifecycle: LifecycleState;
  ec2State: Ec2State;
  /** Still listed by Auto Scaling (false once a Terminated instance is forgotten). */
  inAutoScaling: boolean;
  /** The deployment whose files this instance holds. */
  deployment: DeploymentInfo;
  /** The instance's EB_MIGRATE_ROOT and its IMDS endpoint (set by the effects' prepare). */
  root: string;
  imdsUrl: string;
  /** Its own DynamoDB endpoint (the fault proxy on a port of its own; set by the effects' prepare). */
  dynamodbUrl: string;
  terminatedAt?: Date;
}

export interface EnvironmentIdentity {
  name: string;
  id: string;
  applicationName: string;
  region: string;
  accountId: string;
  stackName: string;
  autoScalingGroup: string;
  /** The group an immutable deployment adds next to the main one (exists once used). */
  temporaryAutoScalingGroup: string;
  createdAt: Date;
}

export interface LifecycleTimings {
  /** How long a new instance stays Pending before InService. */
  pendingMs: number;
  /** How long a terminated instance stays Terminating before Terminated. */
  terminatingMs: number;
  /** How long Auto Scaling still lists a Terminated instance. */
  forgetAutoScalingMs: number;
  /** How long EC2 DescribeInstances still shows a terminated instance (about an hour on AWS). */
  forgetEc2Ms: number;
  /** How long Detaching, EnteringStandby and EC2's stopping last. */
  transitionMs: number;
}

/** A request the caller got wrong (unknown instance, capacity out of range): status and message. */
export class SandboxRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "SandboxRequestError";
  }
}

export const DEFAULT_TIMINGS: LifecycleTimings = { pendingMs: 200, terminatingMs: 200, forgetAutoScalingMs: 2_000, forgetEc2Ms: 3_600_000, transitionMs: 200 };
export const MAX_GROUP_SIZE = 100;

/** What the sandbox does around an instance's life: IMDS listener, on-instance files, state file. */
export interface InstanceEffects {
  /** Before the instance is visible anywhere: create its root and IMDS; return the IMDS URL. */
  prepare(instance: SandboxInstance): Promise<string>;
  /** Its deployment or the environment's properties changed: rewrite its files. */
  refresh(instance: SandboxInstance): Promise<void>;
  /** It reached Terminated: nothing runs on it any more (its IMDS stops answering). */
  retire(instance: SandboxInstance): Promise<void>;
  /** Something visible in the state file changed. */
  changed(): void;
}

export interface EnvironmentOptions {
  name?: string;
  applicationName?: string;
  region?: string;
  properties?: Record<string, string>;
  timings?: Partial<LifecycleTimings>;
  now?: () => number;
}

type Waiter = { id: string; states: LifecycleState[]; resolve: () => void };

export class SandboxEnvironment {
  readonly identity: EnvironmentIdentity;
  readonly timings: LifecycleTimings;
  properties: Record<string, string>;
  deployment: DeploymentInfo;
  /** Every instance still known to EC2, in launch order. */
  instances: SandboxInstance[] = [];
  temporaryGroupCreated = false;
  /** Lifecycle hooks by name (names are unique per group; the sandbox keys them by group and name). */
  readonly lifecycleHooks: LifecycleHook[] = [];
  /** Instances held in Terminating:Wait, with the hooks still to complete and their timeout timer. */
  private readonly waitingHooks = new Map<string, { pending: Set<string>; timers: NodeJS.Timeout[] }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: Waiter[] = [];
  private lastLaunch = 0;
  private readonly now: () => number;
  private stopped = false;

  constructor(
    private readonly effects: InstanceEffects,
    options: EnvironmentOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    const id = newEnvironmentId();
    const stackName = `awseb-${id}-stack`;
    this.identity = {
      name: options.name ?? "my-app-prod",
      id,
      applicationName: options.applicationName ?? "my-app",
      region: options.region ?? "us-east-1",
      accountId: "123456789012",
      stackName,
      autoScalingGroup: `${stackName}-AWSEBAutoScalingGroup-${newResourceSuffix()}`,
      temporaryAutoScalingGroup: `awseb-${id}-immutable-stack-AWSEBAutoScalingGroup-${newResourceSuffix()}`,
      createdAt: new Date(this.now() - 86_400_000),
    };
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.properties = { ...options.properties };
    this.deployment = this.nextDeployment(undefined);
  }

  /** Instances as Auto Scaling lists them (both groups), oldest first. */
  autoScalingInstances(): SandboxInstance[] {
    return this.instances.filter((i) => i.inAutoScaling);
  }

  inService(): SandboxInstance[] {
    return this.instances.filter((i) => i.lifecycle === "InService");
  }

  find(id: string): SandboxInstance | undefined {
    return this.instances.find((i) => i.id === id);
  }

  desiredCapacity(group: GroupRole): number {
    return this.instances.filter((i) => i.group === group && (i.lifecycle === "Pending" || i.lifecycle === "InService")).length;
  }

  /**
   * Starts the environment with `count` instances already InService, launched a minute apart
   * in the past (as if the environment had been running), oldest first.
   */
  async populate(count: number): Promise<void> {
    const start = this.now() - count * 60_000;
    for (let n = 0; n < count; n++) await this.launch("main", { inService: true, launchTime: start + n * 60_000 });
  }

  /** Launches one instance with the current deployment; it is InService after `pendingMs`. */
  async launch(group: GroupRole, options: { inService?: boolean; launchTime?: number } = {}): Promise<SandboxInstance> {
    if (this.desiredCapacity(group) >= MAX_GROUP_SIZE) throw new SandboxRequestError(400, `the ${group} group already has ${MAX_GROUP_SIZE} instances (its MaxSize)`);
    if (group === "temporary") this.temporaryGroupCreated = true;
    // Launch times strictly increase, so "oldest" is never ambiguous within the sandbox.
    const launchTime = Math.max(options.launchTime ?? this.now(), this.lastLaunch + 1);
    this.lastLaunch = launchTime;
    const azs = availabilityZones(this.identity.region);
    const instance: SandboxInstance = {
      id: newInstanceId(),
      group,
      autoScalingGroup: group === "main" ? this.identity.autoScalingGroup : this.identity.temporaryAutoScalingGroup,
      launchTime: new Date(launchTime),
      availabilityZone: azs[this.instances.length % azs.length]!,
      privateIp: newPrivateIp(),
      reservationId: newReservationId(),
      lifecycle: options.inService ? "InService" : "Pending",
      ec2State: options.inService ? "running" : "pending",
      inAutoScaling: true,
      deployment: this.deployment,
      root: "",
      imdsUrl: "",
      dynamodbUrl: "",
    };
    instance.imdsUrl = await this.effects.prepare(instance);
    this.instances.push(instance);
    if (!options.inService) {
      this.after(this.timings.pendingMs, () => {
        if (instance.lifecycle !== "Pending") return;
        instance.ec2State = "running";
        this.transition(instance, "InService");
      });
    }
    this.effects.changed();
    return instance;
  }

  /**
   * Terminating now; with termination lifecycle hooks on its group, Terminating:Wait (EC2 still
   * running) until each is completed or times out; then Terminating:Proceed, EC2 shutting-down,
   * Terminated after `terminatingMs`, forgotten by Auto Scaling later still.
   */
  terminate(id: string): SandboxInstance {
    const instance = this.find(id);
    if (!instance || !instance.inAutoScaling) throw new SandboxRequestError(404, `no instance ${id} in the environment`);
    if (instance.lifecycle.startsWith("Terminat") || instance.lifecycle === "Detaching" || instance.lifecycle === "Detached") return instance;
    this.transition(instance, "Terminating");
    const hooks = this.lifecycleHooks.filter((h) => h.group === instance.autoScalingGroup);
    if (hooks.length === 0) {
      this.shutDown(instance);
      return instance;
    }
    this.transition(instance, "Terminating:Wait");
    const timers = hooks.map((hook) =>
      setTimeout(() => this.completeLifecycleAction(instance.id, hook.name, hook.defaultResult), hook.heartbeatTimeoutSeconds * 1000),
    );
    this.waitingHooks.set(instance.id, { pending: new Set(hooks.map((h) => h.name)), timers });
    return instance;
  }

  /** CompleteLifecycleAction (or a hook's timeout): once no hook holds it, the instance terminates. */
  completeLifecycleAction(id: string, hookName: string, _result: "CONTINUE" | "ABANDON"): SandboxInstance {
    const instance = this.find(id);
    const waiting = this.waitingHooks.get(id);
    if (!instance || !waiting || !waiting.pending.has(hookName)) {
      throw new SandboxRequestError(400, `No active Lifecycle Action found with instance ID ${id}`);
    }
    // For a termination hook, CONTINUE and ABANDON both let the instance terminate (ABANDON
    // skips the remaining hooks).
    waiting.pending.delete(hookName);
    if (_result === "ABANDON") waiting.pending.clear();
    if (waiting.pending.size > 0) return instance;
    for (const t of waiting.timers) clearTimeout(t);
    this.waitingHooks.delete(id);
    this.transition(instance, "Terminating:Proceed");
    this.shutDown(instance);
    return instance;
  }

  /** DetachInstances: InService or Standby → Detaching → Detached → forgotten by Auto Scaling; EC2 runs on. */
  detach(id: string): SandboxInstance {
    const instance = this.inGroup(id);
    if (instance.lifecycle !== "InService" && instance.lifecycle !== "Standby") {
      throw new SandboxRequestError(400, `The instance ${id} is not in InService or Standby (it is ${instance.lifecycle}).`);
    }
    this.transition(instance, "Detaching");
    this.after(this.timings.transitionMs, () => {
      this.transition(instance, "Detached");
      this.after(this.timings.forgetAutoScalingMs, () => {
        instance.inAutoScaling = false;
        this.effects.changed();
      });
    });
    return instance;
  }

  /** EnterStandby: InService → EnteringStandby → Standby (EC2 still running). */
  enterStandby(id: string): SandboxInstance {
    const instance = this.inGroup(id);
    if (instance.lifecycle !== "InService") throw new SandboxRequestError(400, `The instance ${id} is not in InService (it is ${instance.lifecycle}).`);
    this.transition(instance, "EnteringStandby");
    this.after(this.timings.transitionMs, () => this.transition(instance, "Standby"));
    return instance;
  }

  /** ExitStandby: Standby → Pending → InService. */
  exitStandby(id: string): SandboxInstance {
    const instance = this.inGroup(id);
    if (instance.lifecycle !== "Standby") throw new SandboxRequestError(400, `The instance ${id} is not in Standby (it is ${instance.lifecycle}).`);
    this.transition(instance, "Pending");
    this.after(this.timings.pendingMs, () => {
      if (instance.lifecycle === "Pending") this.transition(instance, "InService");
    });
    return instance;
  }

  /**
   * StopInstances on an instance: EC2 stopping → stopped; its processes are gone. Auto Scaling's
   * health check would then mark it unhealthy and replace it — not modelled: the lifecycle
   * state stays as it was, which is what a follower may see before the health check runs.
   */
  stopInstance(id: string): SandboxInstance {
    const instance = this.find(id);
    if (!instance || (instance.ec2State !== "running" && instance.ec2State !== "pending")) {
      throw new SandboxRequestError(400, `no running instance ${id}`);
    }
    instance.ec2State = "stopping";
    this.effects.changed();
    this.after(this.timings.transitionMs, () => {
      instance.ec2State = "stopped";
      this.effects.changed();
    });
    return instance;
  }

  private inGroup(id: string): SandboxInstance {
    const instance = this.find(id);
    if (!instance || !instance.inAutoScaling || instance.lifecycle === "Detached") throw new SandboxRequestError(404, `no instance ${id} in the environment's Auto Scaling groups`);
    return instance;
  }

  /** EC2 shuts the instance down: shutting-down now, terminated (and Terminated) after `terminatingMs`. */
  private shutDown(instance: SandboxInstance): void {
    instance.ec2State = "shutting-down";
    this.effects.changed();
    this.after(this.timings.terminatingMs, () => {
      instance.ec2State = "terminated";
      instance.terminatedAt = new Date(this.now());
      this.transition(instance, "Terminated");
      void this.effects.retire(instance);
      this.after(this.timings.forgetAutoScalingMs, () => {
        instance.inAutoScaling = false;
        this.effects.changed();
      });
      this.after(this.timings.forgetEc2Ms, () => {
        this.instances = this.instances.filter((i) => i !== instance);
      });
    });
  }

  /** Sets the main group's desired capacity: scales in newest first, or launches new instances. */
  async setCapacity(desired: number): Promise<{ launched: SandboxInstance[]; terminated: SandboxInstance[] }> {
    if (!Number.isInteger(desired) || desired < 0 || desired > MAX_GROUP_SIZE) {
      throw new SandboxRequestError(400, `desired capacity must be a whole number from 0 to ${MAX_GROUP_SIZE}, received ${JSON.stringify(desired)}`);
    }
    const running = this.instances
      .filter((i) => i.group === "main" && (i.lifecycle === "Pending" || i.lifecycle === "InService"))
      .sort((a, b) => b.launchTime.getTime() - a.launchTime.getTime());
    const terminated = running.slice(0, Math.max(0, running.length - desired)).map((i) => this.terminate(i.id));
    const launched: SandboxInstance[] = [];
    for (let n = running.length; n < desired; n++) launched.push(await this.launch("main"));
    return { launched, terminated };
  }

  /**
   * Ends an immutable deployment as EB does: the temporary group's instances join the main
   * group, the main group's previous instances are terminated, the temporary group goes away.
   */
  async promoteTemporary(): Promise<{ moved: SandboxInstance[]; terminated: SandboxInstance[] }> {
    if (!this.temporaryGroupCreated) throw new SandboxRequestError(400, "there is no temporary group: launch an instance with group \"temporary\" first");
    const alive = (i: SandboxInstance) => i.lifecycle === "Pending" || i.lifecycle === "InService";
    const previous = this.instances.filter((i) => i.group === "main" && alive(i));
    const moved = this.instances.filter((i) => i.group === "temporary" && alive(i));
    for (const i of moved) {
      i.group = "main";
      i.autoScalingGroup = this.identity.autoScalingGroup;
    }
    this.temporaryGroupCreated = false;
    await Promise.all(moved.map((i) => this.effects.refresh(i)));
    const terminated = previous.map((i) => this.terminate(i.id));
    this.effects.changed();
    return { moved, terminated };
  }

  /** A new application version on every instance that is not going away. */
  async deploy(versionLabel?: string): Promise<DeploymentInfo> {
    this.deployment = this.nextDeployment(versionLabel);
    const targets = this.instances.filter((i) => i.lifecycle === "Pending" || i.lifecycle === "InService");
    for (const instance of targets) instance.deployment = this.deployment;
    await Promise.all(targets.map((i) => this.effects.refresh(i)));
    this.effects.changed();
    return this.deployment;
  }

  /** Sets (or, with null, removes) environment properties, like a configuration update. */
  async setProperties(changes: Record<string, string | null>): Promise<Record<string, string>> {
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) delete this.properties[name];
      else this.properties[name] = value;
    }
    const targets = this.instances.filter((i) => i.lifecycle !== "Terminated");
    await Promise.all(targets.map((i) => this.effects.refresh(i)));
    this.effects.changed();
    return { ...this.properties };
  }

  /** Resolves once the instance is in one of `states`. */
  whenState(id: string, states: LifecycleState[]): Promise<void> {
    const instance = this.find(id);
    if (!instance || states.includes(instance.lifecycle)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ id, states, resolve }));
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.waitingHooks.values()) for (const t of w.timers) clearTimeout(t);
    this.waitingHooks.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private nextDeployment(versionLabel: string | undefined): DeploymentInfo {
    const deploymentId = (this.deployment?.deploymentId ?? 0) + 1;
    const at = new Date(this.now());
    // Like the EB CLI's default labels: app-<yymmdd_hhmmss>; the counter keeps them unique.
    const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "_").slice(2, 15);
    return { versionLabel: versionLabel ?? `app-${stamp}-${deploymentId}`, deploymentId, deployedAt: at };
  }

  private transition(instance: SandboxInstance, state: LifecycleState): void {
    instance.lifecycle = state;
    const ready = this.waiters.filter((w) => w.id === instance.id && w.states.includes(state));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
    this.effects.changed();
  }

  private after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}
