// Sorting DynamoDB failures by what the caller should do: a failed condition is an answer;
// a missing table or denied access makes the table unusable (fallback); a refused request
// (ValidationException: an item over 400 KB, a bad expression) is permanent — retrying the
// same write can never succeed; an aborted call is the caller's own decision; anything else
// (throttling after the SDK's retries, 5xx, timeouts, connection errors) leaves a write's
// outcome unknown and is resolved by reading again.
import { errorCode, isAborted, isAccessDenied, isNotFound, isThrottling, isValidation } from "../aws/errors.js";

export type DynamoFailure =
  | { kind: "condition-failed" }
  | { kind: "table-missing"; message: string }
  | { kind: "access-denied"; message: string }
  | { kind: "invalid"; message: string }
  | { kind: "aborted"; message: string }
  | { kind: "unavailable"; message: string };

/** DynamoDB's answer to a failed ConditionExpression: an answer, not a failure. */
const CONDITION_FAILED = "ConditionalCheckFailedException";

export function classifyDynamoError(error: unknown): DynamoFailure {
  const name = error instanceof Error ? error.name : "";
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === CONDITION_FAILED) return { kind: "condition-failed" };
  if (isNotFound(error)) return { kind: "table-missing", message };
  // Refused by a policy, or credentials DynamoDB does not accept: the table cannot be used.
  if (isAccessDenied(error)) return { kind: "access-denied", message: `${code}: ${message}` };
  // DynamoDB answers ValidationException (HTTP 400) for an item larger than 400 KB
  // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).
  if (isValidation(error)) return { kind: "invalid", message: `${code}: ${message}` };
  if (isAborted(error)) return { kind: "aborted", message };
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

/**
 * DynamoDB answered "too many requests": the table exists and is usable, only busy. Its
 * LimitExceededException (too many control-plane operations at once) proves as much, so it
 * counts here too.
 */
function isTableThrottled(error: unknown): boolean {
  return isThrottling(error) || errorCode(error) === "LimitExceededException";
}

/** Thrown when the table did not answer (after the SDK's retries), or the call was aborted: try again later. */
export class TableUnavailableError extends Error {
  /** The table answered, with throttling: it exists, so this never justifies the fallback. */
  readonly throttled: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TableUnavailableError";
    this.throttled = isTableThrottled(options?.cause);
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
