// The task definition to run (DescribeTaskDefinition; a revision is registered only for
// EB_MIGRATE_ECS_IMAGE, see deployment-image.ts) and the container in it that runs the command:
// EB_MIGRATE_ECS_CONTAINER, else the one essential container.
import { DescribeTaskDefinitionCommand, type ContainerDefinition, type ECSClient, type Tag, type TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigError } from "../cli/errors.js";
import { ecsCallError } from "./aws-errors.js";

export interface ResolvedTaskDefinition {
  definition: TaskDefinition;
  container: ContainerDefinition & { name: string };
  /** The revision's tags, when asked for (`include: ["TAGS"]`; ECS sends none otherwise). */
  tags?: Tag[];
}

export async function resolveTaskDefinition(ecs: ECSClient, ref: string, containerName: string | undefined, options: { tags?: boolean } = {}): Promise<ResolvedTaskDefinition> {
  let definition: TaskDefinition | undefined;
  let tags: Tag[] | undefined;
  try {
    const answer = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref, ...(options.tags ? { include: ["TAGS"] } : {}) }));
    definition = answer.taskDefinition;
    tags = answer.tags;
  } catch (error) {
    throw ecsCallError(`DescribeTaskDefinition ${ref}`, error, "check EB_MIGRATE_ECS_TASK_DEFINITION (family, family:revision or ARN) and ecs:DescribeTaskDefinition");
  }
  if (!definition) throw new ConfigError(`task definition ${ref} was not found; check EB_MIGRATE_ECS_TASK_DEFINITION`);
  return { definition, container: chooseContainer(definition, containerName), ...(options.tags ? { tags: tags ?? [] } : {}) };
}

export function chooseContainer(definition: TaskDefinition, containerName: string | undefined): ContainerDefinition & { name: string } {
  const containers = (definition.containerDefinitions ?? []).filter((c): c is ContainerDefinition & { name: string } => typeof c.name === "string");
  const names = containers.map((c) => c.name).join(", ");
  if (containerName !== undefined) {
    const found = containers.find((c) => c.name === containerName);
    if (!found) throw new ConfigError(`EB_MIGRATE_ECS_CONTAINER=${containerName} is not a container of ${definition.taskDefinitionArn}: expected one of ${names}`);
    return found;
  }
  // A container is essential unless it says otherwise (ECS default).
  const essential = containers.filter((c) => c.essential !== false);
  if (essential.length === 1) return essential[0]!;
  if (containers.length === 1) return containers[0]!;
  throw new ConfigError(`${definition.taskDefinitionArn} has ${essential.length} essential containers (${names}); set EB_MIGRATE_ECS_CONTAINER to the one that runs the command`);
}

/** Where the container's awslogs output goes, if it uses the awslogs driver. */
export interface LogLocation {
  group: string;
  stream: string;
  region?: string;
}

export function logLocation(container: ContainerDefinition & { name: string }, taskArn: string): LogLocation | undefined {
  const config = container.logConfiguration;
  if (config?.logDriver !== "awslogs") return undefined;
  const group = config.options?.["awslogs-group"];
  if (!group) return undefined;
  const prefix = config.options?.["awslogs-stream-prefix"];
  const taskId = taskArn.split("/").at(-1)!;
  // awslogs driver: "prefix-name/container-name/ecs-task-id"; without a prefix (EC2 only) the
  // stream is named after the Docker container id, which we cannot know: follow nothing.
  if (!prefix) return undefined;
  return { group, stream: `${prefix}/${container.name}/${taskId}`, region: config.options?.["awslogs-region"] };
}
