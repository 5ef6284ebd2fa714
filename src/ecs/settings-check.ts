// The ecs-mode setting combinations RunTask would refuse, checked before anything runs
// (exit 2), with the setting to change named in the message.
import { ConfigError } from "../cli/errors.js";
import type { Settings } from "../config/settings.js";

export function checkEcsSettings(settings: Settings): void {
  const ecs = settings.ecs;
  if (settings.mode !== "ecs") return;
  if (ecs.launchType === "FARGATE" && ecs.subnets.length === 0) {
    throw new ConfigError("EB_MIGRATE_ECS_LAUNCH_TYPE=FARGATE needs EB_MIGRATE_ECS_SUBNETS (Fargate tasks use awsvpc networking)");
  }
  if (ecs.subnets.length === 0 && (ecs.securityGroups.length > 0 || ecs.assignPublicIp !== undefined)) {
    throw new ConfigError("EB_MIGRATE_ECS_SECURITY_GROUPS and EB_MIGRATE_ECS_ASSIGN_PUBLIC_IP only apply with EB_MIGRATE_ECS_SUBNETS (awsvpc networking); set the subnets too");
  }
  if (ecs.platformVersion !== undefined && ecs.launchType !== "FARGATE" && !ecs.capacityProviderStrategy.some((p) => p.capacityProvider.startsWith("FARGATE"))) {
    throw new ConfigError("EB_MIGRATE_ECS_PLATFORM_VERSION only applies to Fargate; set EB_MIGRATE_ECS_LAUNCH_TYPE=FARGATE or a FARGATE capacity provider, or remove it");
  }
  if (ecs.taskDefinition !== undefined && !/^(arn:aws[a-z-]*:ecs:[^:]+:\d{12}:task-definition\/)?[A-Za-z0-9_-]{1,255}(:\d+)?$/.test(ecs.taskDefinition)) {
    throw new ConfigError(`EB_MIGRATE_ECS_TASK_DEFINITION=${JSON.stringify(ecs.taskDefinition)} is not valid: expected family, family:revision or a task-definition ARN`);
  }
  // A pinned revision and a per-deployment image contradict each other: the revision registered
  // for the image is a new one of the family, which the pin would never run (and basing it on
  // an old revision would undo every later change to the family). Refused, not guessed.
  const pinned = ecs.taskDefinition !== undefined ? /:(\d+)$/.exec(ecs.taskDefinition) : null;
  if (ecs.image !== undefined && pinned) {
    const family = ecs.taskDefinition!.replace(/^.*:task-definition\//, "").replace(/:\d+$/, "");
    throw new ConfigError(
      `EB_MIGRATE_ECS_TASK_DEFINITION=${ecs.taskDefinition} pins revision ${pinned[1]}, but EB_MIGRATE_ECS_IMAGE makes eb-migrate register a new revision of the family for each image: set EB_MIGRATE_ECS_TASK_DEFINITION=${family} (its latest ACTIVE revision is the base), or unset EB_MIGRATE_ECS_IMAGE to run revision ${pinned[1]} as it is`,
    );
  }
}
