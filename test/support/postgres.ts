// Fresh PostgreSQL databases for tests, on the throw-away server that global-setup.ts starts.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { QueryResultRow } from "pg";
import { inject } from "vitest";

import type { PostgresServer } from "../../src/dev/postgres-cluster.js";

export type { PostgresServer };

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresServer;
  }
}

/** The same facts for child processes and scripts outside vitest's workers. */
export const POSTGRES_ENV = {
  host: "EB_MIGRATE_TEST_PGHOST",
  port: "EB_MIGRATE_TEST_PGPORT",
  user: "EB_MIGRATE_TEST_PGUSER",
} as const;

export interface TestDatabase {
  name: string;
  /** postgres://user@host:port/name */
  url: string;
  /** What the Django fixture app reads to find this database. */
  env: Record<string, string>;
  query<R extends QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

export function postgresServer(): PostgresServer {
  const fromEnv = serverFromEnv(process.env);
  if (fromEnv) return fromEnv;
  try {
    return inject("postgres");
  } catch (cause) {
    throw new Error(
      `No test PostgreSQL server: run under vitest (test/support/global-setup.ts starts one) or set ${POSTGRES_ENV.host} and ${POSTGRES_ENV.port}`,
      { cause },
    );
  }
}

export function serverFromEnv(env: NodeJS.ProcessEnv): PostgresServer | undefined {
  const host = env[POSTGRES_ENV.host];
  const port = env[POSTGRES_ENV.port];
  if (!host || !port) return undefined;
  return { host, port: Number(port), user: env[POSTGRES_ENV.user] || "postgres" };
}

export function serverEnv(server: PostgresServer): Record<string, string> {
  return {
    [POSTGRES_ENV.host]: server.host,
    [POSTGRES_ENV.port]: String(server.port),
    [POSTGRES_ENV.user]: server.user,
  };
}

let databasesCreated = 0;

export async function createDatabase(prefix = "t"): Promise<TestDatabase> {
  const server = postgresServer();
  const name = databaseName(prefix);
  await withClient(server, "postgres", (client) => client.query(`CREATE DATABASE "${name}"`));

  let client: Promise<pg.Client> | undefined;
  const connected = (): Promise<pg.Client> => {
    client ??= (async () => {
      const c = new pg.Client({ ...clientConfig(server), database: name });
      await c.connect();
      return c;
    })();
    return client;
  };
  const url = `postgres://${encodeURIComponent(server.user)}@${server.host}:${server.port}/${name}`;

  return {
    name,
    url,
    env: { DATABASE_URL: url },
    async query<R extends QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]> {
      const result = await (await connected()).query<R>(sql, params);
      return result.rows;
    },
    async drop() {
      if (client) await (await client).end().catch(() => undefined);
      client = undefined;
      await withClient(server, "postgres", (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

function databaseName(prefix: string): string {
  databasesCreated += 1;
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 30);
  return `${clean}_${process.pid}_${databasesCreated}_${randomBytes(3).toString("hex")}`;
}

function clientConfig(server: PostgresServer): pg.ClientConfig {
  return { host: server.host, port: server.port, user: server.user };
}

async function withClient<T>(server: PostgresServer, database: string, use: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ ...clientConfig(server), database });
  await c.connect();
  try {
    return await use(c);
  } finally {
    await c.end();
  }
}
