// ecs mode: the revision the leader's task runs. Without EB_MIGRATE_ECS_IMAGE, the configured
// task definition as it is. With it, the family's latest ACTIVE revision when its container
// already runs this deployment's image (reused), else a new revision that differs from it only
// in that container's image, tagged with the deployment. The environment's properties never go
// into it: they travel as RunTask overrides (overrides.ts).
import { RegisterTaskDefinitionCommand, type ECSClient, type RegisterTaskDefinitionCommandInput, type Tag, type TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigError, ReleaseFailedError } from "../cli/errors.js";
import type { Logger } from "../cli/log.js";
import type { Settings } from "../config/settings.js";
import type { Deployment, Identity } from "../instance/types.js";
import { ecsCallError } from "./aws-errors.js";
import { placeholderMeaning, substituteImage, templatePlaceholders, type ImageValues } from "./image-reference.js";
import { chooseContainer, resolveTaskDefinition, type ResolvedTaskDefinition } from "./task-definition.js";

/** The tag a registered revision carries: which deployment it was registered for. */
export const DEPLOYMENT_TAG = "eb-migrate:deployment";

/**
 * The RegisterTaskDefinition request's members (ECS API reference, RegisterTaskDefinition) that a
 * TaskDefinition also has, copied as they are. What DescribeTaskDefinition adds (taskDefinitionArn,
 * revision, status, requiresAttributes, compatibilities, registeredAt, registeredBy,
 * deregisteredAt, deleteRequestedAt) is ECS's to set and never sent back.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
 */
export const REGISTER_MEMBERS = [
  "family",
  "taskRoleArn",
  "executionRoleArn",
  "networkMode",
  "containerDefinitions",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "cpu",
  "memory",
  "pidMode",
  "ipcMode",
  "proxyConfiguration",
  "inferenceAccelerators",
  "ephemeralStorage",
  "runtimePlatform",
  "enableFaultInjection",
] as const satisfies readonly (keyof RegisterTaskDefinitionCommandInput & keyof TaskDefinition)[];

// Every request member is either copied or `tags` (set below): an SDK that grows a member fails
// to compile here until someone decides whether a new revision must carry it.
type Uncopied = Exclude<keyof RegisterTaskDefinitionCommandInput, (typeof REGISTER_MEMBERS)[number] | "tags">;
const everyMemberCopied: [Uncopied] extends [never] ? true : Uncopied = true;
void everyMemberCopied;

export interface DeploymentRevisionInput {
  ecs: ECSClient;
  settings: Settings;
  identity: Identity;
  deployment: Deployment;
  /** The task definition as configured or discovered: a family or an ARN without a pinned revision when EB_MIGRATE_ECS_IMAGE is set. */
  taskDefinition: string;
  log: Logger;
}

/** The revision (and its container) the task runs for this deployment; see the file comment. */
export async function deploymentRevision(input: DeploymentRevisionInput): Promise<ResolvedTaskDefinition> {
  const { ecs, settings, log } = input;
  const template = settings.ecs.image;
  const latest = await resolveTaskDefinition(ecs, input.taskDefinition, settings.ecs.container, { tags: template !== undefined });
  const latestArn = latest.definition.taskDefinitionArn ?? input.taskDefinition;
  const container = latest.container.name;
  if (template === undefined) {
    log.info("the task runs the task definition's image as it is (EB_MIGRATE_ECS_IMAGE is not set, so it was not changed for this deployment)", { taskDefinition: latestArn, container, image: latest.container.image });
    return latest;
  }
  const image = deploymentImage(template, input.identity, input.deployment);
  if (latest.container.image === image) {
    log.info("the task definition's latest revision already runs this deployment's image: reused", { taskDefinition: latestArn, container, image });
    return latest;
  }
  const request = registrationRequest(latest.definition, container, image, latest.tags ?? [], input.deployment);
  let registered: TaskDefinition | undefined;
  try {
    registered = (await ecs.send(new RegisterTaskDefinitionCommand(request))).taskDefinition;
  } catch (error) {
    throw ecsCallError(
      `RegisterTaskDefinition of family ${request.family} for image ${image}`,
      error,
      "the instance role needs ecs:RegisterTaskDefinition, ecs:TagResource for the revision's tags and iam:PassRole for the task definition's roles (see \"eb-migrate policy --mode ecs\"); or unset EB_MIGRATE_ECS_IMAGE to run the task definition as it is",
    );
  }
  if (!registered?.taskDefinitionArn) throw new ReleaseFailedError(`RegisterTaskDefinition of family ${request.family} answered no task definition`);
  log.info("registered a task definition revision for this deployment's image", { taskDefinition: registered.taskDefinitionArn, basedOn: latestArn, container, image, previousImage: latest.container.image });
  return { definition: registered, container: chooseContainer(registered, container) };
}

/** EB_MIGRATE_ECS_IMAGE with this deployment's values; a ConfigError naming the value that does not fit. */
export function deploymentImage(template: string, identity: Identity, deployment: Deployment): string {
  const values: ImageValues = {
    ...(deployment.versionLabel ? { version_label: deployment.versionLabel } : {}),
    ...(deployment.deploymentId ? { deployment_id: deployment.deploymentId } : {}),
    environment: identity.environmentName,
  };
  const result = substituteImage(template, values);
  if ("missing" in result) {
    throw new ConfigError(
      `EB_MIGRATE_ECS_IMAGE=${JSON.stringify(template)} uses {${result.missing}}, but this deployment has no ${placeholderMeaning(result.missing).replace(/^the (deployment's )?/, "")} (it was identified by its ${deployment.source}); use only placeholders it has, or deploy an application version (eb deploy) so it has one`,
    );
  }
  if ("problem" in result) {
    const used = templatePlaceholders(template)
      .map((p) => `{${p}} is ${JSON.stringify(values[p])}`)
      .join(", ");
    throw new ConfigError(
      `EB_MIGRATE_ECS_IMAGE=${JSON.stringify(template)} gives ${JSON.stringify(result.image)} for this deployment, which is not an image reference: ${result.problem}${used ? ` (${used})` : ""}. eb-migrate does not rewrite it into another image's name: deploy with a version label that fits (eb deploy --label …), or change EB_MIGRATE_ECS_IMAGE`,
    );
  }
  return result.image;
}

/**
 * The request that registers `latest` again with `image` in the container named `container`,
 * and nothing else changed: no environment entry or secret is added, removed or altered. Its
 * tags are the latest revision's (without the `aws:` ones, which only AWS may set) plus the
 * deployment's.
 */
export function registrationRequest(latest: TaskDefinition, container: string, image: string, tags: readonly Tag[], deployment: Deployment): RegisterTaskDefinitionCommandInput {
  const copied: Partial<Record<(typeof REGISTER_MEMBERS)[number], unknown>> = {};
  for (const member of REGISTER_MEMBERS) if (latest[member] !== undefined) copied[member] = latest[member];
  const request = copied as RegisterTaskDefinitionCommandInput;
  request.containerDefinitions = (latest.containerDefinitions ?? []).map((c) => (c.name === container ? { ...c, image } : c));
  const kept = tags.filter((t) => t.key !== DEPLOYMENT_TAG && !/^aws:/i.test(t.key ?? ""));
  request.tags = [...kept, { key: DEPLOYMENT_TAG, value: deploymentTagValue(deployment) }];
  return request;
}

/**
 * The deployment key as a tag value: ECS tag values allow letters, digits, spaces and + - = . _ : / @
 * (ECS API reference, Tag), so the key's "#" becomes "-" as in startedBy; at most 256 characters.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html
 */
export function deploymentTagValue(deployment: Deployment): string {
  return deployment.key.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, "-").slice(0, 256);
}
