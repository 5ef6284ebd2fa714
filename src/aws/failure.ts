// What an AWS SDK error means: its code, access denied, or missing/expired/invalid credentials.
// One place for every command and for the runner.

const DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
]);

export function errorCode(error: unknown): string {
  const e = error as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e?.name, e?.Code, e?.code]) if (typeof v === "string" && v !== "" && v !== "Error") return v;
  return "Error";
}

export function isAccessDenied(error: unknown): boolean {
  return DENIED.has(errorCode(error));
}

const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException"]);
const INVALID = new Set(["UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch"]);

/**
 * Credentials that are missing (the SDK's provider chain found none), expired or not valid, as
 * the one line an operator needs; undefined for every other error.
 */
export function credentialsProblem(error: unknown): string | undefined {
  const code = errorCode(error);
  if (code === "CredentialsProviderError" || code === "TokenProviderError") {
    return "no AWS credentials found; configure them (aws configure, aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID) and run again";
  }
  if (EXPIRED.has(code)) return `your AWS credentials have expired (${code}); refresh them (aws sso login, or new session credentials) and run again`;
  if (INVALID.has(code)) return `your AWS credentials are not valid (${code}); check AWS_PROFILE / AWS_ACCESS_KEY_ID and run again`;
  return undefined;
}
