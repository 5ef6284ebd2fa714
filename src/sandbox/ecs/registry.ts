// The sandbox ECS's registry: clusters (CreateCluster) and task definitions by family and
// revision (RegisterTaskDefinition, DescribeTaskDefinition), and how a request's cluster or
// task definition reference (name, family[:revision] or ARN) resolves. As on ECS, a revision
// keeps the request's members and gets the read-only ones (taskDefinitionArn, revision, status,
// compatibilities, requiresAttributes, registeredAt, registeredBy); its tags are kept beside it
// and DescribeTaskDefinition answers them (top-level `tags`) only with `include: ["TAGS"]`.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
import { REGISTER_MEMBERS } from "../../ecs/deployment-image.js";
import { AwsError } from "../wire-errors.js";
import { checkTags, type Tag } from "./tags.js";

export type Json = Record<string, unknown>;

export const epochSeconds = () => Date.now() / 1000;

export interface ContainerDefinition {
  name: string;
  command?: string[];
  entryPoint?: string[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
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

/** What ECS derives from a revision (an approximation of its rules: the capabilities the sandbox's callers meet). */
function requiresAttributes(input: Json, defs: ContainerDefinition[]): { name: string }[] {
  const names = new Set<string>();
  for (const c of defs) {
    if (c.logConfiguration?.logDriver === "awslogs") {
      names.add("com.amazonaws.ecs.capability.logging-driver.awslogs");
      names.add("com.amazonaws.ecs.capability.docker-remote-api.1.19");
      if (input.executionRoleArn) names.add("ecs.capability.execution-role-awslogs");
    }
    for (const secret of c.secrets ?? []) {
      names.add(String(secret.valueFrom).includes(":secretsmanager:") ? "ecs.capability.secrets.asm.environment-variables" : "ecs.capability.secrets.ssm.environment-variables");
    }
    if (/\.dkr\.ecr\./.test(c.image ?? "")) {
      names.add("com.amazonaws.ecs.capability.ecr-auth");
      if (input.executionRoleArn) names.add("ecs.capability.execution-role-ecr-pull");
    }
  }
  if (input.taskRoleArn) names.add("com.amazonaws.ecs.capability.task-iam-role");
  if (input.networkMode === "awsvpc") names.add("ecs.capability.task-eni");
  return [...names].map((name) => ({ name }));
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
  const tagsOf = new Map<string, Tag[]>();
  const account = arnBase.split(":")[4] ?? "000000000000";

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
        const tags = checkTags(input.tags);
        const revisions = families.get(family) ?? [];
        const revision = revisions.length + 1;
        const kept: Json = {};
        // The request members a revision keeps (all but `tags`): the client's list, which the
        // compiler holds to the SDK's RegisterTaskDefinition input (deployment-image.ts).
        for (const member of REGISTER_MEMBERS) if (input[member] !== undefined) kept[member] = input[member];
        const networkMode = typeof input.networkMode === "string" ? input.networkMode : undefined;
        const definition: TaskDefinition = {
          ...kept,
          family,
          revision,
          status: "ACTIVE",
          taskDefinitionArn: `${arnBase}:task-definition/${family}:${revision}`,
          containerDefinitions: defs as ContainerDefinition[],
          requiresAttributes: requiresAttributes(input, defs as ContainerDefinition[]),
          compatibilities: ["EC2", ...(networkMode === "awsvpc" && input.cpu !== undefined && input.memory !== undefined ? ["FARGATE"] : [])],
          registeredAt: epochSeconds(),
          registeredBy: `arn:aws:sts::${account}:assumed-role/aws-elasticbeanstalk-ec2-role/sandbox`,
        };
        revisions.push(definition);
        families.set(family, revisions);
        tagsOf.set(definition.taskDefinitionArn, tags);
        return { taskDefinition: definition, tags };
      },
      DescribeTaskDefinition(input) {
        const definition = definitionOf(input.taskDefinition);
        const include = Array.isArray(input.include) ? input.include : [];
        return { taskDefinition: definition, ...(include.includes("TAGS") ? { tags: tagsOf.get(definition.taskDefinitionArn) ?? [] } : {}) };
      },
    },
  };
}
