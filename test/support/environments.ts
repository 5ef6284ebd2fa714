// Two Elastic Beanstalk environments on one database (a web and a worker tier deployed from one
// source bundle): two sandboxes sharing one lease table, each with its own environment id.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sandbox } from "../../src/sandbox/index.js";
import { copyDjangoApp, migrateCommand, runManagePy } from "./django.js";
import { runFleet, stageDjangoApp, type InstanceRun } from "./fleet.js";
import type { TestResources } from "./resources.js";

export async function twoEnvironments(resources: TestResources, properties: Record<string, string>, instances = 3): Promise<[Sandbox, Sandbox]> {
  const environmentProperties = { EB_MIGRATE_COMMAND: migrateCommand(), EB_MIGRATE_LEASE_SECONDS: "10", EB_MIGRATE_WAIT_TIMEOUT_SECONDS: "120", ...properties };
  const web = await resources.sandbox({ instances, environmentName: "shop-web", environmentProperties });
  const worker = await resources.sandbox({ instances, environmentName: "shop-worker", environmentProperties, dynamodbEndpoint: web.endpoints.dynamodbUpstream });
  for (const s of [web, worker]) await s.deploy({ versionLabel: "v2" });
  return [web, worker];
}

/** Brings a database to the state of a running app: 0001 applied, 0002 (data) and 0003 to come. */
export async function migrateToInitial(dbEnv: Record<string, string>): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), "eb-migrate-initial-"));
  try {
    const result = await runManagePy(await copyDjangoApp(join(scratch, "app")), ["migrate", "shop", "0001", "--noinput"], { ...dbEnv, PYTHONDONTWRITEBYTECODE: "1" });
    if (result.exitCode !== 0) throw new Error(`migrate shop 0001 failed:\n${result.stderr}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Every instance of both environments runs the deploy hook at once. */
export async function deployBoth(sandboxes: Sandbox[], env: Record<string, string>): Promise<InstanceRun[]> {
  const instances = sandboxes.flatMap((s) => s.state().instances);
  for (const i of instances) await stageDjangoApp(i);
  return await runFleet(instances, (i) => ({ cwd: `${i.env.EB_MIGRATE_ROOT}/var/app/staging`, env }));
}

/** The environment (sandbox) an instance belongs to. */
export function environmentOf(sandboxes: Sandbox[], instanceId: string): Sandbox {
  const found = sandboxes.find((s) => s.state().instances.some((i) => i.id === instanceId));
  if (!found) throw new Error(`${instanceId} is in neither environment`);
  return found;
}
