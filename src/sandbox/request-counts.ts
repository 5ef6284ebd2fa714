// Every request the sandbox's stand-ins answer, counted by service and operation, by instance
// where the endpoint tells (each instance has its own DynamoDB port and its own IMDS; the Query
// services see one shared endpoint and the same dummy credentials from everyone, so nothing
// there names the caller), in one-second buckets — what the scale bench reads (the sandbox sees
// every call of the fleet). And the optional describe throttle: token buckets as AWS documents
// them (a bucket of `burst` tokens refilled at `perSecond`; each request takes one, an empty
// bucket refuses), EC2 one bucket per API action ("request rate limiting ... each API is
// evaluated individually"), Auto Scaling one bucket for all of its calls ("all Amazon EC2 Auto
// Scaling API calls have a single, shared API limit") — here its Describe* calls.
// https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
// https://repost.aws/knowledge-center/autoscaling-api-calls-throttled
import { SandboxRequestError } from "./environment.js";
import type { ServiceName } from "./faults.js";

export interface RequestCounts {
  /** Since the last reset: `service.Operation` → requests (throttled ones included). */
  totals: Map<string, number>;
  /** Of those, answered with a throttling error by the describe throttle. */
  throttled: Map<string, number>;
  /** Instance id → `service.Operation` → requests, for the requests whose endpoint names the instance (dynamodb, imds). */
  byInstance: Map<string, Map<string, number>>;
  /** One bucket per second since the reset (index = whole seconds since `since`): `service.Operation` → requests. */
  perSecond: Record<string, number>[];
  /** The same seconds: `service.Operation` → throttled requests. */
  throttledPerSecond: Record<string, number>[];
  /** When the counting started (epoch ms). */
  since: number;
}

export interface DescribeThrottle {
  /** Tokens added per second (the sustained rate). */
  perSecond: number;
  /** Bucket size (the burst). */
  burst: number;
}

/** How the describe throttle refuses a request: the code goes through wire-errors.ts like any fault's. */
export interface ThrottleError {
  code: string;
  message: string;
}

/**
 * AWS's answers when its request rate is exceeded: Auto Scaling `Throttling` "Rate exceeded"
 * (HTTP 400), EC2 `RequestLimitExceeded` "Request limit exceeded." (HTTP 503) — the statuses
 * are wire-errors.ts's table.
 */
const THROTTLED: Partial<Record<ServiceName, ThrottleError>> = {
  autoscaling: { code: "Throttling", message: "Rate exceeded" },
  ec2: { code: "RequestLimitExceeded", message: "Request limit exceeded." },
};

/** Checks a throttle given through the programmatic or the admin API. */
export function checkedThrottle(throttle: DescribeThrottle | undefined): DescribeThrottle | undefined {
  if (throttle === undefined) return undefined;
  const { perSecond, burst } = throttle;
  if (typeof perSecond !== "number" || !Number.isFinite(perSecond) || perSecond <= 0 || typeof burst !== "number" || !Number.isFinite(burst) || burst < 1) {
    throw new SandboxRequestError(400, `the describe throttle needs "describePerSecond" > 0 and "burst" >= 1, received ${JSON.stringify(throttle)}`);
  }
  return { perSecond, burst };
}

const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

export class RequestCounter {
  private totals = new Map<string, number>();
  private throttled = new Map<string, number>();
  private byInstance = new Map<string, Map<string, number>>();
  private perSecond: Record<string, number>[] = [];
  private throttledPerSecond: Record<string, number>[] = [];
  private since: number;
  private throttle: DescribeThrottle | undefined;
  /** Bucket key ("autoscaling", "ec2.DescribeInstances") → tokens left at `at`. */
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** Counts one request; the throttling error to answer when the describe throttle refuses it. */
  admit(service: ServiceName, operation: string, instance?: string): ThrottleError | undefined {
    const key = `${service}.${operation}`;
    const now = this.now();
    add(this.totals, key);
    if (instance !== undefined) {
      let mine = this.byInstance.get(instance);
      if (!mine) this.byInstance.set(instance, (mine = new Map()));
      add(mine, key);
    }
    this.bump(this.perSecond, key, now);
    const refusal = THROTTLED[service];
    if (!this.throttle || !refusal || !operation.startsWith("Describe")) return undefined;
    const bucketKey = service === "ec2" ? key : service;
    const bucket = this.buckets.get(bucketKey) ?? { tokens: this.throttle.burst, at: now };
    bucket.tokens = Math.min(this.throttle.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.throttle.perSecond);
    bucket.at = now;
    this.buckets.set(bucketKey, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    add(this.throttled, key);
    this.bump(this.throttledPerSecond, key, now);
    return refusal;
  }

  /** A new throttle starts with full buckets; undefined removes it. */
  setThrottle(throttle: DescribeThrottle | undefined): void {
    this.throttle = throttle ? { ...throttle } : undefined;
    this.buckets = new Map();
  }

  describeThrottle(): DescribeThrottle | undefined {
    return this.throttle ? { ...this.throttle } : undefined;
  }

  counts(): RequestCounts {
    const pad = (series: Record<string, number>[]) => [...series.map((b) => ({ ...b })), ...Array.from({ length: Math.max(0, this.perSecond.length - series.length) }, () => ({}))];
    return {
      totals: new Map(this.totals),
      throttled: new Map(this.throttled),
      byInstance: new Map([...this.byInstance].map(([id, m]) => [id, new Map(m)])),
      perSecond: this.perSecond.map((b) => ({ ...b })),
      throttledPerSecond: pad(this.throttledPerSecond),
      since: this.since,
    };
  }

  reset(): void {
    this.totals = new Map();
    this.throttled = new Map();
    this.byInstance = new Map();
    this.perSecond = [];
    this.throttledPerSecond = [];
    this.since = this.now();
  }

  /** Counts `key` in the bucket of the second `now` falls in. */
  private bump(series: Record<string, number>[], key: string, now: number): void {
    const second = Math.max(0, Math.floor((now - this.since) / 1000));
    while (series.length <= second) series.push({});
    const slot = series[second]!;
    slot[key] = (slot[key] ?? 0) + 1;
  }
}

/** The counts as JSON (the admin API's GET /requests). */
export function countsJson(counts: RequestCounts): {
  since: string;
  totals: Record<string, number>;
  throttled: Record<string, number>;
  byInstance: Record<string, Record<string, number>>;
  perSecond: Record<string, number>[];
  throttledPerSecond: Record<string, number>[];
} {
  return {
    since: new Date(counts.since).toISOString(),
    totals: Object.fromEntries(counts.totals),
    throttled: Object.fromEntries(counts.throttled),
    byInstance: Object.fromEntries([...counts.byInstance].map(([id, m]) => [id, Object.fromEntries(m)])),
    perSecond: counts.perSecond,
    throttledPerSecond: counts.throttledPerSecond,
  };
}
