// The release modes by EB_MIGRATE_MODE's value.
import type { Settings } from "../../config/settings.js";
import { ecsMode } from "./ecs.js";
import { localMode } from "./local.js";
import type { ReleaseMode } from "./mode.js";

export type { ModeContext, ReleaseMode } from "./mode.js";

const MODES: Record<Settings["mode"], ReleaseMode> = { local: localMode, ecs: ecsMode };

export function releaseMode(settings: Pick<Settings, "mode">): ReleaseMode {
  return MODES[settings.mode];
}
