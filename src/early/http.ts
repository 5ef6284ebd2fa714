// One HTTP exchange with a bounded time, on Node's own client: what the early skip needs from
// IMDS and DynamoDB, without the SDK's handler stack. Any failure is an exception; the caller
// hands over to the full bundle, which asks again with the SDK's retries.
import type { IncomingHttpHeaders } from "node:http";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface Exchange {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Ends the exchange (the early skip's whole budget). */
  signal: AbortSignal;
}

export async function exchange(url: URL, { method, headers, body, signal }: Exchange): Promise<Answer> {
  // https only for AWS itself: its module costs start-up time the sandbox's http never pays.
  const { request } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return await new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, headers, signal }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
