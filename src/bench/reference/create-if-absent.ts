// Reference (a): the lock people write by hand (Terraform-style) — PutItem if absent, no lease,
// sleep 1 s and poll. Whoever creates the item runs the command, marks the deployment done and
// deletes the item. A holder that dies leaves the item forever: nobody ever takes over.
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { isConditionFailed, sleep, type ReferenceContext } from "./common.js";

export const POLL_MS = 1_000;

export async function createIfAbsent(ctx: ReferenceContext): Promise<{ exitCode: number; role: string }> {
  const lock = ctx.key(`ref-a-lock#${ctx.environmentId}`);
  const done = ctx.key(`ref-a-done#${ctx.environmentId}#${ctx.deployment}`);
  let waited = false;
  while (performance.now() < ctx.deadline) {
    const marked = await ctx.dynamodb.send(new GetItemCommand({ TableName: ctx.table, Key: done, ConsistentRead: true }));
    if (marked.Item) {
      ctx.log("release done", waited ? "released" : "skipped", "follower");
      return { exitCode: 0, role: waited ? "follower" : "skipped" };
    }
    try {
      await ctx.dynamodb.send(new PutItemCommand({ TableName: ctx.table, Item: { ...lock, holder: { S: ctx.instance } }, ConditionExpression: "attribute_not_exists(pk)" }));
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      if (!waited) ctx.log("lock taken; polling every second", "waiting", "follower");
      waited = true;
      await sleep(POLL_MS);
      continue;
    }
    // Checked again under the lock: the previous holder may have finished since our first read.
    if ((await ctx.dynamodb.send(new GetItemCommand({ TableName: ctx.table, Key: done, ConsistentRead: true }))).Item) {
      await ctx.dynamodb.send(new DeleteItemCommand({ TableName: ctx.table, Key: lock }));
      ctx.log("release done", waited ? "released" : "skipped", "follower");
      return { exitCode: 0, role: waited ? "follower" : "skipped" };
    }
    ctx.log("created the lock item", "leader", "leader");
    ctx.log("running command", "running", "leader");
    const code = await ctx.runCommand();
    if (code === 0) await ctx.dynamodb.send(new PutItemCommand({ TableName: ctx.table, Item: { ...done } }));
    await ctx.dynamodb.send(new DeleteItemCommand({ TableName: ctx.table, Key: lock }));
    ctx.log(code === 0 ? "release succeeded" : "release failed", code === 0 ? "succeeded" : "failed", "leader");
    return { exitCode: code === 0 ? 0 : 1, role: "leader" };
  }
  ctx.log("gave up waiting for the lock", "timeout", "follower");
  return { exitCode: 3, role: "follower" };
}
