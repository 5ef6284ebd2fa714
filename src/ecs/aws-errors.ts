// Turns an ECS/Logs/EB SDK error into an error the user can act on (never a raw SDK error):
// credentials, configuration and permission problems are exit 2, the rest a failed release.
import { errorCode, isPermissionDenied } from "../aws/errors.js";
import { ConfigError, credentialsError, describeError, ReleaseFailedError, type EbMigrateError } from "../cli/errors.js";

/** ECS's (and EB's) answers to a request that names something wrong or unsupported. */
const CONFIGURATION_ERRORS: ReadonlySet<string> = new Set([
  "ClusterNotFoundException",
  "ClientException",
  "InvalidParameterException",
  "InvalidParameterValue",
  "PlatformUnknownException",
  "PlatformTaskDefinitionIncompatibilityException",
  "UnsupportedFeatureException",
]);

/** `what` says which call failed ("RunTask in cluster x"); `fix` what to change. */
export function ecsCallError(what: string, error: unknown, fix?: string): EbMigrateError {
  const credentials = credentialsError(error, what);
  if (credentials) return credentials;
  const message = `${what} failed: ${describeError(error)}${fix ? `; ${fix}` : ""}`;
  if (isPermissionDenied(error)) return new ConfigError(`${message} (give the instance role this permission; see "eb-migrate policy")`, { cause: error });
  if (CONFIGURATION_ERRORS.has(errorCode(error))) return new ConfigError(message, { cause: error });
  return new ReleaseFailedError(message, { cause: error });
}
