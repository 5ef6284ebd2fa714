// A write whose outcome is unknown is resolved by reading again, never by assuming: the
// client below lets DynamoDB apply a write and then loses the answer (as a timeout or a 5xx
// after the fact would), against the sandbox's real DynamoDB engine.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseStore } from "../../src/election/lease.js";
import type { ReleaseRecord } from "../../src/release/record-item.js";
import { ReleaseStore } from "../../src/release/record.js";
import { systemClock } from "../../src/runtime/clock.js";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ instances: 1 });
});
afterAll(async () => sandbox?.stop());

/** A client whose next `n` writes reach DynamoDB but whose answers are lost. */
function lossyClient(): { client: DynamoDBClient; loseNext(n: number): void } {
  const state = sandbox.state();
  const client = new DynamoDBClient({ ...sandboxClientConfig(state, state.endpoints.dynamodbUpstream), maxAttempts: 1 });
  let lose = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (lose > 0 && /^(PutItem|UpdateItem)/.test(context.commandName ?? "")) {
        lose--;
        const error = new Error("socket hang up after the request was sent");
        error.name = "TimeoutError";
        throw error;
      }
      return result;
    },
    { step: "initialize", name: "loseAnswers" },
  );
  return { client, loseNext: (n) => (lose = n) };
}

describe("unknown outcomes", () => {
  it("an acquisition that landed is recognised as ours", async () => {
    const { client, loseNext } = lossyClient();
    const leases = new LeaseStore(client, "eb-migrate", systemClock);
    loseNext(1);
    const held = await leases.acquire("e-unknown1", "i-a", 30, "v1#1", { kind: "fresh" });
    expect(held?.holder).toBe("i-a");
    expect(held?.fencingToken).toBe(1);
    // And nobody else can take it now.
    expect(await leases.acquire("e-unknown1", "i-b", 30, "v1#1", { kind: "fresh" })).toBeUndefined();
  });

  it("a renewal that landed counts as renewed; one that did not is 'unknown', never 'lost'", async () => {
    const { client, loseNext } = lossyClient();
    const leases = new LeaseStore(client, "eb-migrate", systemClock);
    const held = (await leases.acquire("e-unknown2", "i-a", 30, "v1#1", { kind: "fresh" }))!;
    const before = held.recordVersion;
    loseNext(1);
    expect(await leases.renew(held)).toBe("renewed");
    expect(held.recordVersion).not.toBe(before);
    expect((await leases.read("e-unknown2"))?.recordVersion).toBe(held.recordVersion);
  });

  it("a takeover by another instance is 'lost' for the old holder", async () => {
    const { client } = lossyClient();
    const leases = new LeaseStore(client, "eb-migrate", systemClock);
    const a = (await leases.acquire("e-unknown3", "i-a", 30, "v1#1", { kind: "fresh" }))!;
    const b = await leases.acquire("e-unknown3", "i-b", 30, "v1#1", { kind: "takeover", expectVersion: a.recordVersion });
    expect(b?.fencingToken).toBe(a.fencingToken + 1);
    expect(await leases.renew(a)).toBe("lost");
    expect(await leases.release(a)).toBe(false);
    expect((await leases.read("e-unknown3"))?.holder).toBe("i-b");
  });

  it("release records: a claim and a finish that landed are recognised; the fenced leader's writes are refused", async () => {
    const { client, loseNext } = lossyClient();
    const releases = new ReleaseStore(client, "eb-migrate", systemClock);
    const record: ReleaseRecord = {
      environmentId: "e-unknown4", environmentName: "env", deploymentKey: "v1#1", status: "running", leader: "i-a", attempt: 1,
      fencingToken: 1, electionMode: "lease", mode: "local", command: "migrate", startedAt: new Date().toISOString(),
    };
    loseNext(1);
    expect((await releases.claim(record)).claimed).toBe(true);
    // A newer leader (token 2) takes the release over.
    const newer = { ...record, leader: "i-b", fencingToken: 2, attempt: 2 };
    expect((await releases.claim(newer)).claimed).toBe(true);
    // The old leader's outcome is refused: fencing.
    expect(await releases.finish(record, { status: "succeeded", exitCode: 0, durationMs: 1, outputTail: [] })).toBe(false);
    loseNext(1);
    expect(await releases.finish(newer, { status: "succeeded", exitCode: 0, durationMs: 5, outputTail: ["ok"] })).toBe(true);
    const stored = await releases.read("e-unknown4", "v1#1");
    expect(stored).toMatchObject({ status: "succeeded", leader: "i-b", attempt: 2, fencingToken: 2, outputTail: ["ok"] });
    // A finished release is never claimed again.
    expect((await releases.claim({ ...record, fencingToken: 3 })).claimed).toBe(false);
  });
});
