// What an AWS SDK error means to an operator command: denied, not there, or something else.

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
