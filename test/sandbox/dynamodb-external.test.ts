// --dynamodb-endpoint: the sandbox uses an external DynamoDB-compatible server (here a separate
// dynalite), creates the tool's table there if missing, and still injects faults in front of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import dynalite from "dynalite";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { startSandbox } from "../../src/sandbox/index.js";
import { clientsFor } from "./helpers.js";

let external: Server;
let externalUrl: string;

beforeAll(async () => {
  external = dynalite({ createTableMs: 5 });
  await new Promise<void>((r) => external.listen(0, "127.0.0.1", () => r()));
  externalUrl = `http://127.0.0.1:${(external.address() as AddressInfo).port}`;
});
afterAll(async () => {
  external.closeAllConnections();
  await new Promise((r) => external.close(r));
});

describe("external DynamoDB endpoint", () => {
  it("creates the table there (once), proxies calls and injects faults in front", async () => {
    const direct = new DynamoDBClient({ endpoint: externalUrl, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const first = await startSandbox({ instances: 1, dynamodbEndpoint: externalUrl, environmentProperties: { EB_MIGRATE_TABLE: "shared-locks" } });
    try {
      expect(first.state().endpoints.dynamodbUpstream).toBe(externalUrl);
      expect((await direct.send(new ListTablesCommand({}))).TableNames).toEqual(["shared-locks"]);
      const clients = clientsFor(first.state());
      const ttl = await clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: "shared-locks" }));
      expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe("ENABLED");
      first.injectFault({ service: "dynamodb", operation: "DescribeTable", error: "AccessDeniedException", count: 1 });
      await expect(clients.dynamodb.send(new DescribeTableCommand({ TableName: "shared-locks" }))).rejects.toMatchObject({ name: "AccessDeniedException" });
      expect((await clients.dynamodb.send(new DescribeTableCommand({ TableName: "shared-locks" }))).Table?.TableStatus).toBe("ACTIVE");
      // A second sandbox on the same server finds the table already there.
      const second = await startSandbox({ instances: 1, dynamodbEndpoint: externalUrl, environmentProperties: { EB_MIGRATE_TABLE: "shared-locks" } });
      await second.stop();
    } finally {
      await first.stop();
      direct.destroy();
    }
    // The external server is left running and untouched by stop().
    expect((await new DynamoDBClient({ endpoint: externalUrl, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }).send(new ListTablesCommand({}))).TableNames).toEqual(["shared-locks"]);
  });

  it("fails to start with a clear error when the endpoint is unreachable", async () => {
    await expect(startSandbox({ instances: 1, dynamodbEndpoint: "http://127.0.0.1:1" })).rejects.toThrow(/cannot create or use the table "eb-migrate" at http:\/\/127\.0\.0\.1:1 .*--dynamodb-endpoint/);
  });
});
