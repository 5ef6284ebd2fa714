// Every request the sandbox's stand-ins receive, counted by service and operation, in
// one-second buckets — what the scale bench reads (the sandbox sees every call of the fleet) —
// and the optional account-wide throttle of describe calls (Auto Scaling and EC2 share an
// account's request-rate budget with everyone else in it), a token bucket as AWS documents it:
// https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
import type { ServiceName } from "./faults.js";

export interface RequestCounts {
  /** Since the last reset: `service.Operation` → requests (throttled ones included). */
  totals: Map<string, number>;
  /** Of those, answered with a throttling error by the describe throttle. */
  throttled: Map<string, number>;
  /** One bucket per second since the reset: `service.Operation` → requests in that second. */
  perSecond: Record<string, number>[];
  /** When the counting started (epoch ms). */
  since: number;
}

export interface DescribeThrottle {
  /** Tokens added per second (the sustained rate). */
  perSecond: number;
  /** Bucket size (the burst). */
  burst: number;
}

export class RequestCounter {
  private totals = new Map<string, number>();
  private throttled = new Map<string, number>();
  private perSecond: Record<string, number>[] = [];
  private since: number;
  private throttle: (DescribeThrottle & { tokens: number; at: number }) | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** Counts one request; false when the describe throttle refuses it (answer with throttling). */
  admit(service: ServiceName, operation: string): boolean {
    const key = `${service}.${operation}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
    const second = Math.floor((this.now() - this.since) / 1000);
    while (this.perSecond.length <= second) this.perSecond.push({});
    const bucket = this.perSecond[second]!;
    bucket[key] = (bucket[key] ?? 0) + 1;
    if (!this.throttle || (service !== "autoscaling" && service !== "ec2") || !operation.startsWith("Describe")) return true;
    const t = this.throttle;
    const now = this.now();
    t.tokens = Math.min(t.burst, t.tokens + ((now - t.at) / 1000) * t.perSecond);
    t.at = now;
    if (t.tokens >= 1) {
      t.tokens -= 1;
      return true;
    }
    this.throttled.set(key, (this.throttled.get(key) ?? 0) + 1);
    return false;
  }

  setThrottle(throttle: DescribeThrottle | undefined): void {
    this.throttle = throttle ? { ...throttle, tokens: throttle.burst, at: this.now() } : undefined;
  }

  describeThrottle(): DescribeThrottle | undefined {
    return this.throttle ? { perSecond: this.throttle.perSecond, burst: this.throttle.burst } : undefined;
  }

  counts(): RequestCounts {
    return { totals: new Map(this.totals), throttled: new Map(this.throttled), perSecond: this.perSecond.map((b) => ({ ...b })), since: this.since };
  }

  reset(): void {
    this.totals = new Map();
    this.throttled = new Map();
    this.perSecond = [];
    this.since = this.now();
  }
}

/** The counts as JSON (the admin API's GET /requests). */
export function countsJson(counts: RequestCounts): { since: string; totals: Record<string, number>; throttled: Record<string, number>; perSecond: Record<string, number>[] } {
  return { since: new Date(counts.since).toISOString(), totals: Object.fromEntries(counts.totals), throttled: Object.fromEntries(counts.throttled), perSecond: counts.perSecond };
}
