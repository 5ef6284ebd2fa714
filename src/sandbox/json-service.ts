// The seam between the sandbox's HTTP server and a JSON-protocol service it emulates (ECS is
// JSON 1.1 with X-Amz-Target "AmazonEC2ContainerServiceV20141113.<Op>", CloudWatch Logs is
// JSON 1.1 with "Logs_20140328.<Op>"). The server parses the request, applies injected
// faults, calls the handler, and writes the result (or an AwsError of ./wire-errors.ts) in
// the wire format.

/** One operation: the request's JSON body in, the response's out (or an AwsError thrown). */
export type JsonOperation = (input: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface JsonService {
  /** The X-Amz-Target prefix before the dot, e.g. "AmazonEC2ContainerServiceV20141113". */
  targetPrefix: string;
  /** Fault-injection and endpoint name: "ecs" or "logs". */
  name: string;
  /** The operations it answers, by the X-Amz-Target name after the dot. */
  operations: Record<string, JsonOperation>;
  /** The message of the UnknownOperationException (400) for an operation not in `operations`. */
  unknownOperation(operation: string): string;
  /** Stops whatever the service runs (ECS task processes); awaited on sandbox stop. */
  close?(): Promise<void>;
}
