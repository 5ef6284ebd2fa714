// Every EB_MIGRATE_* setting as a CLI flag (`--lease-seconds 20`), for the commands that read settings.
import type { OptionsConfig } from "../cli/command.js";
import { SETTINGS } from "../config/settings.js";

export const SETTINGS_OPTIONS: OptionsConfig = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: "string" as const }]));

export const SETTINGS_USAGE = "[--<setting> VALUE ...]";
