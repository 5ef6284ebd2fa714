// ecs mode: the settings RunTask needs, the task definition and its container (resolved as
// `run` resolves them), and awsvpc network settings when the task definition needs them.
import type { ECSClient } from "@aws-sdk/client-ecs";
import { EbMigrateError, describeError } from "../../cli/errors.js";
import type { Settings } from "../../config/settings.js";
import { checkEcsSettings } from "../../ecs/settings-check.js";
import { resolveTaskDefinition } from "../../ecs/task-definition.js";
import { fail, pass, skip, type CheckResult } from "../checklist.js";

export interface EcsFacts {
  results: CheckResult[];
  logGroup?: string;
}

export async function checkEcs(ecs: ECSClient, settings: Settings): Promise<EcsFacts> {
  const results: CheckResult[] = [];
  try {
    checkEcsSettings(settings);
    results.push(pass("ECS settings", `cluster ${settings.ecs.cluster ?? "(discovered on the instance)"}, ${settings.ecs.launchType ?? (settings.ecs.capacityProviderStrategy.length ? "capacity provider strategy" : "default launch type")}`));
  } catch (error) {
    results.push(fail("ECS settings", describeError(error).replace(/^ConfigError: /, ""), "change the EB_MIGRATE_ECS_* setting named"));
  }
  const ref = settings.ecs.taskDefinition;
  if (!ref) {
    results.push(skip("ECS task definition", "EB_MIGRATE_ECS_TASK_DEFINITION is not set (discovered from the ECS agent on EB's ECS platform)"));
    return { results };
  }
  let resolved;
  try {
    resolved = await resolveTaskDefinition(ecs, ref, settings.ecs.container);
  } catch (error) {
    const message = error instanceof EbMigrateError ? error.message : describeError(error);
    results.push(fail("ECS task definition", message, "set EB_MIGRATE_ECS_TASK_DEFINITION (and EB_MIGRATE_ECS_CONTAINER) to a registered task definition and container"));
    return { results };
  }
  const { definition, container } = resolved;
  results.push(pass("ECS task definition", `${definition.taskDefinitionArn ?? ref}, container ${container.name}, network mode ${definition.networkMode ?? "bridge"}`));
  if (definition.networkMode === "awsvpc") {
    results.push(
      settings.ecs.subnets.length > 0
        ? pass("ECS network", `awsvpc: subnets ${settings.ecs.subnets.join(",")}${settings.ecs.securityGroups.length ? `, security groups ${settings.ecs.securityGroups.join(",")}` : ""}`)
        : fail("ECS network", "the task definition uses awsvpc networking but EB_MIGRATE_ECS_SUBNETS is empty", "set EB_MIGRATE_ECS_SUBNETS (and EB_MIGRATE_ECS_SECURITY_GROUPS) to the subnets the task may run in"),
    );
  }
  const logGroup = container.logConfiguration?.logDriver === "awslogs" ? container.logConfiguration.options?.["awslogs-group"] : undefined;
  if (!logGroup) results.push(skip("ECS logs", `container ${container.name} does not use the awslogs driver: its output is not streamed into the deploy log`));
  return { results, ...(logGroup ? { logGroup } : {}) };
}
