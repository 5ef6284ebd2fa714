// Injected faults: which requests fail (AWS error, added latency, outage, hang), per service and
// optionally per operation and per instance, at a rate (seedable) or for the next N matching
// requests only.
import { AwsError } from "./wire-errors.js";
import { RequestCounter } from "./request-counts.js";

export const SERVICES = ["dynamodb", "autoscaling", "ec2", "elasticbeanstalk", "imds", "ecs", "logs", "sns", "ssm"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Fault {
  service: ServiceName;
  /** The API operation ("PutItem", "DescribeAutoScalingInstances"; for imds the path after /latest/, e.g. "api/token"); all when absent. */
  operation?: string;
  /** An AWS error code ("ThrottlingException", "AccessDenied", "InternalServerError", ...), answered in the service's wire format. */
  error?: string;
  message?: string;
  /** Probability 0..1 that a matching request is hit (default 1). */
  rate?: number;
  /** Added before answering (or before the error/outage). */
  latencyMs?: number;
  /** The connection is reset without an answer (what an unreachable service looks like to the SDK). */
  outage?: boolean;
  /** The request is accepted and never answered (a blackhole: no reset, no error — only the caller's timeout ends it). */
  hang?: boolean;
  /** Only requests of this instance (dynamodb: each instance has its own endpoint in its env). */
  instance?: string;
  /** Only the next N requests this fault hits; then it is removed. */
  count?: number;
}

export interface ActiveFault extends Fault {
  id: string;
  /** How many requests this fault has hit so far. */
  hits: number;
  /** ECS-specific faults (runtask-failure, no-exit-code, stuck-pending) are kept by the ECS stand-in. */
  kind?: string;
}

/** What happens to one request. */
export interface FaultDecision {
  latencyMs: number;
  outage: boolean;
  hang?: boolean;
  error?: { code: string; message?: string };
}

export const NO_FAULT: FaultDecision = { latencyMs: 0, outage: false };

/** Small deterministic PRNG (mulberry32): the same seed gives the same hit pattern. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;
  /** Every request passes `decide`: it is counted there, and the describe throttle answers there. */
  readonly requests = new RequestCounter();

  constructor(private readonly random: () => number = Math.random) {}

  add(input: unknown): ActiveFault {
    const fault = validateFault(input);
    const active: ActiveFault = { ...fault, id: `fault-${this.nextId++}`, hits: 0 };
    this.faults.push(active);
    return active;
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /**
   * Every matching fault that hits adds its latency; the first error, outage or hang decides the
   * answer. `instance` is the caller when the endpoint it used tells (else instance-scoped faults miss).
   */
  decide(service: ServiceName, operation: string, instance?: string): FaultDecision {
    // Counted here; the account's describe throttle answers as AWS does: Throttling "Rate
    // exceeded" (Auto Scaling, 400) or RequestLimitExceeded "Request limit exceeded." (EC2, 503),
    // written like any fault's error (wire-errors.ts gives the status).
    const throttled = this.requests.admit(service, operation, instance);
    if (throttled) return { latencyMs: 0, outage: false, error: throttled };
    if (this.faults.length === 0) return NO_FAULT;
    const decision: FaultDecision = { latencyMs: 0, outage: false };
    for (const fault of [...this.faults]) {
      if (fault.service !== service) continue;
      if (fault.operation !== undefined && fault.operation !== operation) continue;
      if (fault.instance !== undefined && fault.instance !== instance) continue;
      if (fault.rate !== undefined && fault.rate < 1 && this.random() >= fault.rate) continue;
      fault.hits++;
      if (fault.count !== undefined && fault.hits >= fault.count) this.faults = this.faults.filter((f) => f !== fault);
      decision.latencyMs += fault.latencyMs ?? 0;
      if (decision.outage || decision.error || decision.hang) continue;
      if (fault.hang) decision.hang = true;
      else if (fault.outage) decision.outage = true;
      else if (fault.error) decision.error = { code: fault.error, ...(fault.message ? { message: fault.message } : {}) };
    }
    return decision;
  }
}

/** Checks an admin/API fault up front, saying what was expected and what was received. */
export function validateFault(input: unknown): Fault {
  const bad = (what: string) => new AwsError("ValidationError", `fault: ${what}`, 400);
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw bad(`expected an object, received ${JSON.stringify(input)}`);
  const f = input as Record<string, unknown>;
  const known = ["service", "operation", "error", "message", "rate", "latencyMs", "outage", "hang", "instance", "count"];
  const unknown = Object.keys(f).find((k) => !known.includes(k));
  if (unknown) throw bad(`unknown field "${unknown}" (expected ${known.join(", ")})`);
  if (typeof f.service !== "string" || !(SERVICES as readonly string[]).includes(f.service)) {
    throw bad(`"service" must be one of ${SERVICES.join(", ")}, received ${JSON.stringify(f.service)}`);
  }
  const optionalString = (k: string) => {
    if (f[k] !== undefined && (typeof f[k] !== "string" || f[k] === "")) throw bad(`"${k}" must be a non-empty string, received ${JSON.stringify(f[k])}`);
  };
  optionalString("operation");
  optionalString("error");
  optionalString("message");
  const number = (k: string, min: number, max: number, integer: boolean) => {
    const v = f[k];
    if (v === undefined) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw bad(`"${k}" must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}, received ${JSON.stringify(v)}`);
    }
  };
  number("rate", 0, 1, false);
  number("latencyMs", 0, 600_000, true);
  number("count", 1, 1_000_000, true);
  if (f.outage !== undefined && typeof f.outage !== "boolean") throw bad(`"outage" must be true or false, received ${JSON.stringify(f.outage)}`);
  if (f.hang !== undefined && typeof f.hang !== "boolean") throw bad(`"hang" must be true or false, received ${JSON.stringify(f.hang)}`);
  if (f.instance !== undefined) {
    if (typeof f.instance !== "string" || !/^i-[0-9a-f]{8,17}$/.test(f.instance)) throw bad(`"instance" must be an instance id (i-…), received ${JSON.stringify(f.instance)}`);
    if (f.service !== "dynamodb") throw bad(`"instance" scopes dynamodb faults only (each instance has its own DynamoDB endpoint), received service ${JSON.stringify(f.service)}`);
  }
  if (f.error === undefined && f.outage !== true && f.hang !== true && f.latencyMs === undefined) throw bad(`give at least one of "error", "latencyMs", "outage": true or "hang": true`);
  if ([f.error !== undefined, f.outage === true, f.hang === true].filter(Boolean).length > 1) throw bad(`"error", "outage" and "hang" exclude each other`);
  return f as unknown as Fault;
}
