// Admin API routes for the notification stand-ins: SNS topics and messages, the webhook
// receiver's requests and mode (README, "The local AWS sandbox").
import { SandboxRequestError } from "./environment.js";
import type { SnsTopics } from "./sns.js";
import { WEBHOOK_MODES, type WebhookMode, type WebhookReceiver } from "./webhook-receiver.js";

export const NOTIFICATION_ROUTES = ["GET /sns/topics", "POST /sns/topics", "GET /sns/messages", "GET /webhook/requests", "POST /webhook/mode"] as const;

/** Answers a route it knows, or undefined. */
export type ExtraRoutes = (method: string, path: string, body: Record<string, unknown>) => { status: number; body: unknown } | undefined;

export function notificationRoutes(sns: SnsTopics, webhook: WebhookReceiver): ExtraRoutes {
  return (method, path, body) => {
    if (method === "GET" && path === "/sns/topics") return { status: 200, body: { topics: sns.list(), environmentTopic: sns.environmentTopic ?? null } };
    if (method === "POST" && path === "/sns/topics") {
      if (typeof body.name !== "string") throw new SandboxRequestError(400, `"name" must be a topic name, received ${JSON.stringify(body.name)}`);
      if (body.environment !== undefined && typeof body.environment !== "boolean") throw new SandboxRequestError(400, `"environment" must be true or false, received ${JSON.stringify(body.environment)}`);
      return { status: 201, body: { topicArn: sns.create(body.name, { environment: body.environment === true }) } };
    }
    if (method === "GET" && path === "/sns/messages") return { status: 200, body: sns.messages };
    if (method === "GET" && path === "/webhook/requests") return { status: 200, body: webhook.requests };
    if (method === "POST" && path === "/webhook/mode") {
      if (!(WEBHOOK_MODES as readonly unknown[]).includes(body.mode)) throw new SandboxRequestError(400, `"mode" must be one of ${WEBHOOK_MODES.join(", ")}, received ${JSON.stringify(body.mode)}`);
      webhook.mode = body.mode as WebhookMode;
      return { status: 200, body: { mode: webhook.mode } };
    }
    return undefined;
  };
}
