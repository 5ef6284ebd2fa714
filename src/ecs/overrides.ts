// The RunTask overrides: the release command and the environment's properties for the chosen
// container, refused before calling when they exceed ECS's limit.
import type { TaskOverride } from "@aws-sdk/client-ecs";
import { ConfigError } from "../cli/errors.js";

/** "A total of 8192 characters are allowed for overrides. This limit includes the JSON formatting characters of the override structure." (RunTask) */
export const MAX_OVERRIDES_CHARACTERS = 8192;

export function buildOverrides(containerName: string, command: string[], properties: Record<string, string>): TaskOverride {
  const overrides: TaskOverride = {
    containerOverrides: [
      {
        name: containerName,
        command,
        environment: Object.entries(properties).map(([name, value]) => ({ name, value })),
      },
    ],
  };
  checkOverridesSize(overrides, properties);
  return overrides;
}

export function checkOverridesSize(overrides: TaskOverride, properties: Record<string, string>): void {
  const size = JSON.stringify(overrides).length;
  if (size <= MAX_OVERRIDES_CHARACTERS) return;
  const largest = Object.entries(properties)
    .map(([name, value]) => ({ name, size: JSON.stringify({ name, value }).length }))
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((p) => `${p.name} (${p.size})`)
    .join(", ");
  throw new ConfigError(
    `the ECS container overrides (the command and ${Object.keys(properties).length} environment properties) are ${size} characters; RunTask allows ${MAX_OVERRIDES_CHARACTERS}` +
      `${largest ? `. Largest: ${largest}` : ""}. Move big values into the task definition's secrets (Secrets Manager / SSM) or shorten them`,
  );
}
