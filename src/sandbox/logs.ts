// Sandbox CloudWatch Logs (JSON 1.1, "Logs_20140328"): log groups and streams kept in memory,
// filled by sandbox ECS tasks (awslogs driver) and read back with GetLogEvents' tokens.
import type { JsonService } from "./json-service.js";
import { AwsError } from "./wire-errors.js";

export interface StoredLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

interface LogStream {
  name: string;
  creationTime: number;
  events: StoredLogEvent[];
}

/** Where tasks write their output and where GetLogEvents reads it. */
export class LogStore {
  private readonly groups = new Map<string, Map<string, LogStream>>();

  constructor(private readonly now: () => number = Date.now) {}

  createGroup(group: string): void {
    if (!this.groups.has(group)) this.groups.set(group, new Map());
  }

  createStream(group: string, stream: string): void {
    this.createGroup(group);
    const streams = this.groups.get(group)!;
    if (!streams.has(stream)) streams.set(stream, { name: stream, creationTime: this.now(), events: [] });
  }

  append(group: string, stream: string, message: string): void {
    this.createStream(group, stream);
    const t = this.now();
    this.groups.get(group)!.get(stream)!.events.push({ timestamp: t, message, ingestionTime: t });
  }

  /** All messages of a stream (tests), or undefined when it does not exist. */
  messages(group: string, stream: string): string[] | undefined {
    return this.groups.get(group)?.get(stream)?.events.map((e) => e.message);
  }

  group(name: string): Map<string, LogStream> {
    const streams = this.groups.get(name);
    if (!streams) throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
    return streams;
  }

  stream(group: string, name: string): LogStream {
    const stream = this.group(group).get(name);
    if (!stream) throw new AwsError("ResourceNotFoundException", "The specified log stream does not exist.");
    return stream;
  }
}

/** The most events GetLogEvents returns without a `limit` (AWS: 10,000 or 1 MB). */
const DEFAULT_LIMIT = 10_000;

// Tokens name a position in the stream: "f/<n>" reads forward from event n, "b/<n>" backward
// from before event n. Padded like AWS's long numeric tokens.
const token = (direction: "f" | "b", position: number) => `${direction}/${String(position).padStart(56, "0")}`;

function parseToken(value: string): { direction: "f" | "b"; position: number } {
  const match = /^([fb])\/(\d+)$/.exec(value);
  if (!match) throw new AwsError("InvalidParameterException", "The specified nextToken is invalid.");
  return { direction: match[1] as "f" | "b", position: Number(match[2]) };
}

export function createLogsService(store: LogStore): JsonService {
  const groupName = (input: Record<string, unknown>): string => {
    const name = input.logGroupName ?? input.logGroupIdentifier;
    if (typeof name !== "string" || name === "") throw new AwsError("InvalidParameterException", "logGroupName is required");
    return name.replace(/^arn:[^:]+:logs:[^:]*:\d*:log-group:/, "").replace(/:\*$/, "");
  };

  const getLogEvents = (input: Record<string, unknown>) => {
    const stream = store.stream(groupName(input), String(input.logStreamName ?? ""));
    const limit = typeof input.limit === "number" ? Math.min(Math.max(1, input.limit), DEFAULT_LIMIT) : DEFAULT_LIMIT;
    const inTime = (e: StoredLogEvent) =>
      (typeof input.startTime !== "number" || e.timestamp >= input.startTime) &&
      (typeof input.endTime !== "number" || e.timestamp < input.endTime);
    const all = stream.events;
    let from: number;
    let to: number;
    if (typeof input.nextToken === "string") {
      const { direction, position } = parseToken(input.nextToken);
      if (direction === "f") [from, to] = [position, Math.min(all.length, position + limit)];
      else [from, to] = [Math.max(0, position - limit), position];
    } else if (input.startFromHead === true) [from, to] = [0, Math.min(all.length, limit)];
    else [from, to] = [Math.max(0, all.length - limit), all.length];
    const events = all.slice(from, to).filter(inTime);
    // At the end of the stream (nothing returned), AWS gives back the token it was passed.
    const empty = to <= from;
    const passed = typeof input.nextToken === "string" ? input.nextToken : undefined;
    return {
      events: events.map((e) => ({ ...e })),
      nextForwardToken: empty && passed?.startsWith("f/") ? passed : token("f", to),
      nextBackwardToken: empty && passed?.startsWith("b/") ? passed : token("b", from),
    };
  };

  const describeLogStreams = (input: Record<string, unknown>) => {
    const prefix = typeof input.logStreamNamePrefix === "string" ? input.logStreamNamePrefix : "";
    const streams = [...store.group(groupName(input)).values()]
      .filter((s) => s.name.startsWith(prefix))
      .sort((a, b) => (input.orderBy === "LastEventTime" ? lastEvent(a) - lastEvent(b) : a.name.localeCompare(b.name)));
    if (input.descending === true) streams.reverse();
    const limit = typeof input.limit === "number" ? input.limit : 50;
    return {
      logStreams: streams.slice(0, limit).map((s) => ({
        logStreamName: s.name,
        creationTime: s.creationTime,
        ...(s.events.length > 0
          ? { firstEventTimestamp: s.events[0]!.timestamp, lastEventTimestamp: lastEvent(s), lastIngestionTime: lastEvent(s) }
          : {}),
        storedBytes: 0,
      })),
    };
  };

  return {
    targetPrefix: "Logs_20140328",
    name: "logs",
    operations: {
      GetLogEvents: getLogEvents,
      DescribeLogStreams: describeLogStreams,
      CreateLogGroup(input) {
        store.createGroup(groupName(input));
        return {};
      },
      CreateLogStream(input) {
        store.createStream(groupName(input), String(input.logStreamName ?? ""));
        return {};
      },
    },
    unknownOperation: (operation) => `The sandbox does not implement Logs.${operation}`,
  };
}

function lastEvent(stream: LogStream): number {
  return stream.events.at(-1)?.timestamp ?? stream.creationTime;
}
