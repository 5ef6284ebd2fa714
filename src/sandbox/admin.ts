// The admin HTTP API (JSON): launch/terminate instances, change capacity, deploy, set
// environment properties, inject faults, lifecycle hooks, detach/standby/stop an instance, the
// describe throttle, the request counts. Every route is documented in the README (section "The
// local AWS sandbox"); ADMIN_ROUTES lists them all.
import type { IncomingMessage } from "node:http";
import { SandboxRequestError, type GroupRole, type LifecycleActionResult } from "./environment.js";
import type { Sandbox } from "./index.js";
import { countsJson } from "./request-counts.js";
import { listen, readBody, sendJson, type Listener } from "./http.js";
import { AwsError } from "./wire-errors.js";
import { NOTIFICATION_ROUTES, type ExtraRoutes } from "./notify-admin.js";

/** What the admin API drives: the Sandbox's own methods (one signature each, in index.ts). */
export type AdminTarget = Pick<
  Sandbox,
  | "state"
  | "deploy"
  | "setCapacity"
  | "launch"
  | "terminate"
  | "promoteTemporaryGroup"
  | "injectFault"
  | "faults"
  | "clearFaults"
  | "setEnvironmentProperties"
  | "putTerminationHook"
  | "deleteLifecycleHook"
  | "lifecycleHooks"
  | "completeLifecycleAction"
  | "recordLifecycleActionHeartbeat"
  | "detach"
  | "enterStandby"
  | "exitStandby"
  | "stopInstance"
  | "setDescribeThrottle"
  | "describeThrottle"
  | "requestCounts"
  | "resetRequestCounts"
>;

function optionalGroup(value: unknown): GroupRole | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== "main" && value !== "temporary") throw new SandboxRequestError(400, `"group" must be "main" or "temporary", received ${JSON.stringify(value)}`);
  return value;
}

function optionalResult(body: Record<string, unknown>, key: string): LifecycleActionResult | undefined {
  const v = body[key];
  if (v === undefined || v === "CONTINUE" || v === "ABANDON") return v;
  throw new SandboxRequestError(400, `"${key}" must be "CONTINUE" or "ABANDON", received ${JSON.stringify(v)}`);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).toString("utf8").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SandboxRequestError(400, "the body is not valid JSON");
  }
  if (typeof value !== "object" || value === null) throw new SandboxRequestError(400, "the body must be a JSON object (or, for POST /faults, an array of them)");
  return value as Record<string, unknown>;
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || typeof v === "boolean") return v;
  throw new SandboxRequestError(400, `"${key}" must be true or false, received ${JSON.stringify(v)}`);
}

export const ADMIN_ROUTES = [
  "GET /state",
  "POST /deployments",
  "POST /capacity",
  "POST /instances",
  "DELETE /instances/{id}",
  "POST /groups/temporary/promote",
  "GET /faults",
  "POST /faults",
  "DELETE /faults",
  "POST /environment/properties",
  "GET /lifecycle-hooks",
  "POST /lifecycle-hooks",
  "DELETE /lifecycle-hooks/{name}",
  "POST /instances/{id}/complete-lifecycle-action",
  "POST /instances/{id}/lifecycle-action-heartbeat",
  "POST /instances/{id}/detach",
  "POST /instances/{id}/standby",
  "DELETE /instances/{id}/standby",
  "POST /instances/{id}/stop",
  "GET /throttle",
  "POST /throttle",
  "DELETE /throttle",
  "GET /requests",
  "DELETE /requests",
  ...NOTIFICATION_ROUTES,
] as const;

export function startAdmin(target: AdminTarget, port: number, extra?: ExtraRoutes): Promise<Listener> {
  return listen(async (req, res) => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://admin");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const waitQuery = url.searchParams.get("wait") === "true";
    try {
      const body = method === "GET" ? {} : await jsonBody(req);
      if (method === "GET" && (path === "/state" || path === "/")) return sendJson(res, 200, target.state());
      if (method === "POST" && path === "/deployments") {
        const label = body.versionLabel;
        if (label !== undefined && (typeof label !== "string" || !/^[^/\s][^/]{0,99}$/.test(label))) {
          throw new SandboxRequestError(400, `"versionLabel" must be a string of 1-100 characters without "/", received ${JSON.stringify(label)}`);
        }
        return sendJson(res, 201, await target.deploy(label === undefined ? {} : { versionLabel: label }));
      }
      if (method === "POST" && path === "/capacity") {
        const desired = body.desired;
        if (typeof desired !== "number" || !Number.isInteger(desired) || desired < 0) {
          throw new SandboxRequestError(400, `"desired" must be a whole number >= 0, received ${JSON.stringify(desired)}`);
        }
        return sendJson(res, 200, await target.setCapacity(desired, { wait: optionalBoolean(body, "wait") ?? false }));
      }
      if (method === "POST" && path === "/instances") {
        const group = body.group ?? "main";
        if (group !== "main" && group !== "temporary") throw new SandboxRequestError(400, `"group" must be "main" or "temporary", received ${JSON.stringify(group)}`);
        return sendJson(res, 201, await target.launch({ group, wait: optionalBoolean(body, "wait") ?? false }));
      }
      const instance = /^\/instances\/([^/]+)$/.exec(path);
      if (method === "DELETE" && instance) {
        return sendJson(res, 200, await target.terminate(decodeURIComponent(instance[1]!), { wait: waitQuery }));
      }
      const action = /^\/instances\/([^/]+)\/(complete-lifecycle-action|lifecycle-action-heartbeat|detach|standby|stop)$/.exec(path);
      if (action) {
        const id = decodeURIComponent(action[1]!);
        const wait = optionalBoolean(body, "wait") ?? false;
        const hook = body.hook;
        if (hook !== undefined && typeof hook !== "string") throw new SandboxRequestError(400, `"hook" must be a hook name, received ${JSON.stringify(hook)}`);
        const decrement = optionalBoolean(body, "decrement");
        if (method === "POST" && action[2] === "complete-lifecycle-action") {
          const result = optionalResult(body, "result");
          return sendJson(res, 200, await target.completeLifecycleAction(id, { ...(hook ? { hook } : {}), ...(result ? { result } : {}), wait }));
        }
        if (method === "POST" && action[2] === "lifecycle-action-heartbeat") return sendJson(res, 200, await target.recordLifecycleActionHeartbeat(id, hook ? { hook } : {}));
        if (method === "POST" && action[2] === "detach") return sendJson(res, 200, await target.detach(id, { ...(decrement === undefined ? {} : { decrement }), wait }));
        if (method === "POST" && action[2] === "standby") return sendJson(res, 200, await target.enterStandby(id, { ...(decrement === undefined ? {} : { decrement }), wait }));
        if (method === "DELETE" && action[2] === "standby") return sendJson(res, 200, await target.exitStandby(id, { wait: waitQuery }));
        if (method === "POST" && action[2] === "stop") return sendJson(res, 200, await target.stopInstance(id, { wait }));
      }
      if (method === "GET" && path === "/lifecycle-hooks") return sendJson(res, 200, target.lifecycleHooks());
      if (method === "POST" && path === "/lifecycle-hooks") {
        // Names, timeouts and results are checked where hooks live (SandboxEnvironment.putLifecycleHook).
        const name = body.name;
        if (name !== undefined && typeof name !== "string") throw new SandboxRequestError(400, `"name" must be a string, received ${JSON.stringify(name)}`);
        const timeout = body.heartbeatTimeoutSeconds;
        if (timeout !== undefined && typeof timeout !== "number") throw new SandboxRequestError(400, `"heartbeatTimeoutSeconds" must be a number, received ${JSON.stringify(timeout)}`);
        const group = optionalGroup(body.group);
        const defaultResult = optionalResult(body, "defaultResult");
        return sendJson(res, 201, target.putTerminationHook({ ...(name === undefined ? {} : { name }), ...(group ? { group } : {}), ...(timeout === undefined ? {} : { heartbeatTimeoutSeconds: timeout }), ...(defaultResult ? { defaultResult } : {}) }));
      }
      const hook = /^\/lifecycle-hooks\/([^/]+)$/.exec(path);
      if (method === "DELETE" && hook) {
        const group = optionalGroup(url.searchParams.get("group") ?? undefined);
        target.deleteLifecycleHook(decodeURIComponent(hook[1]!), group ? { group } : {});
        return sendJson(res, 200, {});
      }
      const throttleJson = () => {
        const t = target.describeThrottle();
        return t ? { describePerSecond: t.perSecond, burst: t.burst } : null;
      };
      if (path === "/throttle" && method === "GET") return sendJson(res, 200, throttleJson());
      if (path === "/throttle" && method === "DELETE") {
        target.setDescribeThrottle(undefined);
        return sendJson(res, 200, null);
      }
      if (path === "/throttle" && method === "POST") {
        const unknown = Object.keys(body).find((k) => k !== "describePerSecond" && k !== "burst");
        if (unknown) throw new SandboxRequestError(400, `unknown field "${unknown}" (expected "describePerSecond" and optionally "burst")`);
        const perSecond = body.describePerSecond;
        const burst = body.burst ?? perSecond;
        if (typeof perSecond !== "number" || typeof burst !== "number") throw new SandboxRequestError(400, `"describePerSecond" (and "burst", default the same) must be numbers, received ${JSON.stringify(body)}`);
        target.setDescribeThrottle({ perSecond, burst });
        return sendJson(res, 201, throttleJson());
      }
      if (path === "/requests" && method === "GET") return sendJson(res, 200, countsJson(target.requestCounts()));
      if (path === "/requests" && method === "DELETE") {
        target.resetRequestCounts();
        return sendJson(res, 200, {});
      }
      if (method === "POST" && path === "/groups/temporary/promote") {
        return sendJson(res, 200, await target.promoteTemporaryGroup({ wait: optionalBoolean(body, "wait") ?? false }));
      }
      if (path === "/faults") {
        if (method === "GET") return sendJson(res, 200, target.faults());
        if (method === "DELETE") {
          target.clearFaults();
          return sendJson(res, 200, []);
        }
        if (method === "POST") {
          const list = Array.isArray(body) ? (body as unknown[]) : [body];
          return sendJson(res, 201, list.map((f) => target.injectFault(f)));
        }
      }
      if (method === "POST" && path === "/environment/properties") {
        for (const [k, v] of Object.entries(body)) {
          if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k)) throw new SandboxRequestError(400, `"${k}" is not a valid environment property name`);
          if (v !== null && typeof v !== "string") throw new SandboxRequestError(400, `property ${k} must be a string (or null to remove it), received ${JSON.stringify(v)}`);
        }
        return sendJson(res, 200, await target.setEnvironmentProperties(body as Record<string, string | null>));
      }
      if (extra) {
        const answer = extra(method, path, body);
        if (answer) return sendJson(res, answer.status, answer.body);
      }
      throw new SandboxRequestError(404, `no route ${method} ${path}; routes: ${ADMIN_ROUTES.join(", ")}`);
    } catch (error) {
      if (error instanceof SandboxRequestError || error instanceof AwsError) return sendJson(res, error.status, { error: error.message });
      throw error;
    }
  }, port);
}
