// The tool's table as the lease and the release records use it: a consistent read, and one
// conditional write whose unknown outcome (timeout, 5xx, a lost answer) is resolved by reading
// the item again — never by assuming. Every call takes the caller's abort signal.
import { GetItemCommand, type AttributeValue, type DynamoDBClient, type PutItemCommand, type UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { classifyDynamoError, tableError } from "./errors.js";

export type Key = Record<string, AttributeValue>;
export type Item = Record<string, AttributeValue>;

/** What a read-back found: our write is there, or it is not (and never will be). */
export type ReadBack = "written" | "refused";

export interface WriteResult {
  written: boolean;
  /** ReturnValues of the write, when it answered. */
  attributes?: Item;
}

export class ItemTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
  ) {}

  async read(key: Key, signal?: AbortSignal): Promise<Item | undefined> {
    try {
      const out = await this.client.send(new GetItemCommand({ TableName: this.name, Key: key, ConsistentRead: true }), signal ? { abortSignal: signal } : {});
      return out.Item;
    } catch (error) {
      throw tableError(error, this.name);
    }
  }

  /**
   * Sends a conditional PutItem/UpdateItem. A failed condition is `written: false`; an unknown
   * outcome asks `readBack` (which reads the item and tells whether our write is in it, or throws
   * TableUnavailableError when it still cannot tell). A refused request (ValidationException)
   * throws TableRefusedError, a missing table or denied access TableUnusableError.
   */
  async writeConditionally(command: PutItemCommand | UpdateItemCommand, readBack: () => Promise<ReadBack>, signal?: AbortSignal): Promise<WriteResult> {
    try {
      const out = (await this.client.send(command as UpdateItemCommand, signal ? { abortSignal: signal } : {})) as { Attributes?: Item };
      return { written: true, ...(out.Attributes ? { attributes: out.Attributes } : {}) };
    } catch (error) {
      const failure = classifyDynamoError(error);
      if (failure.kind === "condition-failed") return { written: false };
      if (failure.kind !== "unavailable") throw tableError(error, this.name);
      return { written: (await readBack()) === "written" };
    }
  }
}
