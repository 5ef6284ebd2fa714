// The AWS Query protocol (form-encoded `Action=...` requests, XML answers) in its two dialects:
// Auto Scaling / Elastic Beanstalk (`<XResponse><XResult>`, errors in `<ErrorResponse>`) and
// EC2 (fields directly under `<XResponse>`, lower-camel names, errors in `<Response><Errors>`).
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { applyFault, type ErrorWriter } from "./fault-response.js";
import type { FaultInjector, ServiceName } from "./faults.js";
import { readBody, send, type RequestHandler } from "./http.js";
import { AwsError } from "./wire-errors.js";
import { children, escapeXml, type XmlValue } from "./xml.js";

export type QueryFields = { [name: string]: XmlValue };
export type QueryOperation = (params: QueryParams) => QueryFields | Promise<QueryFields>;

export interface QueryServiceOptions {
  service: ServiceName;
  /** The XML namespace of the API version, e.g. http://autoscaling.amazonaws.com/doc/2011-01-01/. */
  namespace: string;
  dialect: "query" | "ec2";
  operations: Record<string, QueryOperation>;
  faults: FaultInjector;
}

/** Request parameters with the Query protocol's list encodings. */
export class QueryParams {
  constructor(readonly raw: URLSearchParams) {}

  get(name: string): string | undefined {
    return this.raw.get(name) ?? undefined;
  }

  /** `Name.member.1`, `Name.member.2`, ... (Auto Scaling, Elastic Beanstalk). */
  members(name: string): string[] {
    return this.indexed(`${name}.member.`);
  }

  /** `Name.1`, `Name.2`, ... (EC2). */
  items(name: string): string[] {
    return this.indexed(`${name}.`);
  }

  /** EC2 / Auto Scaling filters: `Filter.N.Name` with `Filter.N.Value.M` (or `Filters.member.N.Values.member.M`). */
  filters(style: "ec2" | "query"): { name: string; values: string[] }[] {
    const prefix = style === "ec2" ? "Filter." : "Filters.member.";
    const valuesPart = style === "ec2" ? ".Value." : ".Values.member.";
    const out: { name: string; values: string[] }[] = [];
    for (let n = 1; ; n++) {
      const name = this.raw.get(`${prefix}${n}.Name`);
      if (name === null) break;
      out.push({ name, values: this.indexed(`${prefix}${n}${valuesPart}`) });
    }
    return out;
  }

  integer(name: string, min: number, max: number, fallback: number, code: string): number {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new AwsError(code, `Value ${raw} for ${name} must be an integer from ${min} to ${max}.`, 400);
    }
    return n;
  }

  private indexed(prefix: string): string[] {
    const found: [number, string][] = [];
    for (const [key, value] of this.raw) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      if (/^\d+$/.test(rest)) found.push([Number(rest), value]);
    }
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }
}

const writeQueryError =
  (namespace: string): ErrorWriter =>
  (res, code, message, status) => {
    const requestId = randomUUID();
    const type = status >= 500 ? "Receiver" : "Sender";
    send(
      res,
      status,
      "text/xml",
      `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      { "x-amzn-requestid": requestId },
    );
  };

const writeEc2Error: ErrorWriter = (res, code, message, status) => {
  const requestId = randomUUID();
  send(
    res,
    status,
    "text/xml;charset=UTF-8",
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
  );
};

function writeResult(res: ServerResponse, options: QueryServiceOptions, action: string, fields: QueryFields): void {
  const requestId = randomUUID();
  if (options.dialect === "ec2") {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${options.namespace}"><requestId>${requestId}</requestId>${children(fields, "item")}</${action}Response>`;
    send(res, 200, "text/xml;charset=UTF-8", body);
    return;
  }
  const body = `<${action}Response xmlns="${options.namespace}"><${action}Result>${children(fields, "member")}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  send(res, 200, "text/xml", body, { "x-amzn-requestid": requestId });
}

/** An HTTP handler for one Query service: parse, apply faults, dispatch by Action, answer. */
export function queryService(options: QueryServiceOptions): RequestHandler {
  const writeError = options.dialect === "ec2" ? writeEc2Error : writeQueryError(options.namespace);
  return async (req, res) => {
    const body = (await readBody(req)).toString("utf8");
    const url = new URL(req.url ?? "/", "http://sandbox");
    const raw = new URLSearchParams(req.method === "POST" ? body : url.search);
    const action = raw.get("Action");
    if (!action) return writeError(res, "MissingAction", "The request must contain the parameter Action.", 400);
    if (await applyFault(options.faults.decide(options.service, action), options.service, res, writeError)) return;
    const operation = options.operations[action];
    if (!operation) {
      return writeError(res, "InvalidAction", `The action ${action} is not valid for this web service.`, 400);
    }
    try {
      writeResult(res, options, action, await operation(new QueryParams(raw)));
    } catch (error) {
      if (error instanceof AwsError) return writeError(res, error.code, error.message, error.status);
      throw error;
    }
  };
}
