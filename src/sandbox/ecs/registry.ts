// The sandbox ECS's registry: clusters (CreateCluster) and task definitions by family and
// revision (RegisterTaskDefinition, DescribeTaskDefinition), and how a request's cluster or
// task definition reference (name, family[:revision] or ARN) resolves.
import { AwsError } from "../wire-errors.js";

export type Json = Record<string, unknown>;

export const epochSeconds = () => Date.now() / 1000;

export interface ContainerDefinition {
  name: string;
  command?: string[];
  entryPoint?: string[];
  environment?: { name: string; value: string }[];
  workingDirectory?: string;
  essential?: boolean;
  image?: string;
  logConfiguration?: { logDriver?: string; options?: Record<string, string> };
}

export interface TaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  status: "ACTIVE" | "INACTIVE";
  networkMode?: string;
  requiresCompatibilities?: string[];
  containerDefinitions: ContainerDefinition[];
  registeredAt: number;
  [key: string]: unknown;
}

export interface Cluster {
  clusterName: string;
  clusterArn: string;
}

export interface EcsRegistry {
  /** The cluster a request names (the default one when it names none); ClusterNotFoundException otherwise. */
  clusterOf(ref: unknown): Cluster;
  /** The task definition a request names (family: its latest ACTIVE revision); ClientException otherwise. */
  definitionOf(ref: unknown): TaskDefinition;
  operations: Record<string, (input: Json) => Json>;
}

/** `arnBase`: "arn:aws:ecs:<region>:<account>". */
export function createEcsRegistry(arnBase: string): EcsRegistry {
  const clusters = new Map<string, Cluster>();
  const families = new Map<string, TaskDefinition[]>();

  const clusterOf = (ref: unknown) => {
    const name = typeof ref === "string" && ref !== "" ? ref.replace(/^arn:[^:]+:ecs:[^:]*:\d*:cluster\//, "") : "default";
    const cluster = clusters.get(name);
    if (!cluster) throw new AwsError("ClusterNotFoundException", "Cluster not found.");
    return cluster;
  };

  const definitionOf = (ref: unknown): TaskDefinition => {
    if (typeof ref !== "string" || ref === "") throw new AwsError("ClientException", "TaskDefinition can not be blank.");
    const bare = ref.replace(/^arn:[^:]+:ecs:[^:]*:\d*:task-definition\//, "");
    const [family, rev] = bare.split(":");
    const revisions = families.get(family ?? "") ?? [];
    const found = rev === undefined ? revisions.filter((d) => d.status === "ACTIVE").at(-1) : revisions.find((d) => d.revision === Number(rev));
    if (!found) throw new AwsError("ClientException", "Unable to describe task definition.");
    return found;
  };

  return {
    clusterOf,
    definitionOf,
    operations: {
      CreateCluster(input) {
        const clusterName = typeof input.clusterName === "string" && input.clusterName ? input.clusterName : "default";
        if (!clusters.has(clusterName)) clusters.set(clusterName, { clusterName, clusterArn: `${arnBase}:cluster/${clusterName}` });
        return { cluster: { ...clusters.get(clusterName)!, status: "ACTIVE" } };
      },
      RegisterTaskDefinition(input) {
        const family = String(input.family ?? "");
        if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) throw new AwsError("ClientException", "Family contains invalid characters.");
        const defs = input.containerDefinitions;
        if (!Array.isArray(defs) || defs.length === 0) throw new AwsError("ClientException", "Container list cannot be empty.");
        const revisions = families.get(family) ?? [];
        const revision = revisions.length + 1;
        const definition: TaskDefinition = {
          ...input,
          family,
          revision,
          status: "ACTIVE",
          taskDefinitionArn: `${arnBase}:task-definition/${family}:${revision}`,
          containerDefinitions: defs as ContainerDefinition[],
          registeredAt: epochSeconds(),
        };
        revisions.push(definition);
        families.set(family, revisions);
        return { taskDefinition: definition };
      },
      DescribeTaskDefinition(input) {
        return { taskDefinition: definitionOf(input.taskDefinition) };
      },
    },
  };
}
