// Reference (b): a lease-expiry lock in the style of amazon-dynamodb-lock-client — 20 s lease,
// heartbeat every 5 s (new record version), waiters poll every second and take over a record
// version they saw unchanged for the whole lease on their monotonic clock. No Auto Scaling check.
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { isConditionFailed, sleep, type ReferenceContext } from "./common.js";

export const LEASE_MS = 20_000;
export const HEARTBEAT_MS = 5_000;
export const REFRESH_MS = 1_000;

export async function leaseExpiry(ctx: ReferenceContext): Promise<{ exitCode: number; role: string }> {
  const lock = ctx.key(`ref-b-lock#${ctx.environmentId}`);
  const done = ctx.key(`ref-b-done#${ctx.environmentId}#${ctx.deployment}`);
  let waited = false;
  let seen: { rvn: string; since: number } | undefined;
  while (performance.now() < ctx.deadline) {
    const marked = await ctx.dynamodb.send(new GetItemCommand({ TableName: ctx.table, Key: done, ConsistentRead: true }));
    if (marked.Item) {
      ctx.log("release done", waited ? "released" : "skipped", "follower");
      return { exitCode: 0, role: waited ? "follower" : "skipped" };
    }
    const current = (await ctx.dynamodb.send(new GetItemCommand({ TableName: ctx.table, Key: lock, ConsistentRead: true }))).Item;
    const rvn = current?.rvn?.S;
    let condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, { S: string }> } | undefined;
    if (!current) condition = { ConditionExpression: "attribute_not_exists(pk)" };
    else if (seen && seen.rvn === rvn && performance.now() - seen.since >= LEASE_MS) condition = { ConditionExpression: "rvn = :old", ExpressionAttributeValues: { ":old": { S: rvn! } } };
    else if (!seen || seen.rvn !== rvn) seen = { rvn: rvn ?? "", since: performance.now() };
    if (condition) {
      const mine = randomUUID();
      try {
        await ctx.dynamodb.send(new PutItemCommand({ TableName: ctx.table, Item: { ...lock, owner: { S: ctx.instance }, rvn: { S: mine } }, ...condition }));
        // Checked again under the lock: the previous holder may have finished since our first read.
        if ((await ctx.dynamodb.send(new GetItemCommand({ TableName: ctx.table, Key: done, ConsistentRead: true }))).Item) {
          await ctx.dynamodb.send(new DeleteItemCommand({ TableName: ctx.table, Key: lock }));
          ctx.log("release done", waited ? "released" : "skipped", "follower");
          return { exitCode: 0, role: waited ? "follower" : "skipped" };
        }
        return await lead(ctx, lock, done, mine, current !== undefined);
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        seen = undefined;
      }
    }
    if (!waited) ctx.log("lock held; polling every second", "waiting", "follower");
    waited = true;
    await sleep(REFRESH_MS);
  }
  ctx.log("gave up waiting for the lock", "timeout", "follower");
  return { exitCode: 3, role: "follower" };
}

async function lead(ctx: ReferenceContext, lock: ReturnType<ReferenceContext["key"]>, done: ReturnType<ReferenceContext["key"]>, first: string, takeover: boolean) {
  ctx.log(takeover ? "took over an expired lock" : "acquired the lock", takeover ? "takeover" : "leader", "leader");
  let rvn = first;
  const beat = setInterval(() => {
    const next = randomUUID();
    void ctx.dynamodb
      .send(new PutItemCommand({ TableName: ctx.table, Item: { ...lock, owner: { S: ctx.instance }, rvn: { S: next } }, ConditionExpression: "rvn = :old", ExpressionAttributeValues: { ":old": { S: rvn } } }))
      .then(() => (rvn = next))
      .catch(() => undefined);
  }, HEARTBEAT_MS);
  ctx.log("running command", "running", "leader");
  const code = await ctx.runCommand();
  clearInterval(beat);
  if (code === 0) await ctx.dynamodb.send(new PutItemCommand({ TableName: ctx.table, Item: { ...done } }));
  await ctx.dynamodb.send(new DeleteItemCommand({ TableName: ctx.table, Key: lock, ConditionExpression: "#o = :me", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":me": { S: ctx.instance } } })).catch(() => undefined);
  ctx.log(code === 0 ? "release succeeded" : "release failed", code === 0 ? "succeeded" : "failed", "leader");
  return { exitCode: code === 0 ? 0 : 1, role: "leader" };
}
