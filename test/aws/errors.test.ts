// The one vocabulary for AWS SDK errors: each predicate over real SDK exception classes (as the
// clients throw them), over query-protocol shapes (Code) and Node errors (code), and over
// values that are no error at all.
import { ClusterNotFoundException, AccessDeniedException as EcsAccessDenied, LimitExceededException as EcsLimitExceeded } from "@aws-sdk/client-ecs";
import { ResourceNotFoundException as LogsNotFound } from "@aws-sdk/client-cloudwatch-logs";
import {
  ConditionalCheckFailedException,
  LimitExceededException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
} from "@aws-sdk/client-dynamodb";
import { AuthorizationErrorException } from "@aws-sdk/client-sns";
import { describe, expect, it } from "vitest";
import {
  ACCESS_DENIED_CODES,
  credentialsProblem,
  errorCode,
  isAborted,
  isAccessDenied,
  isCredentialsError,
  isNotFound,
  isPermissionDenied,
  isThrottling,
  isValidation,
} from "../../src/aws/errors.js";

const $metadata = {};
/** An SDK error as a client throws it for a code no exception class models (name = the wire code). */
const sdkError = (name: string, message = "x") => Object.assign(new Error(message), { name, $metadata, $fault: "client" as const });
/** A query-protocol error body (Auto Scaling, EC2, STS, SNS): the code in Code. */
const queryError = (Code: string) => ({ Code, Message: "x" });

describe("errorCode", () => {
  it.each<[string, unknown, string]>([
    ["an SDK exception class: its name", new ConditionalCheckFailedException({ message: "x", $metadata }), "ConditionalCheckFailedException"],
    ["an unmodeled SDK error: the wire code", sdkError("UnauthorizedOperation"), "UnauthorizedOperation"],
    ["a query-protocol body: Code", queryError("AccessDenied"), "AccessDenied"],
    ["a Node system error: code", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "ECONNREFUSED"],
    ["name wins over Code", new AuthorizationErrorException({ message: "x", $metadata }), "AuthorizationErrorException"],
    ["a plain Error", new Error("x"), "Error"],
    ["an empty name falls through to code", { name: "", code: "ETIMEDOUT" }, "ETIMEDOUT"],
    ["a string", "boom", "Error"],
    ["undefined", undefined, "Error"],
    ["null", null, "Error"],
    ["a non-string name", { name: 42 }, "Error"],
  ])("%s", (_what, error, code) => expect(errorCode(error)).toBe(code));
});

type Row = [what: string, error: unknown, expected: boolean];

describe("isPermissionDenied: a policy refuses a caller AWS knows", () => {
  it.each<Row>([
    ["ECS AccessDeniedException", new EcsAccessDenied({ message: "x", $metadata }), true],
    ["DynamoDB AccessDeniedException (unmodeled)", sdkError("AccessDeniedException"), true],
    ["Auto Scaling AccessDenied", sdkError("AccessDenied"), true],
    ["EC2 UnauthorizedOperation", queryError("UnauthorizedOperation"), true],
    ["expired credentials", sdkError("ExpiredTokenException"), false],
    ["an unknown access key", sdkError("UnrecognizedClientException"), false],
    ["no credentials", sdkError("CredentialsProviderError"), false],
    ["throttling", new ThrottlingException({ message: "x", $metadata }), false],
    ["a plain Error", new Error("AccessDenied"), false],
  ])("%s → %s", (_what, error, expected) => expect(isPermissionDenied(error)).toBe(expected));
});

describe("isCredentialsError: none found, expired, or not accepted", () => {
  it.each<Row>([
    ["CredentialsProviderError (the SDK found none)", sdkError("CredentialsProviderError"), true],
    ["TokenProviderError (no SSO token)", sdkError("TokenProviderError"), true],
    ["ExpiredToken (STS, query services)", queryError("ExpiredToken"), true],
    ["ExpiredTokenException (JSON services)", sdkError("ExpiredTokenException"), true],
    ["UnrecognizedClientException", sdkError("UnrecognizedClientException"), true],
    ["InvalidClientTokenId", queryError("InvalidClientTokenId"), true],
    ["InvalidSignatureException", sdkError("InvalidSignatureException"), true],
    ["SignatureDoesNotMatch", queryError("SignatureDoesNotMatch"), true],
    ["MissingAuthenticationTokenException", sdkError("MissingAuthenticationTokenException"), true],
    ["IncompleteSignatureException", sdkError("IncompleteSignatureException"), true],
    ["AccessDeniedException", sdkError("AccessDeniedException"), false],
    ["UnauthorizedOperation", queryError("UnauthorizedOperation"), false],
    ["a connection error", Object.assign(new Error("x"), { code: "ECONNRESET" }), false],
  ])("%s → %s", (_what, error, expected) => expect(isCredentialsError(error)).toBe(expected));
});

describe("isAccessDenied: the union — AWS answered and refused the caller", () => {
  it("is exactly the permission codes and the credential codes AWS answers with", () => {
    expect([...ACCESS_DENIED_CODES].sort()).toEqual(
      [
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
      ].sort(),
    );
  });

  it.each<Row>([
    ["a permission refused", new EcsAccessDenied({ message: "x", $metadata }), true],
    ["credentials refused", sdkError("ExpiredTokenException"), true],
    ["credentials refused (query Code)", queryError("InvalidClientTokenId"), true],
    // No request reached AWS: nobody refused anything (DynamoDB keeps retrying such a call).
    ["no credentials found", sdkError("CredentialsProviderError"), false],
    ["SNS AuthorizationErrorException (the notifier's own word)", new AuthorizationErrorException({ message: "x", $metadata }), false],
    ["a missing table", new ResourceNotFoundException({ message: "x", $metadata }), false],
  ])("%s → %s", (_what, error, expected) => expect(isAccessDenied(error)).toBe(expected));

  it("every denied code is a permission or a credentials problem, never both", () => {
    for (const code of ACCESS_DENIED_CODES) {
      const error = sdkError(code);
      expect(isPermissionDenied(error) !== isCredentialsError(error), code).toBe(true);
    }
  });
});

describe("credentialsProblem", () => {
  it.each<[string, unknown, RegExp | undefined]>([
    ["none found", sdkError("CredentialsProviderError"), /^no AWS credentials found; configure them/],
    ["SSO token missing", sdkError("TokenProviderError"), /^no AWS credentials found/],
    ["expired", queryError("ExpiredToken"), /^your AWS credentials have expired \(ExpiredToken\); refresh them/],
    ["expired (JSON)", sdkError("ExpiredTokenException"), /have expired \(ExpiredTokenException\)/],
    ["unknown key", sdkError("UnrecognizedClientException"), /^your AWS credentials are not valid \(UnrecognizedClientException\); check AWS_PROFILE/],
    ["wrong secret", queryError("SignatureDoesNotMatch"), /are not valid \(SignatureDoesNotMatch\)/],
    ["unsigned", sdkError("MissingAuthenticationTokenException"), /are not valid \(MissingAuthenticationTokenException\)/],
    ["malformed signature", sdkError("IncompleteSignatureException"), /are not valid \(IncompleteSignatureException\)/],
    ["a permission", sdkError("AccessDeniedException"), undefined],
    ["anything else", new Error("boom"), undefined],
  ])("%s", (_what, error, line) => {
    const problem = credentialsProblem(error);
    if (line === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(line);
    expect(problem !== undefined).toBe(isCredentialsError(error));
  });
});

describe("isThrottling", () => {
  it.each<Row>([
    ["DynamoDB ThrottlingException", new ThrottlingException({ message: "x", $metadata }), true],
    ["DynamoDB ProvisionedThroughputExceededException", new ProvisionedThroughputExceededException({ message: "x", $metadata }), true],
    ["DynamoDB RequestLimitExceeded", new RequestLimitExceeded({ message: "x", $metadata }), true],
    ["Auto Scaling Throttling", sdkError("Throttling"), true],
    ["EC2 RequestLimitExceeded (query Code)", queryError("RequestLimitExceeded"), true],
    ["TooManyRequestsException", sdkError("TooManyRequestsException"), true],
    ["RequestThrottled", sdkError("RequestThrottled"), true],
    ["RequestThrottledException", sdkError("RequestThrottledException"), true],
    // A quota on control-plane operations, not a request rate (the table code adds it itself).
    ["DynamoDB LimitExceededException", new LimitExceededException({ message: "x", $metadata }), false],
    ["ECS LimitExceededException", new EcsLimitExceeded({ message: "x", $metadata }), false],
    ["a 5xx", sdkError("InternalServerError"), false],
    ["a timeout", sdkError("TimeoutError"), false],
  ])("%s → %s", (_what, error, expected) => expect(isThrottling(error)).toBe(expected));
});

describe("isNotFound", () => {
  it.each<[string, unknown, string | undefined, boolean]>([
    ["DynamoDB ResourceNotFoundException", new ResourceNotFoundException({ message: "x", $metadata }), undefined, true],
    ["CloudWatch Logs ResourceNotFoundException", new LogsNotFound({ message: "x", $metadata }), undefined, true],
    ["EC2 InvalidInstanceID.NotFound, named", queryError("InvalidInstanceID.NotFound"), "InvalidInstanceID.NotFound", true],
    ["EC2 InvalidInstanceID.NotFound, not named", queryError("InvalidInstanceID.NotFound"), undefined, false],
    ["ECS ClusterNotFoundException, named", new ClusterNotFoundException({ message: "x", $metadata }), "ClusterNotFoundException", true],
    ["SSM InvocationDoesNotExist, named", sdkError("InvocationDoesNotExist"), "InvocationDoesNotExist", true],
    ["another code named", new ResourceNotFoundException({ message: "x", $metadata }), "InvocationDoesNotExist", false],
    ["access denied", sdkError("AccessDeniedException"), undefined, false],
    ["a plain Error", new Error("ResourceNotFoundException"), undefined, false],
  ])("%s", (_what, error, code, expected) => expect(isNotFound(error, code)).toBe(expected));
});

describe("isValidation and isAborted", () => {
  it.each<Row>([
    ["DynamoDB ValidationException", sdkError("ValidationException", "Item size has exceeded the maximum allowed size"), true],
    ["a query service's ValidationError", queryError("ValidationError"), true],
    ["ConditionalCheckFailedException", new ConditionalCheckFailedException({ message: "x", $metadata }), false],
    ["InvalidParameterException", sdkError("InvalidParameterException"), false],
  ])("isValidation: %s → %s", (_what, error, expected) => expect(isValidation(error)).toBe(expected));

  it.each<Row>([
    ["the SDK's AbortError", sdkError("AbortError", "Request aborted"), true],
    ["a DOMException AbortError", new DOMException("This operation was aborted", "AbortError"), true],
    ["a TimeoutError", sdkError("TimeoutError"), false],
    ["a signal's reason", "SIGTERM", false],
  ])("isAborted: %s → %s", (_what, error, expected) => expect(isAborted(error)).toBe(expected));
});
