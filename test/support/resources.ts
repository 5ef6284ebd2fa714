// Sandboxes and databases a test makes, stopped and dropped after it whatever happened.
import { afterEach } from "vitest";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/index.js";
import { createDatabase, type TestDatabase } from "./postgres.js";

export interface TestResources {
  sandbox(options?: SandboxOptions): Promise<Sandbox>;
  database(prefix?: string): Promise<TestDatabase>;
}

/** Call once at the top of a test file. */
export function perTestResources(): TestResources {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async sandbox(options) {
      const sandbox = await startSandbox(options);
      cleanups.push(() => sandbox.stop());
      return sandbox;
    },
    async database(prefix) {
      const db = await createDatabase(prefix);
      cleanups.push(() => db.drop());
      return db;
    },
  };
}
