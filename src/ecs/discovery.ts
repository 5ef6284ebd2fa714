// On Elastic Beanstalk's ECS platform the cluster and task definition can be left unset: the
// instance is an ECS container instance, so it knows its cluster (the agent's config file and
// introspection API, both documented by ECS) and runs the environment's task (family observed
// as "awseb-…", not documented by EB: we use its family, i.e. the latest ACTIVE revision).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";

/** The ECS container agent's introspection API (ECS developer guide: "container agent introspection"). */
export const DEFAULT_AGENT_URL = "http://127.0.0.1:51678";
/** The agent's configuration file; ECS_CLUSTER names the cluster the instance joined. */
export const ECS_CONFIG_FILE = "etc/ecs/ecs.config";
const AGENT_TIMEOUT_MS = 2_000;

export interface DiscoveryInput {
  cluster?: string;
  taskDefinition?: string;
  /** EB_MIGRATE_ROOT: prefixes the on-instance files read. */
  root: string;
  agentUrl: string;
  log: Logger;
  fetchJson?: (url: string) => Promise<unknown>;
}

export interface EcsTarget {
  cluster: string;
  taskDefinition: string;
}

export async function discoverEcsTarget(input: DiscoveryInput): Promise<EcsTarget> {
  const fetchJson = input.fetchJson ?? defaultFetchJson;
  let cluster = input.cluster;
  if (cluster === undefined) {
    cluster = await clusterFromConfigFile(input.root);
    if (cluster !== undefined) input.log.info("ECS cluster from the agent's configuration", { cluster, file: `/${ECS_CONFIG_FILE}` });
  }
  if (cluster === undefined) {
    const metadata = await agent(fetchJson, `${input.agentUrl}/v1/metadata`);
    const found = (metadata as { Cluster?: unknown } | undefined)?.Cluster;
    if (typeof found === "string" && found !== "") {
      cluster = found;
      input.log.info("ECS cluster from the ECS agent", { cluster });
    }
  }
  if (cluster === undefined) {
    throw new ConfigError("EB_MIGRATE_MODE=ecs needs EB_MIGRATE_ECS_CLUSTER (this instance is not an ECS container instance, so the cluster cannot be discovered)");
  }
  let taskDefinition = input.taskDefinition;
  if (taskDefinition === undefined) {
    const listing = await agent(fetchJson, `${input.agentUrl}/v1/tasks`);
    const tasks = (listing as { Tasks?: { Family?: unknown }[] } | undefined)?.Tasks ?? [];
    const families = [...new Set(tasks.map((t) => t.Family).filter((f): f is string => typeof f === "string" && f.startsWith("awseb-")))];
    if (families.length === 1) {
      taskDefinition = families[0]!;
      input.log.warn("ECS task definition discovered from the task running on this instance: its latest ACTIVE revision is used; set EB_MIGRATE_ECS_TASK_DEFINITION to be explicit", { taskDefinition });
    } else {
      const why = families.length === 0 ? "no Elastic Beanstalk task runs on this instance" : `several Elastic Beanstalk task families run here (${families.join(", ")})`;
      throw new ConfigError(`EB_MIGRATE_MODE=ecs needs EB_MIGRATE_ECS_TASK_DEFINITION (${why})`);
    }
  }
  return { cluster, taskDefinition };
}

async function clusterFromConfigFile(root: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, ECS_CONFIG_FILE), "utf8");
  } catch {
    return undefined; // not an ECS container instance
  }
  const match = /^\s*ECS_CLUSTER\s*=\s*"?([^"\s]+)"?\s*$/m.exec(text);
  return match?.[1];
}

/** The agent's answer, or undefined when no agent listens (not an ECS instance). */
async function agent(fetchJson: (url: string) => Promise<unknown>, url: string): Promise<unknown> {
  try {
    return await fetchJson(url);
  } catch {
    return undefined;
  }
}

async function defaultFetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(AGENT_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}
