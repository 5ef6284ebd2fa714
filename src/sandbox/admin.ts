// The admin HTTP API (JSON): launch/terminate instances, change capacity, deploy, set
// environment properties, inject faults. Every route is documented in the README (section "The local AWS sandbox").
import type { IncomingMessage } from "node:http";
import { SandboxRequestError, type GroupRole } from "./environment.js";
import type { ActiveFault } from "./faults.js";
import { listen, readBody, sendJson, type Listener } from "./http.js";
import { AwsError } from "./json-service.js";
import type { SandboxInstanceEntry, SandboxState } from "./state.js";
import { NOTIFICATION_ROUTES, type ExtraRoutes } from "./notify-admin.js";

/** What the admin API drives: the Sandbox's own methods. */
export interface AdminTarget {
  state(): SandboxState;
  deploy(options?: { versionLabel?: string }): Promise<{ versionLabel: string; deploymentId: number; instances: string[] }>;
  setCapacity(desired: number, options?: { wait?: boolean }): Promise<SandboxState>;
  launch(options?: { group?: GroupRole; wait?: boolean }): Promise<SandboxInstanceEntry>;
  terminate(id: string, options?: { wait?: boolean }): Promise<SandboxInstanceEntry>;
  promoteTemporaryGroup(options?: { wait?: boolean }): Promise<{ moved: string[]; terminated: string[] }>;
  injectFault(fault: unknown): ActiveFault;
  faults(): ActiveFault[];
  clearFaults(): void;
  setEnvironmentProperties(changes: Record<string, string | null>): Promise<Record<string, string>>;
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
  ...NOTIFICATION_ROUTES,
] as const;

export function startAdmin(target: AdminTarget, port: number, extra?: ExtraRoutes): Promise<Listener> {
  return listen(async (req, res) => {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://admin").pathname.replace(/\/+$/, "") || "/";
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
        return sendJson(res, 200, await target.terminate(decodeURIComponent(instance[1]!), { wait: new URL(req.url ?? "/", "http://admin").searchParams.get("wait") === "true" }));
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
