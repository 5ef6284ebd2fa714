// A local webhook receiver (127.0.0.1) standing in for a Slack incoming webhook: records every
// POST (GET /webhook/requests on the admin API) and answers as its mode says — "ok" (200),
// "error" (500) or "hang" (never answers; connections are dropped on close).
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { listen, readBody, send } from "./http.js";

export const WEBHOOK_MODES = ["ok", "error", "hang"] as const;
export type WebhookMode = (typeof WEBHOOK_MODES)[number];

export interface WebhookRequest {
  path: string;
  contentType: string | undefined;
  /** The JSON body, or the text when it is not JSON. */
  body: unknown;
  receivedAt: string;
}

export interface WebhookReceiver {
  /** A Slack-like URL with a secret path: `http://127.0.0.1:PORT/services/T…/B…/<secret>`. */
  readonly url: string;
  readonly requests: WebhookRequest[];
  mode: WebhookMode;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hanging = new Set<ServerResponse>();
  const secretPath = `/services/T0SANDBOX/B0SANDBOX/${randomBytes(12).toString("hex")}`;
  const receiver: { mode: WebhookMode; requests: WebhookRequest[] } = { mode: "ok", requests: [] };
  const listener = await listen(async (req, res) => {
    const text = (await readBody(req)).toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    receiver.requests.push({ path: new URL(req.url ?? "/", "http://webhook").pathname, contentType: req.headers["content-type"], body, receivedAt: new Date().toISOString() });
    if (receiver.mode === "hang") {
      hanging.add(res);
      return;
    }
    // Slack answers a bad path with 404 "no_service" and a good post with 200 "ok".
    if (new URL(req.url ?? "/", "http://webhook").pathname !== secretPath) return send(res, 404, "text/plain", "no_service");
    if (receiver.mode === "error") return send(res, 500, "text/plain", "internal_error");
    send(res, 200, "text/plain", "ok");
  });
  return {
    url: `${listener.url}${secretPath}`,
    requests: receiver.requests,
    get mode() {
      return receiver.mode;
    },
    set mode(mode: WebhookMode) {
      receiver.mode = mode;
    },
    async close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      await listener.close();
    },
  };
}
