// Every EB_MIGRATE_* setting as a CLI flag (`--lease-seconds 20`), for the commands that read settings.
import type { OptionsConfig } from "../cli/command.js";
import { ENV_PREFIX, SETTINGS } from "../config/settings.js";

export const SETTINGS_OPTIONS: OptionsConfig = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: "string" as const }]));

/** Each setting flag's help: what it does, what is allowed, the environment property it overrides. */
export const SETTINGS_FLAGS: Record<string, string> = Object.fromEntries(
  SETTINGS.map((s) => [s.flag, `${s.description} Allowed: ${s.allowed}${s.default ? `; default ${s.default}` : ""} (overrides ${ENV_PREFIX}${s.name}).`]),
);

export const SETTINGS_USAGE = "[--<setting> VALUE ...]";
