// The RunTask overrides: the release command and the environment's properties for the chosen
// container, refused before calling when they exceed ECS's limit.
import type { TaskOverride } from "@aws-sdk/client-ecs";
import { ConfigError } from "../cli/errors.js";

/** "A total of 8192 characters are allowed for overrides. This limit includes the JSON formatting characters of the override structure." (RunTask) */
export const MAX_OVERRIDES_CHARACTERS = 8192;

/**
 * `dbLockCharacters`: the share of the command that is the database lock's launcher (db-lock.ts
 * lockShare), named in the message when the whole is too big.
 */
export function buildOverrides(containerName: string, command: string[], properties: Record<string, string>, dbLockCharacters?: number): TaskOverride {
  const overrides: TaskOverride = {
    containerOverrides: [
      {
        name: containerName,
        command,
        environment: Object.entries(properties).map(([name, value]) => ({ name, value })),
      },
    ],
  };
  checkOverridesSize(overrides, properties, dbLockCharacters);
  return overrides;
}

export function checkOverridesSize(overrides: TaskOverride, properties: Record<string, string>, dbLockCharacters?: number): void {
  const size = JSON.stringify(overrides).length;
  if (size <= MAX_OVERRIDES_CHARACTERS) return;
  const largest = Object.entries(properties)
    .map(([name, value]) => ({ name, size: JSON.stringify({ name, value }).length }))
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((p) => `${p.name} (${p.size})`)
    .join(", ");
  const lock = dbLockCharacters === undefined ? "" : `, ${dbLockCharacters} of them the database lock's launcher (EB_MIGRATE_DB_LOCK)`;
  const lockFix = dbLockCharacters === undefined ? "" : `, or set EB_MIGRATE_DB_LOCK=off to run the command without the database lock (nothing then keeps migrations of environments sharing the database apart)`;
  throw new ConfigError(
    `the ECS container overrides (the command and ${Object.keys(properties).length} environment properties) are ${size} characters${lock}; RunTask allows ${MAX_OVERRIDES_CHARACTERS}` +
      `${largest ? `. Largest: ${largest}` : ""}. Move big values into the task definition's secrets (Secrets Manager / SSM) or shorten them${lockFix}`,
  );
}
