// A follower whose DynamoDB call hangs for ever (a server that accepts and never answers, and a
// client without any timeout of its own) still ends: SIGTERM and the wait timeout abort the call.
import { createServer, type Server, type Socket } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WaitTimeoutError } from "../../src/cli/errors.js";
import { createLogger, memorySink } from "../../src/cli/log.js";
import { resolveSettings } from "../../src/config/settings.js";
import { LeaseStore } from "../../src/election/lease.js";
import { ReleaseStore } from "../../src/release/record.js";
import { runRelease, type RunnerDeps } from "../../src/release/runner.js";
import { systemClock } from "../../src/runtime/clock.js";

let blackhole: Server;
let port = 0;
const sockets = new Set<Socket>();
beforeAll(async () => {
  blackhole = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
  port = (blackhole.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => blackhole.close(() => r()));
});

function deps(signal: AbortSignal, env: Record<string, string>): RunnerDeps {
  // No request timeout at all: only an abort signal can end a call.
  const client = new DynamoDBClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
  return {
    settings: resolveSettings(env),
    identity: { instanceId: "i-follower", region: "us-east-1", environmentId: "e-abort", environmentName: "env" },
    deployment: { key: "v1#1", source: "test" },
    clock: systemClock,
    log: createLogger({ sinks: [memorySink()], now: systemClock.now }),
    signal,
    leases: new LeaseStore(client, "eb-migrate", systemClock),
    releases: new ReleaseStore(client, "eb-migrate", systemClock),
    prepare: async () => async () => ({ exitCode: 0, outputTail: [], durationMs: 0, timedOut: false }),
    holderState: async () => "may-run",
    oldestInstance: async () => "i-follower",
  };
}

describe("a follower inside a hung call", () => {
  it("exits 3 on SIGTERM", async () => {
    const controller = new AbortController();
    const run = runRelease(deps(controller.signal, { EB_MIGRATE_FALLBACK: "off" }));
    setTimeout(() => controller.abort("SIGTERM"), 300);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/stopped by SIGTERM while waiting/);
  });

  it("exits 3 at its wait timeout", async () => {
    const error = await runRelease(deps(new AbortController().signal, { EB_MIGRATE_FALLBACK: "off", EB_MIGRATE_LEASE_SECONDS: "3", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "4" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/waited 4 s for the release/);
  });
});
