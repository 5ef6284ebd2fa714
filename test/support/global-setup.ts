// Test-run set-up: one throw-away PostgreSQL cluster for the whole run (127.0.0.1 only), removed at the end.
import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { DJANGO_PYTHON } from "./django.js";
import { POSTGRES_INSTALL_HINT, startPostgresCluster } from "../../src/dev/postgres-cluster.js";
import { serverEnv, serverFromEnv } from "./postgres.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  checkDjango();
  const external = serverFromEnv(process.env);
  if (external) {
    project.provide("postgres", external);
    return async () => {};
  }
  const cluster = await startPostgresCluster();
  project.provide("postgres", cluster.server);
  Object.assign(process.env, serverEnv(cluster.server));
  return cluster.stop;
}

function checkDjango(): void {
  const probe = spawnSync(DJANGO_PYTHON, ["-c", "import django, psycopg2; print(django.get_version())"], { encoding: "utf8" });
  if (probe.status !== 0) {
    const why = probe.error ? String(probe.error) : probe.stderr.trim().split("\n").pop();
    throw new Error(`${DJANGO_PYTHON} cannot import Django and psycopg2 (${why}). ${POSTGRES_INSTALL_HINT}`);
  }
}
