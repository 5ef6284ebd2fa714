// Follows the task's CloudWatch log stream with GetLogEvents' forward token: tolerates a
// stream that does not exist yet, reads to the end after the task stopped (no lost last
// lines), and reports fetch errors instead of dropping them.
import { GetLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { isNotFound } from "../aws/errors.js";
import { describeError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Clock } from "../runtime/clock.js";
import type { LogLocation } from "./task-definition.js";

/** How often the stream is read while the task runs. */
export const LOG_POLL_MS = 1_000;
/** After the task stopped: how long events may still take to be ingested, read again after it. */
export const FINAL_INGESTION_GRACE_MS = 1_000;
/** After the task stopped: how many more reads a stream that never appeared gets. */
const MISSING_STREAM_FINAL_TRIES = 3;

export class LogFollower {
  private nextToken: string | undefined;
  private streamSeen = false;
  private readonly errors = new Map<string, number>();

  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly location: LogLocation,
    private readonly onMessage: (message: string) => void,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Reads everything available now; returns how many events arrived. Never throws. */
  async readAvailable(): Promise<number> {
    let total = 0;
    for (;;) {
      let answer;
      try {
        answer = await this.logs.send(
          new GetLogEventsCommand({ logGroupName: this.location.group, logStreamName: this.location.stream, startFromHead: true, nextToken: this.nextToken }),
        );
      } catch (error) {
        // The awslogs driver creates the stream when the container starts: until then, not an error.
        if (isNotFound(error) && !this.streamSeen) return total;
        this.report(error);
        return total;
      }
      this.streamSeen = true;
      const events = answer.events ?? [];
      for (const event of events) for (const line of (event.message ?? "").split(/\r?\n/)) this.onMessage(line);
      total += events.length;
      // The end of the stream: AWS returns the token it was given.
      const atEnd = answer.nextForwardToken === undefined || answer.nextForwardToken === this.nextToken || events.length === 0;
      this.nextToken = answer.nextForwardToken ?? this.nextToken;
      if (atEnd) return total;
    }
  }

  /** Polls until `stopped` resolves (to whether the container ever started), then drains the stream. */
  async follow(stopped: Promise<boolean>): Promise<void> {
    let done = false;
    let containerStarted = true;
    const halt = new AbortController();
    stopped.then(
      (started) => {
        containerStarted = started;
        done = true;
        halt.abort();
      },
      () => {
        done = true;
        halt.abort();
      },
    );
    while (!done) {
      await this.readAvailable();
      await this.clock.sleep(LOG_POLL_MS, halt.signal).catch(() => undefined);
    }
    await this.drain(containerStarted);
  }

  /** After the task stopped: read to the end, wait for late ingestion, read again. */
  async drain(containerStarted = true): Promise<void> {
    await this.readAvailable();
    // A container that never started has no stream to wait for.
    if (!this.streamSeen && !containerStarted) return;
    for (let tries = 0; !this.streamSeen && tries < MISSING_STREAM_FINAL_TRIES; tries++) {
      await this.clock.sleep(FINAL_INGESTION_GRACE_MS);
      await this.readAvailable();
    }
    if (!this.streamSeen) {
      this.log.warn("the task's log stream never appeared: no output to show", { logGroup: this.location.group, logStream: this.location.stream });
      return;
    }
    await this.clock.sleep(FINAL_INGESTION_GRACE_MS);
    while ((await this.readAvailable()) > 0) {
      // more arrived late: keep reading until quiet
    }
  }

  /** Distinct fetch errors with how often each happened, for the result's detail. */
  errorSummary(): string | undefined {
    if (this.errors.size === 0) return undefined;
    return [...this.errors].map(([message, n]) => (n > 1 ? `${message} (${n} times)` : message)).join("; ");
  }

  private report(error: unknown): void {
    const message = describeError(error);
    const seen = this.errors.get(message) ?? 0;
    this.errors.set(message, seen + 1);
    // Each distinct error is logged when first seen; repeats are counted in the summary.
    if (seen === 0) this.log.warn("could not read the task's logs (will keep trying)", { logGroup: this.location.group, logStream: this.location.stream, error: message });
  }
}
