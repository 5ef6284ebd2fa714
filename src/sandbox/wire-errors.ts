// The error the stand-ins throw (AwsError), and the map from an error code to what each
// service really answers: the code it uses for that kind of failure and the HTTP status
// (throttling 400 — EC2's RequestLimitExceeded is 503 —, access denied 400 on JSON services
// and 403 on Query ones, 5xx for internal/unavailable, which the SDK retries), so
// `"error": "ThrottlingException"` works whichever service it is injected on.
import type { ServiceName } from "./faults.js";

/** An error answered the way AWS answers it: code (JSON `__type`, Query `<Code>`), message, HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    /** Members of the error shape beyond the message (JSON services), e.g. ECS ConflictException's `resourceIds`. */
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

type Kind = "throttling" | "accessDenied" | "internal" | "unavailable" | "validation" | "notFound";

const KIND_OF: Record<string, Kind> = {
  throttling: "throttling",
  throttlingexception: "throttling",
  requestlimitexceeded: "throttling",
  accessdenied: "accessDenied",
  accessdeniedexception: "accessDenied",
  unauthorizedoperation: "accessDenied",
  internalservererror: "internal",
  internalfailure: "internal",
  internalerror: "internal",
  internalserverexception: "internal",
  serverexception: "internal",
  serviceunavailable: "unavailable",
  serviceunavailableexception: "unavailable",
  unavailable: "unavailable",
  validationerror: "validation",
  validationexception: "validation",
  resourcenotfound: "notFound",
  resourcenotfoundexception: "notFound",
};

type Table = Record<Kind, [code: string, status: number]>;

const JSON_COMMON: Table = {
  throttling: ["ThrottlingException", 400],
  accessDenied: ["AccessDeniedException", 400],
  internal: ["InternalServerError", 500],
  unavailable: ["ServiceUnavailableException", 503],
  validation: ["ValidationException", 400],
  notFound: ["ResourceNotFoundException", 400],
};

const QUERY: Table = {
  throttling: ["Throttling", 400],
  accessDenied: ["AccessDenied", 403],
  internal: ["InternalFailure", 500],
  unavailable: ["ServiceUnavailable", 503],
  validation: ["ValidationError", 400],
  notFound: ["ResourceNotFound", 400],
};

const TABLES: Record<ServiceName, Table> = {
  dynamodb: { ...JSON_COMMON, unavailable: ["ServiceUnavailable", 503] },
  ecs: { ...JSON_COMMON, internal: ["ServerException", 500] },
  logs: { ...JSON_COMMON, internal: ["InternalFailure", 500], unavailable: ["ServiceUnavailableException", 500] },
  autoscaling: QUERY,
  elasticbeanstalk: { ...QUERY, validation: ["InvalidParameterValue", 400] },
  ec2: {
    throttling: ["RequestLimitExceeded", 503],
    accessDenied: ["UnauthorizedOperation", 403],
    internal: ["InternalError", 500],
    unavailable: ["Unavailable", 503],
    validation: ["InvalidParameterValue", 400],
    notFound: ["InvalidInstanceID.NotFound", 400],
  },
  ssm: { ...JSON_COMMON, internal: ["InternalServerError", 500] },
  // SNS API reference, Publish "Errors": AuthorizationError 403, InternalError 500, NotFound 404, Throttled 429.
  sns: {
    throttling: ["Throttled", 429],
    accessDenied: ["AuthorizationError", 403],
    internal: ["InternalError", 500],
    unavailable: ["ServiceUnavailable", 503],
    validation: ["InvalidParameter", 400],
    notFound: ["NotFound", 404],
  },
  // IMDS answers bare HTTP statuses; the code only goes into the text body.
  imds: {
    throttling: ["Throttling", 429],
    accessDenied: ["Forbidden", 403],
    internal: ["InternalServerError", 500],
    unavailable: ["ServiceUnavailable", 503],
    validation: ["BadRequest", 400],
    notFound: ["NotFound", 404],
  },
};

/** The code and status `service` answers for `code`; unknown codes pass through (5xx if they name one). */
export function wireError(service: ServiceName, code: string): { code: string; status: number } {
  const kind = KIND_OF[code.toLowerCase()];
  if (kind) {
    const [wireCode, status] = TABLES[service][kind];
    return { code: wireCode, status };
  }
  const status = /internal/i.test(code) ? 500 : /unavailable/i.test(code) ? 503 : 400;
  return { code, status };
}

