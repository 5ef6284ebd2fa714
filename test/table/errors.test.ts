// DynamoDB failures sorted by what the caller does next, on the shared vocabulary: the codes the
// table treated as denied, throttled, missing, refused or aborted before keep their kind.
import { ConditionalCheckFailedException, LimitExceededException, ProvisionedThroughputExceededException, ResourceNotFoundException, ThrottlingException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { classifyDynamoError, TableRefusedError, TableUnavailableError, TableUnusableError, tableError, type DynamoFailure } from "../../src/table/errors.js";

const $metadata = {};
const sdkError = (name: string, message = "x") => Object.assign(new Error(message), { name, $metadata });

describe("classifyDynamoError", () => {
  it.each<[unknown, DynamoFailure["kind"]]>([
    [new ConditionalCheckFailedException({ message: "x", $metadata }), "condition-failed"],
    [new ResourceNotFoundException({ message: "x", $metadata }), "table-missing"],
    ...["AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException", "ExpiredTokenException", "IncompleteSignatureException"].map(
      (code): [unknown, DynamoFailure["kind"]] => [sdkError(code), "access-denied"],
    ),
    [sdkError("ValidationException"), "invalid"],
    [sdkError("AbortError"), "aborted"],
    // No request was sent: the provider chain (IMDS) may answer next time — retried, as before.
    [sdkError("CredentialsProviderError"), "unavailable"],
    [new ThrottlingException({ message: "x", $metadata }), "unavailable"],
    [sdkError("InternalServerError"), "unavailable"],
    [Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "unavailable"],
  ])("%o → %s", (error, kind) => expect(classifyDynamoError(error).kind).toBe(kind));

  it("names the code in a denied or refused message, and keeps an unavailable one as the SDK said it", () => {
    expect(classifyDynamoError(sdkError("AccessDeniedException", "no"))).toEqual({ kind: "access-denied", message: "AccessDeniedException: no" });
    expect(classifyDynamoError(sdkError("ValidationException", "too big"))).toEqual({ kind: "invalid", message: "ValidationException: too big" });
    expect(classifyDynamoError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toEqual({ kind: "unavailable", message: "socket hang up" });
  });
});

describe("tableError", () => {
  it.each([
    [new ThrottlingException({ message: "x", $metadata }), true],
    [new ProvisionedThroughputExceededException({ message: "x", $metadata }), true],
    [sdkError("RequestLimitExceeded"), true],
    // Too many control-plane operations: the table answered, so it counts as throttled here.
    [new LimitExceededException({ message: "x", $metadata }), true],
    [sdkError("InternalServerError"), false],
    [sdkError("TimeoutError"), false],
  ])("%o: unavailable, throttled %s", (error, throttled) => {
    const mapped = tableError(error, "t");
    expect(mapped).toBeInstanceOf(TableUnavailableError);
    expect((mapped as TableUnavailableError).throttled).toBe(throttled);
  });

  it("missing and denied are unusable, a refused request is refused", () => {
    expect(tableError(new ResourceNotFoundException({ message: "x", $metadata }), "t")).toMatchObject({ reason: "table-missing" });
    expect(tableError(sdkError("ExpiredTokenException"), "t")).toBeInstanceOf(TableUnusableError);
    expect(tableError(sdkError("ValidationException"), "t")).toBeInstanceOf(TableRefusedError);
  });
});
