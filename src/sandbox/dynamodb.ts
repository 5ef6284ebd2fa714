// DynamoDB: embedded dynalite (in memory) or an external DynamoDB-compatible endpoint, always
// behind a small proxy that injects faults per operation (X-Amz-Target) before forwarding.
// dynalite has no UpdateTimeToLive; when the server behind the proxy answers it with
// UnknownOperationException, the proxy records the setting and answers Update/DescribeTimeToLive
// itself (expired items are then simply never deleted — DynamoDB also only promises "within days").
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest, Agent as HttpsAgent } from "node:https";
import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { ConfigError } from "../cli/errors.js";
import { tableDefinition, TTL_ATTRIBUTE } from "../table/table.js";
import { applyFault, type ErrorWriter } from "./fault-response.js";
import type { FaultInjector } from "./faults.js";
import { closeServer, listen, LOOPBACK, readBody, send, type Listener } from "./http.js";
import type { AddressInfo } from "node:net";

const JSON_10 = "application/x-amz-json-1.0";
/** Marks the sandbox's own calls (creating the table), which injected faults must not hit. */
const INTERNAL_HEADER = "x-eb-migrate-sandbox-internal";
const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

export interface DynamoDbStandIn {
  /** The proxy: what tools outside any instance use (faults apply here). */
  url: string;
  /** The same proxy on a port of its own for one instance, so faults can be scoped to it. */
  listenFor(instanceId: string): Promise<Listener>;
  /** The server behind it (dynalite or the external endpoint). */
  upstreamUrl: string;
  close(): Promise<void>;
}

export const writeDynamoDbError: ErrorWriter = (res, code, message, status) => {
  send(res, status, JSON_10, JSON.stringify({ __type: `${ERROR_PREFIX}${code}`, message }), { "x-amzn-requestid": randomUUID() });
};

/** The version this package is tested with; the package leaves it out (it builds a native module). */
export const DYNALITE_VERSION = "4.0.0";

/**
 * dynalite, loaded only when the embedded DynamoDB is wanted: the published package does not
 * depend on it (its storage engine builds a native module), so `init` installs nothing native.
 */
async function loadDynalite(): Promise<typeof import("dynalite").default> {
  try {
    return (await import("dynalite")).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND" && (error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new ConfigError(
      `the embedded DynamoDB needs the dynalite package, which eb-migrate's package leaves out (it builds a native module): run eb-migrate with it, e.g. "npx --package=eb-migrate --package=dynalite@${DYNALITE_VERSION} eb-migrate demo" or "npm install dynalite@${DYNALITE_VERSION}" beside eb-migrate; or pass --dynamodb-endpoint URL (sandbox) to use a DynamoDB-compatible server`,
      { cause: error },
    );
  }
}

export async function startDynamoDb(options: { external?: string; faults: FaultInjector }): Promise<DynamoDbStandIn> {
  let upstreamUrl = options.external;
  let embedded: ReturnType<typeof import("dynalite").default> | undefined;
  if (!upstreamUrl) {
    embedded = (await loadDynalite())({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const server = embedded;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, LOOPBACK, () => resolve());
    });
    upstreamUrl = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
  }
  const upstream = new URL(upstreamUrl);
  const secure = upstream.protocol === "https:";
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const emulatedTtl = new Map<string, { AttributeName: string; Enabled: boolean }>();

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }>((resolve, reject) => {
      const send = secure ? httpsRequest : httpRequest;
      const out = send(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          path: `${upstream.pathname.replace(/\/$/, "")}${req.url ?? "/"}`,
          method: req.method,
          // Headers go on unchanged, so the request's signature still matches.
          headers: { ...req.headers, "content-length": String(body.length) },
          agent,
        },
        (response) => {
          readBody(response).then((b) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: b }), reject);
        },
      );
      out.on("error", reject);
      out.end(body);
    });

  const answer = (res: ServerResponse, status: number, headers: IncomingMessage["headers"], body: Buffer) => {
    const clean: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && k !== "connection" && k !== "keep-alive" && k !== "transfer-encoding") clean[k] = v;
    clean["content-length"] = String(body.length);
    res.writeHead(status, clean);
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, instance: string | undefined) => {
    const body = await readBody(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.slice(target.indexOf(".") + 1);
    const internal = req.headers[INTERNAL_HEADER] === "1";
    if (!internal && (await applyFault(options.faults.decide("dynamodb", operation, instance), "dynamodb", res, writeDynamoDbError))) return;

    if (operation === "DescribeTimeToLive") {
      const table = tableName(body);
      const spec = table === undefined ? undefined : emulatedTtl.get(table);
      if (spec) {
        const description = spec.Enabled ? { TimeToLiveStatus: "ENABLED", AttributeName: spec.AttributeName } : { TimeToLiveStatus: "DISABLED" };
        return send(res, 200, JSON_10, JSON.stringify({ TimeToLiveDescription: description }));
      }
    }
    let upstreamAnswer;
    try {
      upstreamAnswer = await forward(req, body);
    } catch {
      // The server behind the proxy is unreachable: the caller sees what it would see directly.
      res.socket?.destroy();
      return;
    }
    if (operation === "UpdateTimeToLive" && upstreamAnswer.status === 400 && upstreamAnswer.body.includes("UnknownOperationException")) {
      const input = parse(body) as { TableName?: string; TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean } };
      const spec = input.TimeToLiveSpecification;
      if (!input.TableName || !spec?.AttributeName || typeof spec.Enabled !== "boolean") {
        return writeDynamoDbError(res, "ValidationException", "TableName and TimeToLiveSpecification (AttributeName, Enabled) are required", 400);
      }
      emulatedTtl.set(input.TableName, { AttributeName: spec.AttributeName, Enabled: spec.Enabled });
      return send(res, 200, JSON_10, JSON.stringify({ TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } }));
    }
    answer(res, upstreamAnswer.status, upstreamAnswer.headers, upstreamAnswer.body);
  };
  const proxy: Listener = await listen((req, res) => handle(req, res, undefined));
  const perInstance = new Set<Listener>();

  return {
    url: proxy.url,
    upstreamUrl,
    async listenFor(instanceId) {
      const listener = await listen((req, res) => handle(req, res, instanceId));
      perInstance.add(listener);
      return {
        ...listener,
        close: async () => {
          perInstance.delete(listener);
          await listener.close();
        },
      };
    },
    close: async () => {
      await Promise.all([...perInstance].map((l) => l.close()));
      await proxy.close();
      agent.destroy();
      if (embedded) await closeServer(embedded);
    },
  };
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return {};
  }
}

function tableName(body: Buffer): string | undefined {
  const name = (parse(body) as { TableName?: unknown }).TableName;
  return typeof name === "string" ? name : undefined;
}

/** Creates the tool's table (through the proxy) if missing, waits for ACTIVE, enables TTL. */
export async function ensureTable(endpoint: string, region: string, name: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" }, maxAttempts: 3 });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[INTERNAL_HEADER] = "1";
      return next(args);
    },
    { step: "build", name: "ebMigrateSandboxInternal" },
  );
  try {
    try {
      await client.send(new CreateTableCommand(tableDefinition(name)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    for (let attempt = 0; ; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === "ACTIVE") break;
      if (attempt > 600) throw new Error(`table ${name} did not become ACTIVE`);
      await delay(20);
    }
    try {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
    } catch (error) {
      // A real DynamoDB refuses to enable TTL twice; the table is then already as wanted.
      if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
    }
  } finally {
    client.destroy();
  }
}
