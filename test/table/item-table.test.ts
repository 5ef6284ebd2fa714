// The one conditional write against the sandbox's real DynamoDB engine: an unknown outcome is
// resolved by reading back, a failed condition is an answer, a refused item (ValidationException)
// is permanent — and the release outcome is then written once more in a reduced form.
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ReleaseRecord } from "../../src/release/record-item.js";
import { ReleaseStore, STORED_TAIL_BYTES } from "../../src/release/record.js";
import { systemClock } from "../../src/runtime/clock.js";
import { sandboxClientConfig, startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { TableRefusedError } from "../../src/table/errors.js";
import { ItemTable } from "../../src/table/item-table.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ instances: 1 });
});
afterAll(async () => sandbox?.stop());
afterEach(() => sandbox.clearFaults());

/** One attempt per call, through the fault proxy; `loseNext` lets a write land and loses its answer. */
function client(): { client: DynamoDBClient; loseNext(): void } {
  const state = sandbox.state();
  const c = new DynamoDBClient({ ...sandboxClientConfig(state, state.endpoints.dynamodb), maxAttempts: 1 });
  let lose = false;
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (lose && /^PutItem/.test(context.commandName ?? "")) {
        lose = false;
        throw Object.assign(new Error("socket hang up after the request was sent"), { name: "TimeoutError" });
      }
      return result;
    },
    { step: "initialize", name: "loseAnswer" },
  );
  return { client: c, loseNext: () => (lose = true) };
}

let n = 0;
const put = (pk: string, condition = "attribute_not_exists(pk)") =>
  new PutItemCommand({ TableName: "eb-migrate", Item: { pk: { S: pk }, n: { N: String(++n) } }, ConditionExpression: condition });

describe("ItemTable.writeConditionally", () => {
  it("a write whose answer was lost is resolved by the read-back: written", async () => {
    const { client: c, loseNext } = client();
    const table = new ItemTable(c, "eb-migrate");
    let readBacks = 0;
    loseNext();
    const result = await table.writeConditionally(put("t#lost"), async () => {
      readBacks++;
      return (await table.read({ pk: { S: "t#lost" } })) ? "written" : "refused";
    });
    expect(result.written).toBe(true);
    expect(readBacks).toBe(1);
  });

  it("a write that never reached DynamoDB is resolved by the read-back: not written", async () => {
    const { client: c } = client();
    const table = new ItemTable(c, "eb-migrate");
    sandbox.injectFault({ service: "dynamodb", operation: "PutItem", error: "InternalServerError", count: 1 });
    const result = await table.writeConditionally(put("t#never"), async () => ((await table.read({ pk: { S: "t#never" } })) ? "written" : "refused"));
    expect(result.written).toBe(false);
    expect(await table.read({ pk: { S: "t#never" } })).toBeUndefined();
  });

  it("a failed condition is an answer: no read-back", async () => {
    const { client: c } = client();
    const table = new ItemTable(c, "eb-migrate");
    await table.writeConditionally(put("t#cond"), async () => "refused");
    let readBacks = 0;
    const result = await table.writeConditionally(put("t#cond"), async () => {
      readBacks++;
      return "written";
    });
    expect(result).toEqual({ written: false });
    expect(readBacks).toBe(0);
  });

  it("ValidationException is permanent: TableRefusedError, no read-back, no retry", async () => {
    const { client: c } = client();
    const table = new ItemTable(c, "eb-migrate");
    sandbox.injectFault({ service: "dynamodb", operation: "PutItem", error: "ValidationException", message: "Item size has exceeded the maximum allowed size" });
    let readBacks = 0;
    const error = await table.writeConditionally(put("t#big"), async () => {
      readBacks++;
      return "written";
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TableRefusedError);
    expect(readBacks).toBe(0);
    expect(sandbox.faults()[0]?.hits).toBe(1);
  });
});

const record = (environmentId: string): ReleaseRecord => ({
  environmentId, environmentName: "env", deploymentKey: "v1#1", status: "running", leader: "i-a", attempt: 1,
  fencingToken: 1, electionMode: "lease", mode: "local", command: "migrate", startedAt: new Date().toISOString(),
});

describe("the release outcome when DynamoDB refuses the item", () => {
  it("is written once more with the tail cut down and a line saying so — never left running", async () => {
    const { client: c } = client();
    const releases = new ReleaseStore(c, "eb-migrate", systemClock);
    const r = record("e-refused1");
    expect((await releases.claim(r)).claimed).toBe(true);
    sandbox.injectFault({ service: "dynamodb", operation: "UpdateItem", error: "ValidationException", message: "Item size to update has exceeded the maximum allowed size", count: 1 });
    const tail = Array.from({ length: 50 }, (_, i) => `line ${i} ${"x".repeat(9_000)}`);
    expect(await releases.finish(r, { status: "succeeded", exitCode: 0, durationMs: 5, outputTail: tail })).toBe(true);
    const stored = (await releases.read("e-refused1", "v1#1"))!;
    expect(stored.status).toBe("succeeded");
    expect(stored.outputTail?.[0]).toMatch(/^…\[output cut to its last 5 lines: DynamoDB refused the full record \(.*ValidationException/);
    expect(stored.outputTail).toHaveLength(6);
    expect(stored.outputTail?.[5]).toMatch(/^line 49 x+…\[cut\]$/);
  });

  it("a refusal of the reduced form too is thrown, not retried (two writes in all)", async () => {
    const { client: c } = client();
    const releases = new ReleaseStore(c, "eb-migrate", systemClock);
    const r = record("e-refused2");
    await releases.claim(r);
    sandbox.injectFault({ service: "dynamodb", operation: "UpdateItem", error: "ValidationException" });
    await expect(releases.finish(r, { status: "failed", exitCode: 1, durationMs: 5, outputTail: ["a"] })).rejects.toBeInstanceOf(TableRefusedError);
    expect(sandbox.faults()[0]?.hits).toBe(2);
  });

  it("without injected faults, a huge tail is bounded so the real engine accepts it", async () => {
    const { client: c } = client();
    const releases = new ReleaseStore(c, "eb-migrate", systemClock);
    const r = record("e-bounded");
    await releases.claim(r);
    const tail = Array.from({ length: 50 }, () => "y".repeat(10_000));
    expect(await releases.finish(r, { status: "succeeded", exitCode: 0, durationMs: 5, outputTail: tail })).toBe(true);
    const stored = (await releases.read("e-bounded", "v1#1"))!;
    expect(stored.status).toBe("succeeded");
    expect(Buffer.byteLength(stored.outputTail!.join(""))).toBeLessThanOrEqual(STORED_TAIL_BYTES);
    expect(stored.outputTail![0]).not.toMatch(/output cut/);
  });
});
