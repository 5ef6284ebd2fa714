// ecsCallError on the shared vocabulary: credentials and permissions are the user's to fix
// (exit 2), as are ECS's configuration answers; anything else is a failed release (exit 1).
import { AccessDeniedException, ClusterNotFoundException, ServerException } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { ConfigError, ExitCode, ReleaseFailedError } from "../../src/cli/errors.js";
import { ecsCallError } from "../../src/ecs/aws-errors.js";

const $metadata = {};
const sdkError = (name: string) => Object.assign(new Error("x"), { name, $metadata });

describe("ecsCallError", () => {
  it("a denied call names the permission fix", () => {
    const error = ecsCallError("RunTask in cluster c", new AccessDeniedException({ message: "not allowed", $metadata }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('RunTask in cluster c failed: AccessDeniedException: not allowed (give the instance role this permission; see "eb-migrate policy")');
  });

  it.each(["ExpiredTokenException", "UnrecognizedClientException", "InvalidSignatureException", "CredentialsProviderError"])("%s is the credentials line, exit 2", (code) => {
    const error = ecsCallError("RunTask in cluster c", sdkError(code), "unused fix");
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(ExitCode.badConfiguration);
    expect(error.message).toMatch(/^RunTask in cluster c failed: (your AWS credentials|no AWS credentials found)/);
  });

  it("a configuration answer is exit 2 with the fix, a server error a failed release", () => {
    const missing = ecsCallError("RunTask in cluster c", new ClusterNotFoundException({ message: "Cluster not found.", $metadata }), "check EB_MIGRATE_ECS_CLUSTER");
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toBe("RunTask in cluster c failed: ClusterNotFoundException: Cluster not found.; check EB_MIGRATE_ECS_CLUSTER");
    const server = ecsCallError("DescribeTasks", new ServerException({ message: "boom", $metadata }));
    expect(server).toBeInstanceOf(ReleaseFailedError);
    expect(server.exitCode).toBe(ExitCode.releaseFailed);
  });
});
