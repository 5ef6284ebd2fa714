// The emulated Elastic Beanstalk environment: its identity, properties and current deployment,
// and its instances with their Auto Scaling lifecycle (Pending → InService → Terminating
// [→ Terminating:Wait while a termination lifecycle hook holds it → Terminating:Proceed] →
// Terminated → forgotten by Auto Scaling, while EC2 still shows them "terminated" for a while;
// InService|Standby → Detaching → Detached → forgotten by Auto Scaling, still running in EC2;
// InService → EnteringStandby → Standby → (ExitStandby) Pending → InService), and the EC2 state
// that follows (pending, running, shutting-down, terminated; stopping, stopped on a stop).
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-detach-attach-instances.html
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-enter-exit-standby.html
import { newEnvironmentId, newInstanceId, newPrivateIp, newReservationId, newResourceSuffix } from "./ids.js";
import { availabilityZones } from "./facts.js";

/**
 * LifecycleState as the Auto Scaling API documents it (API_AutoScalingInstanceDetails, "Valid
 * values"), without the warm pool's Warmed:* states (the sandbox has no warm pool). The sandbox
 * never enters Pending:Wait / Pending:Proceed (it models termination hooks only, no launch hooks)
 * nor Quarantined ("The Quarantined state is not used", same page): they are here so the type
 * is the API's.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AutoScalingInstanceDetails.html
 */
export type LifecycleState =
  | "Pending"
  | "Pending:Wait"
  | "Pending:Proceed"
  | "Quarantined"
  | "InService"
  | "Terminating"
  | "Terminating:Wait"
  | "Terminating:Proceed"
  | "Terminated"
  | "Detaching"
  | "Detached"
  | "EnteringStandby"
  | "Standby";
/** https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html */
export type Ec2State = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";
export type HealthStatus = "Healthy" | "Unhealthy";
export type LifecycleActionResult = "CONTINUE" | "ABANDON";

/**
 * A lifecycle hook on instance termination (PutLifecycleHook with LifecycleTransition
 * autoscaling:EC2_INSTANCE_TERMINATING): a terminating instance waits in Terminating:Wait —
 * still running — until CompleteLifecycleAction or the heartbeat timeout (then DefaultResult;
 * for termination CONTINUE and ABANDON both let it terminate, ABANDON also ends the other hooks'
 * actions). RecordLifecycleActionHeartbeat restarts the timeout; the wait never lasts longer than
 * the global timeout, 100 × HeartbeatTimeout or 48 hours, whichever is smaller.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutLifecycleHook.html
 */
export interface LifecycleHook {
  name: string;
  group: string;
  transition: "autoscaling:EC2_INSTANCE_TERMINATING";
  heartbeatTimeoutSeconds: number;
  defaultResult: LifecycleActionResult;
}

/** PutLifecycleHook's bounds and defaults (API_PutLifecycleHook: HeartbeatTimeout 30–7200, default 3600; DefaultResult default ABANDON). */
export const HEARTBEAT_TIMEOUT_RANGE = { min: 30, max: 7200, default: 3600 } as const;
export const DEFAULT_HOOK_RESULT: LifecycleActionResult = "ABANDON";
const MAX_GLOBAL_TIMEOUT_SECONDS = 172_800;

/** The global timeout of a hook: 100 × its heartbeat timeout, at most 48 hours (API_LifecycleHook). */
export function globalTimeoutSeconds(hook: Pick<LifecycleHook, "heartbeatTimeoutSeconds">): number {
  return Math.min(100 * hook.heartbeatTimeoutSeconds, MAX_GLOBAL_TIMEOUT_SECONDS);
}

/** A hook as PutLifecycleHook (or the admin API) gives it: unset fields keep the existing hook's or take the defaults. */
export interface LifecycleHookInput {
  group: string;
  name: string;
  transition?: string;
  heartbeatTimeoutSeconds?: unknown;
  defaultResult?: unknown;
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
  /** When EC2 last stopped it (its state reason, like a termination's). */
  stoppedAt?: Date;
  /** Set while in (or entering) Standby: Auto Scaling does not health-check it then and reports the status it had before. */
  standbyHealth?: HealthStatus;
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
  /** How long one second of a lifecycle hook's HeartbeatTimeout lasts (1000; tests shorten it to see a timeout). */
  heartbeatSecondMs: number;
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

export const DEFAULT_TIMINGS: LifecycleTimings = {
  pendingMs: 200,
  terminatingMs: 200,
  forgetAutoScalingMs: 2_000,
  forgetEc2Ms: 3_600_000,
  transitionMs: 200,
  heartbeatSecondMs: 1_000,
};
export const MAX_GROUP_SIZE = 100;

/** What the sandbox does around an instance's life: IMDS listener, on-instance files, state file. */
export interface InstanceEffects {
  /** Before the instance is visible anywhere: create its root and IMDS; return the IMDS URL. */
  prepare(instance: SandboxInstance): Promise<string>;
  /** Its deployment or the environment's properties changed: rewrite its files. */
  refresh(instance: SandboxInstance): Promise<void>;
  /** It reached Terminated or EC2 stopped it: nothing runs on it any more (its IMDS and DynamoDB endpoint stop answering). */
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

type Waiter = { id: string; done: (instance: SandboxInstance) => boolean; resolve: () => void };
/** A termination hook's action on one instance: its current timeout and the global deadline (epoch ms). */
type PendingAction = { hook: LifecycleHook; timer: NodeJS.Timeout | undefined; globalDeadline: number };

export class SandboxEnvironment {
  readonly identity: EnvironmentIdentity;
  readonly timings: LifecycleTimings;
  properties: Record<string, string>;
  deployment: DeploymentInfo;
  /** Every instance still known to EC2, in launch order. */
  instances: SandboxInstance[] = [];
  temporaryGroupCreated = false;
  /** Lifecycle hooks (a name is unique within its group). */
  readonly lifecycleHooks: LifecycleHook[] = [];
  /** Instances held in Terminating:Wait: instance id → hook name → its pending action. */
  private readonly actions = new Map<string, Map<string, PendingAction>>();
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
   * The health status Auto Scaling reports. Its EC2 health check finds an instance that is not
   * running unhealthy (modelled as at once; what Auto Scaling then does — terminate and replace
   * it — is not: the lifecycle state stays). An instance in Standby is not health-checked and
   * keeps the status it had before (as-enter-exit-standby, "Health status of an instance in a
   * standby state").
   */
  healthStatus(i: SandboxInstance): HealthStatus {
    if (i.standbyHealth) return i.standbyHealth;
    return i.lifecycle.startsWith("Terminat") || i.ec2State === "stopping" || i.ec2State === "stopped" ? "Unhealthy" : "Healthy";
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
    if (this.stopped) throw new SandboxRequestError(400, "the sandbox is stopping");
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
        if (instance.ec2State === "pending") this.setEc2State(instance, "running");
        this.transition(instance, "InService");
      });
    }
    this.effects.changed();
    return instance;
  }

  /**
   * Terminates an instance. In an Auto Scaling group: Terminating now; with termination
   * lifecycle hooks on its group, Terminating:Wait (EC2 still running) until each hook's action
   * is completed or times out; then Terminating:Proceed; EC2 shutting-down, Terminated (and EC2
   * terminated) after `terminatingMs`, forgotten by Auto Scaling later still. A detached
   * instance is no group's any more: only EC2 shuts it down. Already terminating: no change.
   */
  terminate(id: string): SandboxInstance {
    const instance = this.find(id);
    const detached = instance?.lifecycle === "Detaching" || instance?.lifecycle === "Detached";
    if (!instance || (detached ? instance.ec2State === "terminated" : !instance.inAutoScaling)) throw new SandboxRequestError(404, `no instance ${id} in the environment`);
    if (detached) {
      if (instance.ec2State !== "shutting-down") this.shutDown(instance, false);
      return instance;
    }
    if (instance.lifecycle.startsWith("Terminat")) return instance;
    delete instance.standbyHealth;
    this.transition(instance, "Terminating");
    const hooks = this.lifecycleHooks.filter((h) => h.group === instance.autoScalingGroup);
    if (hooks.length === 0) {
      this.shutDown(instance, true);
      return instance;
    }
    this.transition(instance, "Terminating:Wait");
    const started = this.now();
    const pending = new Map<string, PendingAction>();
    for (const hook of hooks) {
      const globalDeadline = started + globalTimeoutSeconds(hook) * this.timings.heartbeatSecondMs;
      pending.set(hook.name, { hook, globalDeadline, timer: this.actionTimer(instance.id, hook, started + hook.heartbeatTimeoutSeconds * this.timings.heartbeatSecondMs) });
    }
    this.actions.set(instance.id, pending);
    return instance;
  }

  /** Hook names with an action pending on the instance (it is in Terminating:Wait while there are any). */
  pendingActions(id: string): string[] {
    return [...(this.actions.get(id)?.keys() ?? [])];
  }

  /**
   * CompleteLifecycleAction (or a hook's timeout, with its DefaultResult): once no hook holds
   * the instance, it terminates. For a termination hook CONTINUE and ABANDON both let it
   * terminate; ABANDON also ends the other hooks' actions.
   */
  completeLifecycleAction(id: string, hookName: string, result: LifecycleActionResult): SandboxInstance {
    const { instance, pending } = this.pendingAction(id, hookName);
    this.cancel(pending.get(hookName)!.timer);
    pending.delete(hookName);
    if (result === "ABANDON") {
      for (const action of pending.values()) this.cancel(action.timer);
      pending.clear();
    }
    if (pending.size > 0) return instance;
    this.actions.delete(id);
    this.transition(instance, "Terminating:Proceed");
    this.shutDown(instance, true);
    return instance;
  }

  /**
   * RecordLifecycleActionHeartbeat: the action's timeout starts again (HeartbeatTimeout from
   * now), never past the global timeout.
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RecordLifecycleActionHeartbeat.html
   */
  recordLifecycleActionHeartbeat(id: string, hookName: string): SandboxInstance {
    const { instance, pending } = this.pendingAction(id, hookName);
    const action = pending.get(hookName)!;
    this.cancel(action.timer);
    const due = Math.min(this.now() + action.hook.heartbeatTimeoutSeconds * this.timings.heartbeatSecondMs, action.globalDeadline);
    action.timer = this.actionTimer(id, action.hook, due);
    return instance;
  }

  /**
   * PutLifecycleHook: creates the hook or updates the group's hook of that name (unset fields
   * keep its values). Only termination hooks are modelled — what a lease holder must survive.
   */
  putLifecycleHook(input: LifecycleHookInput): LifecycleHook {
    const bad = (message: string) => new SandboxRequestError(400, message);
    if (!/^[A-Za-z0-9\-_/]{1,255}$/.test(input.name)) throw bad(`LifecycleHookName must be 1-255 characters of [A-Za-z0-9-_/], received ${JSON.stringify(input.name)}`);
    const existing = this.lifecycleHooks.find((h) => h.group === input.group && h.name === input.name);
    const transition = input.transition ?? existing?.transition ?? "autoscaling:EC2_INSTANCE_TERMINATING";
    if (transition !== "autoscaling:EC2_INSTANCE_TERMINATING") {
      throw bad(`the sandbox models termination hooks only: LifecycleTransition must be autoscaling:EC2_INSTANCE_TERMINATING, received ${transition}`);
    }
    const timeout = input.heartbeatTimeoutSeconds ?? existing?.heartbeatTimeoutSeconds ?? HEARTBEAT_TIMEOUT_RANGE.default;
    if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < HEARTBEAT_TIMEOUT_RANGE.min || timeout > HEARTBEAT_TIMEOUT_RANGE.max) {
      throw bad(`HeartbeatTimeout must be a whole number of seconds from ${HEARTBEAT_TIMEOUT_RANGE.min} to ${HEARTBEAT_TIMEOUT_RANGE.max}, received ${JSON.stringify(timeout)}`);
    }
    const defaultResult = input.defaultResult ?? existing?.defaultResult ?? DEFAULT_HOOK_RESULT;
    if (defaultResult !== "CONTINUE" && defaultResult !== "ABANDON") throw bad(`DefaultResult must be CONTINUE or ABANDON, received ${JSON.stringify(defaultResult)}`);
    const hook: LifecycleHook = { name: input.name, group: input.group, transition, heartbeatTimeoutSeconds: timeout, defaultResult };
    if (existing) Object.assign(existing, hook);
    else this.lifecycleHooks.push(hook);
    return { ...hook };
  }

  /**
   * DeleteLifecycleHook: outstanding actions of the hook are completed first — CONTINUE for
   * terminating instances (API_DeleteLifecycleHook).
   */
  deleteLifecycleHook(group: string, name: string): void {
    const at = this.lifecycleHooks.findIndex((h) => h.group === group && h.name === name);
    if (at < 0) throw new SandboxRequestError(404, `No Lifecycle Hook found with name ${name} for group ${group}`);
    this.lifecycleHooks.splice(at, 1);
    for (const [id, pending] of [...this.actions]) if (pending.has(name) && this.find(id)?.autoScalingGroup === group) this.completeLifecycleAction(id, name, "CONTINUE");
  }

  /**
   * DetachInstances: InService or Standby → Detaching → Detached → forgotten by Auto Scaling;
   * EC2 runs on (so do its IMDS, DynamoDB endpoint and files). Without `decrement` Auto Scaling
   * launches a replacement.
   */
  async detach(id: string, options: { decrement: boolean }): Promise<SandboxInstance> {
    const instance = this.inGroup(id);
    if (instance.lifecycle !== "InService" && instance.lifecycle !== "Standby") {
      throw new SandboxRequestError(400, `The instance ${id} is not in InService or Standby (it is ${instance.lifecycle}).`);
    }
    delete instance.standbyHealth;
    this.transition(instance, "Detaching");
    this.after(this.timings.transitionMs, () => {
      this.transition(instance, "Detached");
      this.after(this.timings.forgetAutoScalingMs, () => {
        instance.inAutoScaling = false;
        this.effects.changed();
      });
    });
    if (!options.decrement) await this.launch(instance.group);
    return instance;
  }

  /**
   * EnterStandby: InService → EnteringStandby → Standby; EC2 runs on. Without `decrement` Auto
   * Scaling launches a replacement.
   */
  async enterStandby(id: string, options: { decrement: boolean }): Promise<SandboxInstance> {
    const instance = this.inGroup(id);
    if (instance.lifecycle !== "InService") throw new SandboxRequestError(400, `The instance ${id} is not in InService (it is ${instance.lifecycle}).`);
    instance.standbyHealth = this.healthStatus(instance);
    this.transition(instance, "EnteringStandby");
    this.after(this.timings.transitionMs, () => {
      if (instance.lifecycle === "EnteringStandby") this.transition(instance, "Standby");
    });
    if (!options.decrement) await this.launch(instance.group);
    return instance;
  }

  /** ExitStandby: Standby → Pending → InService (the desired capacity grows by one again). */
  exitStandby(id: string): SandboxInstance {
    const instance = this.inGroup(id);
    if (instance.lifecycle !== "Standby") throw new SandboxRequestError(400, `The instance ${id} is not in Standby (it is ${instance.lifecycle}).`);
    delete instance.standbyHealth;
    this.transition(instance, "Pending");
    this.after(this.timings.pendingMs, () => {
      if (instance.lifecycle === "Pending") this.transition(instance, "InService");
    });
    return instance;
  }

  /**
   * StopInstances on an instance: EC2 stopping → stopped (after `transitionMs`); nothing runs
   * on it then (its IMDS and DynamoDB endpoint close). Auto Scaling's health check would then
   * mark it unhealthy and replace it — only the health status is modelled: the lifecycle state
   * stays as it was, which is what a follower may see before the health check acts.
   */
  stopInstance(id: string): SandboxInstance {
    const instance = this.find(id);
    if (!instance || (instance.ec2State !== "running" && instance.ec2State !== "pending")) {
      throw new SandboxRequestError(400, `no running instance ${id} (EC2 state: ${instance?.ec2State ?? "unknown"})`);
    }
    instance.stoppedAt = new Date(this.now());
    this.setEc2State(instance, "stopping");
    this.after(this.timings.transitionMs, () => {
      if (instance.ec2State !== "stopping") return;
      this.setEc2State(instance, "stopped");
      void this.effects.retire(instance);
    });
    return instance;
  }

  private inGroup(id: string): SandboxInstance {
    const instance = this.find(id);
    if (!instance || !instance.inAutoScaling || instance.lifecycle === "Detached") throw new SandboxRequestError(404, `no instance ${id} in the environment's Auto Scaling groups`);
    return instance;
  }

  private pendingAction(id: string, hookName: string): { instance: SandboxInstance; pending: Map<string, PendingAction> } {
    const instance = this.find(id);
    const pending = this.actions.get(id);
    // AWS's words (ValidationError) for an instance with no action of that hook waiting.
    if (!instance || !pending?.has(hookName)) throw new SandboxRequestError(400, `No active Lifecycle Action found with instance ID ${id}`);
    return { instance, pending };
  }

  /** At `due` (epoch ms) the action times out and gets its hook's DefaultResult. */
  private actionTimer(id: string, hook: LifecycleHook, due: number): NodeJS.Timeout | undefined {
    return this.after(Math.max(0, due - this.now()), () => {
      if (this.actions.get(id)?.has(hook.name)) this.completeLifecycleAction(id, hook.name, hook.defaultResult);
    });
  }

  /**
   * EC2 shuts the instance down: shutting-down now, terminated after `terminatingMs` — with the
   * Auto Scaling lifecycle Terminated (then forgotten by Auto Scaling) when `inGroup`.
   */
  private shutDown(instance: SandboxInstance, inGroup: boolean): void {
    this.setEc2State(instance, "shutting-down");
    this.after(this.timings.terminatingMs, () => {
      instance.terminatedAt = new Date(this.now());
      this.setEc2State(instance, "terminated");
      if (inGroup) this.transition(instance, "Terminated");
      void this.effects.retire(instance);
      if (inGroup) {
        this.after(this.timings.forgetAutoScalingMs, () => {
          instance.inAutoScaling = false;
          this.effects.changed();
        });
      }
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

  /** Resolves once the instance is in one of `states` (at once if it is, or is unknown). */
  whenState(id: string, states: LifecycleState[]): Promise<void> {
    return this.when(id, (i) => states.includes(i.lifecycle));
  }

  /** Resolves once the instance is in one of the EC2 `states` (at once if it is, or is unknown). */
  whenEc2State(id: string, states: Ec2State[]): Promise<void> {
    return this.when(id, (i) => states.includes(i.ec2State));
  }

  stop(): void {
    this.stopped = true;
    this.actions.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private when(id: string, done: (instance: SandboxInstance) => boolean): Promise<void> {
    const instance = this.find(id);
    if (!instance || done(instance) || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ id, done, resolve }));
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
    this.changedInstance(instance);
  }

  private setEc2State(instance: SandboxInstance, state: Ec2State): void {
    instance.ec2State = state;
    this.changedInstance(instance);
  }

  private changedInstance(instance: SandboxInstance): void {
    const ready = this.waiters.filter((w) => w.id === instance.id && w.done(instance));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
    this.effects.changed();
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.stopped) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }
}
