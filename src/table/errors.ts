// Sorting DynamoDB failures by what the caller should do: a failed condition is an answer;
// a missing table or denied access makes the table unusable (fallback); a refused request
// (ValidationException: an item over 400 KB, a bad expression) is permanent — retrying the
// same write can never succeed; an aborted call is the caller's own decision; anything else
// (throttling after the SDK's retries, 5xx, timeouts, connection errors) leaves a write's
// outcome unknown and is resolved by reading again.

export type DynamoFailure =
  | { kind: "condition-failed" }
  | { kind: "table-missing"; message: string }
  | { kind: "access-denied"; message: string }
  | { kind: "invalid"; message: string }
  | { kind: "aborted"; message: string }
  | { kind: "unavailable"; message: string };

const ACCESS_CODES = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException",
  "IncompleteSignatureException",
]);

export function classifyDynamoError(error: unknown): DynamoFailure {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "ConditionalCheckFailedException") return { kind: "condition-failed" };
  if (name === "ResourceNotFoundException") return { kind: "table-missing", message };
  if (ACCESS_CODES.has(name)) return { kind: "access-denied", message: `${name}: ${message}` };
  // DynamoDB answers ValidationException (HTTP 400) for an item larger than 400 KB
  // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).
  if (name === "ValidationException") return { kind: "invalid", message: `${name}: ${message}` };
  // The SDK's name for a call ended by its abortSignal (@smithy/node-http-handler buildAbortError).
  if (name === "AbortError") return { kind: "aborted", message };
  return { kind: "unavailable", message: name && name !== "Error" ? `${name}: ${message}` : message };
}

/** Thrown when the table cannot be used at all: the fallback (or exit 4) decides next. */
export class TableUnusableError extends Error {
  constructor(
    readonly reason: "table-missing" | "access-denied" | "unavailable",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TableUnusableError";
  }
}

const THROTTLING_CODES = new Set(["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "LimitExceededException"]);

/** DynamoDB answered "too many requests": the table exists and is usable, only busy. */
export function isThrottling(error: unknown): boolean {
  return error instanceof Error && THROTTLING_CODES.has(error.name);
}

/** Thrown when the table did not answer (after the SDK's retries), or the call was aborted: try again later. */
export class TableUnavailableError extends Error {
  /** The table answered, with throttling: it exists, so this never justifies the fallback. */
  readonly throttled: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TableUnavailableError";
    this.throttled = isThrottling(options?.cause);
  }
}

/** DynamoDB refused this request for good (ValidationException): never retry it unchanged. */
export class TableRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TableRefusedError";
  }
}

/** Turns an SDK error into TableUnusableError / TableRefusedError / TableUnavailableError. */
export function tableError(error: unknown, table: string): Error {
  if (error instanceof TableUnusableError || error instanceof TableUnavailableError || error instanceof TableRefusedError) return error;
  const failure = classifyDynamoError(error);
  switch (failure.kind) {
    case "table-missing":
      return new TableUnusableError("table-missing", `DynamoDB table "${table}" does not exist`, { cause: error });
    case "access-denied":
      return new TableUnusableError("access-denied", `access to DynamoDB table "${table}" denied (${failure.message})`, { cause: error });
    case "invalid":
      return new TableRefusedError(`DynamoDB refused the request on table "${table}" (${failure.message})`, { cause: error });
    case "aborted":
      return new TableUnavailableError(`DynamoDB call stopped: ${failure.message}`, { cause: error });
    case "condition-failed":
    case "unavailable":
      return new TableUnavailableError(`DynamoDB did not answer: ${"message" in failure ? failure.message : failure.kind}`, { cause: error });
  }
}
