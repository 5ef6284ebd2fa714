// Sorting DynamoDB failures by what the caller should do: a failed condition is an answer;
// a missing table or denied access makes the table unusable (fallback); anything else
// (throttling after the SDK's retries, 5xx, timeouts, connection errors) leaves a write's
// outcome unknown and is resolved by reading again.

export type DynamoFailure =
  | { kind: "condition-failed" }
  | { kind: "table-missing"; message: string }
  | { kind: "access-denied"; message: string }
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

/** Thrown when the table did not answer (after the SDK's retries): try again later. */
export class TableUnavailableError extends Error {
  /** The table answered, with throttling: it exists, so this never justifies the fallback. */
  readonly throttled: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TableUnavailableError";
    this.throttled = isThrottling(options?.cause);
  }
}
