// The one vocabulary for what an AWS SDK error is: its code, and the few kinds every caller
// asks about (refused, throttled, not found, invalid, aborted, bad credentials). Each caller
// keeps only its own mapping (to a DynamoFailure, an exit code, an operator's line); codes
// that only one service answers stay named constants at that caller.

/**
 * The error's code: the SDK's `name` (the modeled exception, or the wire code of an unmodeled
 * one), else a query protocol's `Code`, else Node's `code` (ECONNRESET); "Error" when none.
 */
export function errorCode(error: unknown): string {
  const e = error as { name?: unknown; Code?: unknown; code?: unknown } | null | undefined;
  for (const v of [e?.name, e?.Code, e?.code]) if (typeof v === "string" && v !== "" && v !== "Error") return v;
  return "Error";
}

/** A policy refuses a known caller: JSON services, query services, EC2. */
const PERMISSION_CODES: ReadonlySet<string> = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);

/** AWS refused the request's temporary credentials as expired (STS and query services, JSON services). */
const EXPIRED_CODES: ReadonlySet<string> = new Set(["ExpiredToken", "ExpiredTokenException"]);

/**
 * AWS does not know or accept the request's credentials: an unknown access key (JSON services:
 * UnrecognizedClientException; query services: InvalidClientTokenId), a wrong secret
 * (InvalidSignatureException / SignatureDoesNotMatch), no or a malformed signature
 * (MissingAuthenticationTokenException, IncompleteSignatureException).
 */
const INVALID_CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "MissingAuthenticationTokenException",
  "IncompleteSignatureException",
]);

/** The SDK found no credentials at all (its provider chain, or an SSO token): no request was sent. */
const MISSING_CREDENTIAL_CODES: ReadonlySet<string> = new Set(["CredentialsProviderError", "TokenProviderError"]);

/**
 * Every code with which AWS answers "not you" — refused by a policy, or credentials it does
 * not accept. The union; `isPermissionDenied` and `isCredentialsError` tell the two apart.
 */
export const ACCESS_DENIED_CODES: ReadonlySet<string> = new Set([...PERMISSION_CODES, ...EXPIRED_CODES, ...INVALID_CREDENTIAL_CODES]);

/** AWS answered and refused the caller: not permitted, or its credentials not accepted. */
export function isAccessDenied(error: unknown): boolean {
  return ACCESS_DENIED_CODES.has(errorCode(error));
}

/** A policy refuses this action to a caller AWS did recognise: a permission to grant. */
export function isPermissionDenied(error: unknown): boolean {
  return PERMISSION_CODES.has(errorCode(error));
}

/** The credentials are the problem: none found, expired, or not accepted by AWS. */
export function isCredentialsError(error: unknown): boolean {
  const code = errorCode(error);
  return MISSING_CREDENTIAL_CODES.has(code) || EXPIRED_CODES.has(code) || INVALID_CREDENTIAL_CODES.has(code);
}

/**
 * Credentials that are missing (the SDK's provider chain found none), expired or not valid, as
 * the one line an operator needs; undefined for every other error.
 */
export function credentialsProblem(error: unknown): string | undefined {
  const code = errorCode(error);
  if (MISSING_CREDENTIAL_CODES.has(code)) {
    return "no AWS credentials found; configure them (aws configure, aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID) and run again";
  }
  if (EXPIRED_CODES.has(code)) return `your AWS credentials have expired (${code}); refresh them (aws sso login, or new session credentials) and run again`;
  if (INVALID_CREDENTIAL_CODES.has(code)) return `your AWS credentials are not valid (${code}); check AWS_PROFILE / AWS_ACCESS_KEY_ID and run again`;
  return undefined;
}

/**
 * "Too many requests", as the services answer it (the throttling codes the SDK's retry
 * strategy knows, of the services eb-migrate calls). Not LimitExceededException: for DynamoDB
 * and ECS that is a quota on control-plane operations, not a request rate (table/errors.ts
 * still counts it as "the table answered").
 */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
]);

/** The service answered "too many requests" (after the SDK's own retries): it is there, only busy. */
export function isThrottling(error: unknown): boolean {
  return THROTTLING_CODES.has(errorCode(error));
}

/** The not-found answer of the JSON services eb-migrate reads (DynamoDB, CloudWatch Logs). */
export const RESOURCE_NOT_FOUND = "ResourceNotFoundException";

/**
 * AWS answered that the named resource does not exist. `code` is the service's own word for
 * it when that is not ResourceNotFoundException (InvalidInstanceID.NotFound for EC2,
 * InvocationDoesNotExist for SSM, ...).
 */
export function isNotFound(error: unknown, code: string = RESOURCE_NOT_FOUND): boolean {
  return errorCode(error) === code;
}

/** The request itself is wrong (JSON services: ValidationException; query services: ValidationError): never retry it unchanged. */
const VALIDATION_CODES: ReadonlySet<string> = new Set(["ValidationException", "ValidationError"]);

export function isValidation(error: unknown): boolean {
  return VALIDATION_CODES.has(errorCode(error));
}

/** The SDK's name for a call ended by its abortSignal (@smithy/node-http-handler buildAbortError). */
export function isAborted(error: unknown): boolean {
  return errorCode(error) === "AbortError";
}
