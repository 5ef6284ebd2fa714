// Turns an ECS/Logs/EB SDK error into an error the user can act on (never a raw SDK error):
// configuration and permission problems are exit 2, the rest a failed release.
import { ConfigError, describeError, ReleaseFailedError, type EbMigrateError } from "../cli/errors.js";

const CONFIGURATION_ERRORS = new Set([
  "ClusterNotFoundException",
  "ClientException",
  "InvalidParameterException",
  "InvalidParameterValue",
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "PlatformUnknownException",
  "PlatformTaskDefinitionIncompatibilityException",
  "UnsupportedFeatureException",
]);

/** `what` says which call failed ("RunTask in cluster x"); `fix` what to change. */
export function ecsCallError(what: string, error: unknown, fix?: string): EbMigrateError {
  const code = (error as { name?: unknown }).name;
  const message = `${what} failed: ${describeError(error)}${fix ? `; ${fix}` : ""}`;
  if (typeof code === "string" && CONFIGURATION_ERRORS.has(code)) {
    const permission = code.startsWith("AccessDenied") || code === "UnauthorizedOperation";
    return new ConfigError(permission ? `${message} (give the instance role this permission; see "eb-migrate policy")` : message, { cause: error });
  }
  return new ReleaseFailedError(message, { cause: error });
}
