// ECS-specific faults of the sandbox (beyond the generic error/latency faults every service
// has): RunTask answering `failures`, tasks that stop without an exit code, tasks stuck in
// PENDING; queued through the admin API and taken by the next RunTask calls.

/** The next RunTask calls answer `failures` instead of starting a task. */
export interface RunTaskFailureFault {
  reason: string;
  detail?: string;
  arn?: string;
  /** How many RunTask calls fail this way (default 1). */
  count?: number;
}

/** The next tasks stop without running their container, so no exit code (e.g. an image pull failure). */
export interface NoExitCodeFault {
  stopCode?: string;
  stoppedReason?: string;
  containerReason?: string;
  count?: number;
}

/**
 * The next RunTask calls start their task and answer only after `delayMs`: a leader killed in
 * that window started a task it never learned the ARN of (tests of the ListTasks lookup).
 */
export interface RunTaskAnswerDelayFault {
  delayMs: number;
  count?: number;
}

/** What goes wrong with one task. */
export type TaskFault = { kind: "stuck-pending" } | { kind: "no-exit-code"; fault: NoExitCodeFault };

/** How tests and the admin API queue ECS faults. */
export interface EcsFaultControls {
  injectRunTaskFailure(fault: RunTaskFailureFault): void;
  injectNoExitCode(fault?: NoExitCodeFault): void;
  /** The next `count` tasks stay PENDING until stopped. */
  injectStuckPending(count?: number): void;
  injectRunTaskAnswerDelay(fault: RunTaskAnswerDelayFault): void;
  /** Forgets every RunTask clientToken, as ECS does after 24 hours (admin control, not a fault). */
  expireClientTokens(): void;
  clearFaults(): void;
}

export class EcsFaults implements Omit<EcsFaultControls, "expireClientTokens"> {
  private readonly runTaskFailures: RunTaskFailureFault[] = [];
  private readonly answerDelays: RunTaskAnswerDelayFault[] = [];
  private readonly noExitCode: NoExitCodeFault[] = [];
  private stuckPending = 0;

  injectRunTaskFailure(fault: RunTaskFailureFault): void {
    this.runTaskFailures.push({ ...fault });
  }

  injectNoExitCode(fault: NoExitCodeFault = {}): void {
    this.noExitCode.push({ ...fault });
  }

  injectStuckPending(count = 1): void {
    this.stuckPending += count;
  }

  injectRunTaskAnswerDelay(fault: RunTaskAnswerDelayFault): void {
    this.answerDelays.push({ ...fault });
  }

  /** How long this RunTask's answer waits after its task was started (counted down). */
  takeAnswerDelay(): number {
    const fault = this.answerDelays[0];
    if (!fault) return 0;
    if ((fault.count ?? 1) <= 1) this.answerDelays.shift();
    else fault.count = (fault.count ?? 1) - 1;
    return fault.delayMs;
  }

  clearFaults(): void {
    this.runTaskFailures.length = 0;
    this.answerDelays.length = 0;
    this.noExitCode.length = 0;
    this.stuckPending = 0;
  }

  /** The failure this RunTask call answers, if one is queued (counted down). */
  takeRunTaskFailure(): RunTaskFailureFault | undefined {
    const fault = this.runTaskFailures[0];
    if (!fault) return undefined;
    if ((fault.count ?? 1) <= 1) this.runTaskFailures.shift();
    else fault.count = (fault.count ?? 1) - 1;
    return fault;
  }

  /** What goes wrong with the task RunTask is starting, if anything (counted down). */
  takeTaskFault(): TaskFault | undefined {
    const noExit = this.noExitCode[0];
    if (this.stuckPending > 0) {
      this.stuckPending--;
      return { kind: "stuck-pending" };
    }
    if (!noExit) return undefined;
    if ((noExit.count ?? 1) <= 1) this.noExitCode.shift();
    else noExit.count = (noExit.count ?? 1) - 1;
    return { kind: "no-exit-code", fault: noExit };
  }
}

/**
 * An admin fault request for ECS, e.g. `{"service":"ecs","kind":"runtask-failure","reason":"RESOURCE:MEMORY","count":2}`,
 * `{"service":"ecs","kind":"no-exit-code"}`, `{"service":"ecs","kind":"stuck-pending"}`,
 * `{"service":"ecs","kind":"runtask-answer-delay","delayMs":5000}`, `{"service":"ecs","kind":"expire-client-tokens"}`
 * or `{"service":"ecs","kind":"clear"}`.
 * Returns false when `kind` is not an ECS-specific fault (the generic fault list handles it).
 */
export function applyEcsFault(ecs: EcsFaultControls, body: Record<string, unknown>): boolean {
  const str = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : undefined);
  const count = typeof body.count === "number" ? body.count : undefined;
  switch (body.kind) {
    case "runtask-failure":
      ecs.injectRunTaskFailure({ reason: str("reason") ?? "RESOURCE:MEMORY", detail: str("detail"), arn: str("arn"), count });
      return true;
    case "no-exit-code":
      ecs.injectNoExitCode({ stopCode: str("stopCode"), stoppedReason: str("stoppedReason"), containerReason: str("containerReason"), count });
      return true;
    case "stuck-pending":
      ecs.injectStuckPending(count ?? 1);
      return true;
    case "runtask-answer-delay":
      ecs.injectRunTaskAnswerDelay({ delayMs: typeof body.delayMs === "number" ? body.delayMs : 5_000, count });
      return true;
    case "expire-client-tokens":
      ecs.expireClientTokens();
      return true;
    case "clear":
      ecs.clearFaults();
      return true;
    default:
      return false;
  }
}
