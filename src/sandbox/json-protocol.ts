// The JSON 1.1 protocol front of ECS, CloudWatch Logs and SSM: apply faults, route by
// X-Amz-Target prefix to the registered JsonService and by the name after the dot to its
// operations table, answer results or AwsErrors in the wire format.
import { randomUUID } from "node:crypto";
import { applyFault, type ErrorWriter } from "./fault-response.js";
import type { FaultInjector, ServiceName } from "./faults.js";
import { readBody, send, type RequestHandler } from "./http.js";
import type { JsonService } from "./json-service.js";
import { AwsError } from "./wire-errors.js";

const JSON_11 = "application/x-amz-json-1.1";

const writeJsonError = (res: Parameters<ErrorWriter>[0], code: string, message: string, status: number, members: Record<string, unknown> = {}): void => {
  send(res, status, JSON_11, JSON.stringify({ __type: code, message, ...members }), { "x-amzn-requestid": randomUUID() });
};

export function jsonProtocolService(name: ServiceName, services: JsonService[], faults: FaultInjector): RequestHandler {
  return async (req, res) => {
    const body = await readBody(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    const dot = target.lastIndexOf(".");
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    if (await applyFault(faults.decide(name, operation), name, res, writeJsonError)) return;
    const service = services.find((s) => s.name === name && s.targetPrefix === prefix);
    if (dot === -1 || !service) return writeJsonError(res, "UnknownOperationException", `Unknown operation ${target || "(no X-Amz-Target)"}`, 400);
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      input = parsed as Record<string, unknown>;
    } catch {
      return writeJsonError(res, "SerializationException", "The request body is not a JSON object", 400);
    }
    const handler = Object.hasOwn(service.operations, operation) ? service.operations[operation] : undefined;
    if (!handler) return writeJsonError(res, "UnknownOperationException", service.unknownOperation(operation), 400);
    try {
      const output = await handler(input);
      send(res, 200, JSON_11, JSON.stringify(output), { "x-amzn-requestid": randomUUID() });
    } catch (error) {
      if (error instanceof AwsError) return writeJsonError(res, error.code, error.message, error.status, error.members);
      const message = error instanceof Error ? error.message : String(error);
      return writeJsonError(res, name === "ecs" ? "ServerException" : "ServiceUnavailableException", `sandbox: ${message}`, 500);
    }
  };
}
